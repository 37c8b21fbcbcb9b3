"""Fresh generations with chat templates and seeded sampling: ``hf-causal`` renders the
checkpoint's own chat template (``--chat-template``, ``--system``) and samples with the
paper's decoding options (``--temperature 0.3 --top-p 0.75 --max-new-tokens 100 --seed S``);
``openai:`` sends them in every request. A tiny random Llama checkpoint whose tokenizer has
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
    """A tiny random Llama (window 512) without a chat template, and the same whose tokenizer
    carries one."""
    import shutil

    from tests.lm_helpers import tiny_llama
    from transformers import AutoTokenizer

    root = tmp_path_factory.mktemp("chat")
    plain = tiny_llama(root / "llama", max_positions=512)
    path = Path(shutil.copytree(plain, root / "llama-chat"))
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
                     "rendered": "<s><|system|>\nAnswer briefly.\n<|user|>\nHallo\n<|assistant|>\n"}]
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
