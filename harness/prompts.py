"""Prompt templates for generative solvers, per task family and instruction language.

English instructions are the default; ``--prompt-lang native`` writes them in the
language of the text the model reads (for QA: the context's), ``--prompt-lang L`` in
language L everywhere. Every prompt carries a short hash of its template, which lands in
each result's signature, so a changed wording never mixes with old numbers.
"""
from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass

from .errors import XlingError
from .languages import normalize

VERSION = "1"


@dataclass(frozen=True)
class QATemplate:
    lang: str  # ISO 639-3 code of the instruction language
    instruction: str
    context: str
    question: str
    answer: str

    def render(self, question: str, context: str) -> str:
        return (f"{self.instruction}\n\n{self.context}: {context.strip()}\n\n{self.question}: {question.strip()}\n\n"
                f"{self.answer}:")

    @property
    def hash(self) -> str:
        text = json.dumps([VERSION, self.instruction, self.context, self.question, self.answer], ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    @property
    def signature(self) -> str:
        return f"qa-v{VERSION}-{self.lang}-{self.hash}"


# Extractive QA: answer with a span copied from the context. (instruction, context, question, answer labels)
_QA = {
    "eng": ("Answer the question with a short span copied exactly from the context. Reply with the answer only.",
            "Context", "Question", "Answer"),
    "deu": ("Beantworte die Frage mit einem kurzen Abschnitt, der wörtlich aus dem Kontext kopiert ist. "
            "Antworte nur mit der Antwort.", "Kontext", "Frage", "Antwort"),
    "spa": ("Responde a la pregunta con un fragmento breve copiado literalmente del contexto. "
            "Responde solo con la respuesta.", "Contexto", "Pregunta", "Respuesta"),
    "ron": ("Răspunde la întrebare cu un fragment scurt copiat exact din context. Scrie doar răspunsul.",
            "Context", "Întrebare", "Răspuns"),
    "tur": ("Soruyu bağlamdan aynen kopyalanmış kısa bir parça ile yanıtla. Yalnızca cevabı yaz.",
            "Bağlam", "Soru", "Cevap"),
    "vie": ("Trả lời câu hỏi bằng một đoạn ngắn được sao chép nguyên văn từ ngữ cảnh. Chỉ viết câu trả lời.",
            "Ngữ cảnh", "Câu hỏi", "Trả lời"),
    "rus": ("Ответь на вопрос коротким фрагментом, дословно скопированным из контекста. Напиши только ответ.",
            "Контекст", "Вопрос", "Ответ"),
    "ell": ("Απάντησε στην ερώτηση με ένα σύντομο απόσπασμα αντιγραμμένο αυτούσιο από το κείμενο. "
            "Γράψε μόνο την απάντηση.", "Κείμενο", "Ερώτηση", "Απάντηση"),
    "ara": ("أجب عن السؤال بمقطع قصير منسوخ حرفيًا من السياق. اكتب الإجابة فقط.", "السياق", "السؤال", "الإجابة"),
    "hin": ("संदर्भ से ज्यों का त्यों लिए गए एक छोटे अंश से प्रश्न का उत्तर दें। केवल उत्तर लिखें।",
            "संदर्भ", "प्रश्न", "उत्तर"),
    "tha": ("ตอบคำถามด้วยข้อความสั้น ๆ ที่คัดลอกมาจากบริบทโดยตรง ตอบเฉพาะคำตอบเท่านั้น", "บริบท", "คำถาม", "คำตอบ"),
    "zho": ("请用从上下文中原样摘录的简短片段回答问题。只写出答案。", "上下文", "问题", "答案"),
}

ENGLISH = "eng_Latn"
NATIVE = "native"


def qa_languages() -> list[str]:
    return sorted(_QA)


def qa_template(prompt_lang: str | None, text_lang: str) -> QATemplate:
    """The QA template for ``--prompt-lang`` (None: English; 'native': ``text_lang``)."""
    choice = ENGLISH if prompt_lang in (None, "") else prompt_lang
    code = text_lang if choice == NATIVE else normalize(choice)
    base = code.split("_")[0]
    if base not in _QA:
        raise XlingError(f"no QA prompt in {code} (--prompt-lang); prompts exist for: {', '.join(sorted(_QA))}")
    return QATemplate(base, *_QA[base])


def clean_answer(raw: str) -> str:
    """The answer in a completion: its first non-empty line, without a leading answer
    label (in any prompt language) or wrapping quotes."""
    line = next((ln.strip() for ln in str(raw).splitlines() if ln.strip()), "")
    for _, _, _, label in _QA.values():
        for sep in (":", "："):
            if line.lower().startswith(label.lower() + sep):
                line = line[len(label) + len(sep):].strip()
    if len(line) >= 2 and line[0] == line[-1] and line[0] in "\"'`":
        line = line[1:-1].strip()
    return line


# ------------------------------------------------------------------ multiple choice (log-likelihood)


@dataclass(frozen=True)
class Rendered:
    """What a LanguageModel scores for one item: the i-th choice is ``continuations[i]`` given
    ``contexts[i]``; ``norms[i]`` is the string whose characters (``acc_norm``) and UTF-8 bytes
    (``acc_bytes``) divide its log-likelihood: the choice as lm-evaluation-harness's
    ``doc_to_choice`` returns it (without the target delimiter; for a task whose contexts vary,
    the varying context, as lm-evaluation-harness divides by it there too)."""

    contexts: tuple[str, ...]
    continuations: tuple[str, ...]
    norms: tuple[str, ...]


@dataclass(frozen=True)
class ChoiceTemplate:
    """Turns an Example into the (context, continuation) pairs of its choices.

    ``build(example, params)`` returns either ``(context, choices)`` (one shared context, the
    choices scored as continuations after ``delimiter``) or, with ``varying_context``,
    ``(contexts, target)`` (one context per choice, the same continuation ``delimiter + target``
    for all: XWinograd). ``params`` holds the template's data (XCOPA's connectors per language)
    as sorted (key, value) pairs. ``signature`` hashes the name, the delimiter, the params and
    the source of ``build``, so any change to the wording changes every row's signature."""

    name: str
    build: Callable
    params: tuple = ()
    delimiter: str = " "  # lm-evaluation-harness's default target_delimiter
    varying_context: bool = False

    def render(self, example) -> Rendered:
        first, second = self.build(example, dict(self.params))
        d = self.delimiter
        if self.varying_context:
            contexts = tuple(first)
            return Rendered(contexts, tuple(d + second for _ in contexts), contexts)
        choices = tuple(second)
        return Rendered(tuple(first for _ in choices), tuple(d + c for c in choices), choices)

    @property
    def hash(self) -> str:
        try:
            source = inspect.getsource(self.build)
        except (OSError, TypeError):  # a lambda typed at a prompt: its code object
            source = repr(self.build.__code__.co_code)
        text = json.dumps([VERSION, self.name, self.delimiter, self.varying_context,
                           [list(p) for p in self.params], source], ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    @property
    def signature(self) -> str:
        return f"mc-v{VERSION}-{self.name}-{self.hash}"


def _labelled_text(example, params: dict) -> tuple[str, tuple[str, ...]]:
    """'<Text>: <text>\\n<Label>:' with the task's labels as the choices (``example.choices``)."""
    return f"{params['text']}: {example.text.strip()}\n{params['label']}:", example.choices


# Prompted classification (a Classify task scored by a LanguageModel): the labels are the
# choices. SIB-200 has no template in lm-evaluation-harness 0.4.13; this one asks for the topic
# in English (the labels are English words) for every language.
CLASSIFY_TEMPLATES = {
    "sib200": ChoiceTemplate("sib200-topic", _labelled_text, (("label", "Topic"), ("text", "Text"))),
}
_CLASSIFY_DEFAULT = ChoiceTemplate("classify", _labelled_text, (("label", "Label"), ("text", "Text")))


def classify_template(task_name: str) -> ChoiceTemplate:
    """The template a prompted Classify task is scored with (its own, else a generic one)."""
    return CLASSIFY_TEMPLATES.get(task_name, _CLASSIFY_DEFAULT)
