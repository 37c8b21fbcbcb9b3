"""Any ``Generator`` (``openai:`` over HTTP) or ``LanguageModel`` (``hf-causal``) as a
``Translator``: one prompt per source sentence, from one template for every direction.

The template (``TEMPLATE``, its version and wording hashed into ``signature``, which lands in
every result row's signature) names both languages in English::

    Translate from German to English. Reply with the translation only.

    German: <source sentence>
    English:

A language written in another script than its usual one is named with the script
("Arabic (Latin script)"); the source's whitespace runs (newlines included) become single
spaces, so the prompt keeps its shape. The translation is the completion's first non-empty line, without
a repeated "English:" label or wrapping quotes (``clean``). A ``LanguageModel`` is asked to
stop at the first newline; a ``Generator`` gets ``max_tokens`` and is cut the same way.
Completions are cached by prompt (``xling.textcache.generate``) when a store is given, so a
rerun makes no model calls; the counts (``model_calls``, ``hits``) land on the wrapped model.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from .. import langinfo
from ..errors import XlingError
from ..languages import normalize
from . import LanguageModel

VERSION = "1"
HAN = {"Hans": "Simplified", "Hant": "Traditional"}  # Chinese is always named with its variant


@dataclass(frozen=True)
class TranslationTemplate:
    instruction: str = "Translate from {src} to {tgt}. Reply with the translation only."
    body: str = "{instruction}\n\n{src}: {text}\n{tgt}:"
    stop: tuple[str, ...] = ("\n",)

    def render(self, text: str, src: str, tgt: str) -> str:
        s, t = language_name(src), language_name(tgt)
        return self.body.format(instruction=self.instruction.format(src=s, tgt=t), src=s, tgt=t,
                                text=" ".join(text.split()))

    def clean(self, raw: str, tgt: str) -> str:
        line = next((ln.strip() for ln in str(raw).splitlines() if ln.strip()), "")
        label = language_name(tgt)
        for sep in (":", "："):
            if line.lower().startswith(label.lower() + sep):
                line = line[len(label) + len(sep):].strip()
        if len(line) >= 2 and line[0] == line[-1] and line[0] in "\"'`“”«»":
            line = line[1:-1].strip()
        return line

    @property
    def signature(self) -> str:
        text = json.dumps([VERSION, self.instruction, self.body, list(self.stop)], ensure_ascii=False)
        return f"mt-v{VERSION}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


TEMPLATE = TranslationTemplate()


def language_name(code: str) -> str:
    """'German'; 'Arabic (Latin script)' where the script is not the language's usual one;
    'Chinese (Traditional)', 'Cantonese (Traditional)' for Han variants."""
    name = langinfo.name(code)
    base, _, script = code.partition("_")
    if script in HAN:
        return f"{name} ({HAN[script]})"
    try:
        usual = normalize(base)
    except XlingError:  # a code normalize cannot complete: name the script to be safe
        usual = ""
    return name if usual == code else f"{name} ({langinfo.script_name(code)} script)"


class PromptedTranslator:
    """A ``Translator`` around a ``Generator`` or ``LanguageModel`` (``model``)."""

    def __init__(self, model, template: TranslationTemplate = TEMPLATE, max_tokens: int = 256, store=None):
        self.model, self.template, self.max_tokens, self.store = model, template, int(max_tokens), store
        self.name = model.name
        self.signature = template.signature

    def _generate(self, prompts: list[str]) -> list[str]:
        until = self.template.stop if isinstance(self.model, LanguageModel) else ()
        if self.store is not None:
            from .. import textcache

            return textcache.generate(self.store, self.model, prompts, max_tokens=self.max_tokens, until=until)
        if until:
            return list(self.model.generate(prompts, until=list(until), max_tokens=self.max_tokens))
        return list(self.model.generate(prompts, max_tokens=self.max_tokens))

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[str]:
        prompts = [self.template.render(t, src, tgt) for t in texts]
        return [self.template.clean(r, tgt) for r in self._generate(prompts)]
