"""Generative QA through the OpenAI-compatible HTTP backend, against real HTTP servers that
the tests start on 127.0.0.1: a well-behaved one, a flaky one (HTTP 500/503, hangs past
the client's timeout, malformed JSON: each prompt fails a fixed number of times, so every
request count is known), one that refuses with 401, and none at all (unreachable)."""
import hashlib
import json
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from xling import prompts, results
from xling.cli import main
from xling.errors import XlingError
from xling.metrics import qa
from xling.models import Generator
from xling.plugins import load_model as load
from xling.api import evaluate
from tests.helpers import xquad_mirror

LIMIT = 12


class FakeLLM:
    """Answers a QA prompt from a question -> answer table (else the context's first
    sentence), after failing each prompt the way ``schedule`` says."""

    def __init__(self, answers: dict, flaky: bool = False, hang: float = 3.0, status: int | None = None):
        self.answers, self.flaky, self.hang, self.status = answers, flaky, hang, status
        self.requests = 0
        self.paths: dict[str, int] = {}
        self.attempts: dict[str, int] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()

    @staticmethod
    def schedule(prompt: str) -> list[str]:
        """Failures before success for a prompt (deterministic, about a third fail at first)."""
        h = int(hashlib.sha256(prompt.encode()).hexdigest(), 16) % 10
        return {0: ["500"], 1: ["500"], 2: ["503", "500"], 3: ["hang"], 4: ["badjson"], 5: ["nochoices"],
                6: ["hang", "badjson"]}.get(h, [])

    def answer(self, prompt: str) -> str:
        m = re.search(r"\n\n[^\n:]+: (.*)\n\n[^\n:]+: (.*)\n\n[^\n:]+:$", prompt, re.S)
        context, question = m.group(1), m.group(2)
        return self.answers.get(question, context.split(". ")[0])

    def reply(self, handler):
        length = int(handler.headers["Content-Length"])
        body = json.loads(handler.rfile.read(length))
        prompt = body["messages"][0]["content"] if "messages" in body else body["prompt"]
        with self.lock:
            self.requests += 1
            self.paths[handler.path] = self.paths.get(handler.path, 0) + 1
            k = self.attempts.get(prompt, 0)
            self.attempts[prompt] = k + 1
        plan = self.schedule(prompt) if self.flaky else []
        what = plan[k] if k < len(plan) else "ok"
        if self.status:
            return handler.send_json(self.status, {"error": {"message": "invalid api key sk-***"}})
        if what in ("500", "503"):
            return handler.send_json(int(what), {"error": "overloaded"})
        if what == "hang":
            self.stop.wait(self.hang)
            return handler.send_json(200, {"choices": [{"text": "too late", "message": {"content": "too late"}}]})
        if what == "badjson":
            return handler.send_raw(200, b'{"choices": [{"message": {"content": "tru')
        if what == "nochoices":
            return handler.send_json(200, {"object": "error"})
        text = self.answer(prompt)
        if handler.path.endswith("/chat/completions"):
            return handler.send_json(200, {"choices": [{"message": {"role": "assistant", "content": text}}]})
        return handler.send_json(200, {"choices": [{"text": " " + text + "\n"}]})


@pytest.fixture
def server():
    started = []

    def start(llm: FakeLLM) -> str:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                llm.reply(self)

            def send_json(self, code, obj):
                self.send_raw(code, json.dumps(obj).encode())

            def send_raw(self, code, data):
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        started.append((httpd, llm))
        return f"http://127.0.0.1:{httpd.server_address[1]}/v1"

    yield start
    for httpd, llm in started:
        llm.stop.set()
        httpd.shutdown()
        httpd.server_close()


def answer_table(mirror_dir, langs=("en", "de", "zh")):
    """question -> answer: the gold answer for two items in three, else nothing (the fake
    server then answers with the context's first sentence)."""
    table = {}
    for n in langs:
        data = json.loads((mirror_dir / "xquad" / f"xquad.{n}.json").read_text(encoding="utf-8"))["data"]
        qs = [q for art in data for par in art["paragraphs"] for q in par["qas"]][:LIMIT]
        for i, q in enumerate(qs):
            if i % 3:
                table[q["question"].strip()] = q["answers"][0]["text"]
    return table


def expected_scores(mirror_dir, native, lang, llm):
    data = json.loads((mirror_dir / "xquad" / f"xquad.{native}.json").read_text(encoding="utf-8"))["data"]
    items = [(par["context"], q) for art in data for par in art["paragraphs"] for q in par["qas"]][:LIMIT]
    tmpl = prompts.qa_template(None, lang)
    preds = [llm.answer(tmpl.render(q["question"], c)) for c, q in items]
    em, f1 = qa.score(preds, [[a["text"] for a in q["answers"]] for _, q in items], lang)
    return sum(em) / LIMIT, sum(f1) / LIMIT


