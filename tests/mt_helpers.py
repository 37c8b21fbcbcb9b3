"""A local OpenAI-compatible "translator" for tests and benches: it reads xling's translation
prompt (xling.models.prompted_mt) and answers from a lookup table that the caller controls,
keyed by (source language name, target language name, source sentence); unknown sentences
are echoed (a copy of the source: the wrong language)."""
from __future__ import annotations

import json
import re
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from xling.models.prompted_mt import language_name

_PROMPT = re.compile(r"\n\n(?P<src>[^\n]+?): (?P<text>[^\n]*)\n(?P<tgt>[^\n]+?):$")


def key(src: str, tgt: str, text: str) -> tuple[str, str, str]:
    """The table key of translating ``text`` from ``src`` into ``tgt`` (xxx_Scrp codes)."""
    return language_name(src), language_name(tgt), " ".join(text.split())


class FakeMT:
    def __init__(self, table: dict[tuple[str, str, str], str]):
        self.table = table
        self.requests = 0
        self.lock = threading.Lock()

    def answer(self, prompt: str) -> str:
        m = _PROMPT.search(prompt)
        if m is None:
            raise ValueError(f"not a translation prompt: {prompt[:80]!r}")
        return self.table.get((m["src"], m["tgt"], m["text"]), m["text"])

    def reply(self, handler) -> None:
        body = json.loads(handler.rfile.read(int(handler.headers["Content-Length"])))
        prompt = body["messages"][0]["content"] if "messages" in body else body["prompt"]
        with self.lock:
            self.requests += 1
        text = self.answer(prompt)
        # answer as chat models do: sometimes with the target label repeated (the adapter strips it)
        if handler.path.endswith("/chat/completions"):
            out = {"choices": [{"message": {"role": "assistant", "content": text}}]}
        else:
            out = {"choices": [{"text": " " + text + "\nEnglish: more text the adapter cuts"}]}
        data = json.dumps(out).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)


@contextmanager
def serve(fake: FakeMT):
    """Serve ``fake`` on 127.0.0.1 (a free port); yields the base URL ``http://127.0.0.1:PORT/v1``."""
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            fake.reply(self)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    finally:
        httpd.shutdown()
        httpd.server_close()


def damage(text: str, i: int, every: int = 6) -> str:
    """A deterministic imperfect translation: every ``every``-th character dropped for items
    i % 3 == 1."""
    return "".join(c for j, c in enumerate(text) if (j + i) % every) if i % 3 == 1 else text