def test_well_behaved_server_end_to_end_and_cached(server, tmp_path, capsys):
    data = xquad_mirror(tmp_path)
    llm = FakeLLM(answer_table(data))
    url = server(llm)
    argv = ["run", "--model", "openai:tiny-llm", "--base-url", url, "--task", "xquad", "--lang", "en,de,zh",
            "--limit", str(LIMIT), "--data-dir", str(data), "--out", str(tmp_path / "runs"), "--concurrency", "3"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert "model calls: 36, cache hits: 0" in err and "xquad" in out
    assert llm.requests == 36 and llm.paths == {"/v1/chat/completions": 36}
    df = results.frame(tmp_path / "runs").set_index(["test_lang", "metric"])
    for native, lang in (("en", "eng_Latn"), ("de", "deu_Latn"), ("zh", "zho_Hans")):
        em, f1 = expected_scores(data, native, lang, llm)
        assert df.loc[(lang, "exact_match"), "value"] == pytest.approx(em, abs=1e-12)
        assert df.loc[(lang, "f1"), "value"] == pytest.approx(f1, abs=1e-12)
        assert 2 / 3 - 1e-9 <= em < 1  # two thirds are gold answers
    # the prompt's hash is in every signature; fidelity counts only answers with letters
    assert df["signature"].str.contains(r"prompt:qa-v1-eng-[0-9a-f]{12}").all()
    fid = df.xs("answer_lang_fidelity", level="metric")
    assert ((fid.value > 0) & (fid.value <= 1)).all() and (fid.n <= LIMIT).all()
    # a second run (new run dir, same cache) makes no HTTP call, even with the server gone
    assert main(argv[:-4] + ["--out", str(tmp_path / "runs2"), "--base-url", "http://127.0.0.1:9/v1"]) == 0
    assert "model calls: 0, cache hits: 36" in capsys.readouterr().err and llm.requests == 36
    # native instructions: another prompt hash, so new requests; the completions endpoint
    assert main(argv + ["--prompt-lang", "native", "--api", "completions", "--lang", "de", "--no-board"]) == 0
    assert llm.paths["/v1/completions"] == LIMIT
    df = results.frame(tmp_path / "runs")
    # em, f1, em_squad, f1_squad, answer_lang_fidelity, lang_fidelity
    assert df[df.signature.str.contains("prompt:qa-v1-deu-")].shape[0] == 6


def test_flaky_server_still_gives_a_complete_correct_run(server, tmp_path):
    data = xquad_mirror(tmp_path)
    table = answer_table(data)
    good, flaky = FakeLLM(table), FakeLLM(table, flaky=True)
    opts = dict(concurrency=4, timeout=0.3, backoff=0.01, max_backoff=0.05, retries=4)
    common = dict(langs="en,de,zh", limit=LIMIT, data_dir=data, progress=False)
    ref = evaluate("xquad", "openai:m", out_dir=tmp_path / "a", cache_dir=tmp_path / "ca",
                   **dict(opts, base_url=server(good)), **common)
    rep = evaluate("xquad", "openai:m", out_dir=tmp_path / "b", cache_dir=tmp_path / "cb",
                   **dict(opts, base_url=server(flaky)), **common)
    planned = sum(len(FakeLLM.schedule(p)) for p in flaky.attempts)
    assert planned >= 9  # about a third of the 36 prompts failed at first
    assert len(flaky.attempts) == 36 and flaky.requests == 36 + planned  # one extra request per planned failure
    assert sum(1 for p in flaky.attempts if "500" in FakeLLM.schedule(p) or "503" in FakeLLM.schedule(p)) >= 4
    a = results.frame(tmp_path / "a").set_index(["test_lang", "metric"]).value
    b = results.frame(rep.run_dir).set_index(["test_lang", "metric"]).value
    assert len(b) == 18 and b.equals(a)  # 3 languages x 6 metrics: complete, and identical to the well-behaved server's run


def test_a_prompt_that_never_succeeds_is_one_line_error(server):
    llm = FakeLLM({}, flaky=True)
    llm.schedule = lambda prompt: ["500"] * 10
    gen = load("openai:m", base_url=server(llm), retries=2, backoff=0.01, timeout=1)
    with pytest.raises(XlingError, match=r"no valid answer after 3 attempts \(last: HTTP 500: overloaded\)") as e:
        gen.generate(["\n\nContext: a. b\n\nQuestion: q\n\nAnswer:"])
    assert "\n" not in str(e.value) and llm.requests == 3


def test_client_errors_stop_at_once(server, tmp_path, capsys):
    llm = FakeLLM({}, status=401)
    data = xquad_mirror(tmp_path, ("en",))
    code = main(["run", "--model", "openai:m", "--base-url", server(llm), "--task", "xquad", "--lang", "en",
                 "--limit", "3", "--data-dir", str(data), "--out", str(tmp_path / "runs")])
    err = capsys.readouterr().err
    assert code == 2 and "HTTP 401: invalid api key" in err and len(err.strip().splitlines()) == 1
    assert llm.requests <= 3  # no retries for a client error


def test_unreachable_server_is_one_line_error_exit_2(tmp_path, capsys):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    data = xquad_mirror(tmp_path, ("en",))
    code = main(["run", "--model", "openai:m", "--base-url", f"http://127.0.0.1:{port}/v1", "--task", "xquad",
                 "--lang", "en", "--limit", "2", "--data-dir", str(data), "--out", str(tmp_path / "runs")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"xling: error: cannot reach the OpenAI-compatible server at http://127.0.0.1:{port}/v1")
    assert len(err.strip().splitlines()) == 1


def test_options_and_specs_are_checked(capsys):
    gen = load("openai:gpt-x@2024-06", base_url="http://127.0.0.1:1/v1/")
    assert isinstance(gen, Generator) and gen.name == "openai:gpt-x@2024-06" and gen.base_url.endswith("/v1")
    with pytest.raises(XlingError, match="--api must be one of chat, completions"):
        load("openai:m", api="stream")
    with pytest.raises(XlingError, match="needs a model name"):
        load("openai:")
    with pytest.raises(XlingError, match="must start with http"):
        load("openai:m", base_url="127.0.0.1:8000")
    assert main(["run", "--model", "fake", "--task", "xquad", "--base-url", "http://x"]) == 2
    assert "--base-url apply to openai:<model> models only" in capsys.readouterr().err
    with pytest.raises(XlingError, match="no QA prompt in kor_Kore"):
        prompts.qa_template("ko", "eng_Latn")
    assert prompts.clean_answer('\n Answer: "Denver Broncos"\nmore') == "Denver Broncos"
    assert prompts.clean_answer("答案：北京") == "北京"
