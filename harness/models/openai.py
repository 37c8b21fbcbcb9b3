"""Any OpenAI-compatible HTTP server (OpenAI, vLLM, llama.cpp, TGI, Ollama ...) as a
``Generator``: ``openai:<model>[@revision] --base-url URL [--api chat|completions]``.

* ``chat`` posts to ``<base_url>/chat/completions`` (one user message), ``completions``
  to ``<base_url>/completions``; greedy decoding (temperature 0).
* Prompts run on ``concurrency`` threads, each request with a ``timeout`` (seconds).
* Server errors (5xx, 408, 429), timeouts, dropped connections and malformed JSON are
  retried with exponential backoff and jitter (``retries`` times); other 4xx answers
  (bad key, unknown model) stop the run at once with the server's message.
* A server that cannot be reached at all stops the run with a one-line error.
* ``OPENAI_API_KEY`` (if set) is sent as a bearer token; it is never logged.

Only the standard library is used. The model's ``name`` holds the model id and the
revision you declare (default ``latest``), never the URL: outputs are cached under it
(xling.textcache), so a second run makes no HTTP calls, wherever the model is served.
"""
from __future__ import annotations

import http.client
import json
import os
import random
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

from ..errors import XlingError
from . import Backend

APIS = ("chat", "completions")
DEFAULT_BASE_URL = "https://api.openai.com/v1"


class _Retry(Exception):
    """A failed attempt worth repeating."""


class _Unreachable(Exception):
    """Nothing answers at the address."""


class OpenAIGenerator:
    def __init__(self, model: str, base_url: str | None = None, api: str = "chat", concurrency: int = 4,
                 timeout: float = 60.0, retries: int = 5, backoff: float = 0.5, max_backoff: float = 30.0,
                 connect_retries: int = 2, temperature: float = 0.0, revision: str | None = None,
                 api_key: str | None = None, progress: bool = True):
        if not model:
            raise XlingError("model spec 'openai:' needs a model name, e.g. openai:gpt-4o-mini --base-url URL")
        if api not in APIS:
            raise XlingError(f"--api must be one of {', '.join(APIS)}, got {api!r}")
        base = (base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        if not base.startswith(("http://", "https://")):
            raise XlingError(f"--base-url must start with http:// or https://, got {base!r}")
        if int(concurrency) < 1:
            raise XlingError(f"--concurrency must be at least 1, got {concurrency}")
        if float(timeout) <= 0:
            raise XlingError(f"--timeout must be positive, got {timeout}")
        self.model, self.base_url, self.api = model, base, api
        self.concurrency, self.timeout = int(concurrency), float(timeout)
        self.retries, self.backoff, self.max_backoff = int(retries), float(backoff), float(max_backoff)
        self.connect_retries = int(connect_retries)
        self.temperature = float(temperature)
        self._key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
        self.progress = progress
        self.name = f"openai:{model}@{revision or 'latest'}"
        self.cache_params = f"api={api};temperature={self.temperature:g}"
        self.requests = 0  # HTTP attempts, retries included
        self.failures = 0  # attempts that were retried
        self._lock = threading.Lock()
        self._abort = threading.Event()  # set when one prompt failed for good: the others stop

    # ------------------------------------------------------------------ one request

    def _endpoint(self) -> str:
        return f"{self.base_url}/{'chat/completions' if self.api == 'chat' else 'completions'}"

    def _payload(self, prompt: str, max_tokens: int) -> dict:
        body = {"model": self.model, "max_tokens": int(max_tokens), "temperature": self.temperature}
        if self.api == "chat":
            body["messages"] = [{"role": "user", "content": prompt}]
        else:
            body["prompt"] = prompt
        return body

    def _parse(self, raw: bytes) -> str:
        try:
            data = json.loads(raw.decode("utf-8"))
            choice = data["choices"][0]
            text = choice["message"]["content"] if self.api == "chat" else choice["text"]
        except (UnicodeDecodeError, ValueError, KeyError, IndexError, TypeError) as e:
            raise _Retry(f"malformed response ({type(e).__name__}: {str(e)[:80]})") from None
        if text is None:
            return ""
        if not isinstance(text, str):
            raise _Retry(f"malformed response (answer is {type(text).__name__}, not text)")
        return text

    def _attempt(self, prompt: str, max_tokens: int) -> str:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        req = urllib.request.Request(self._endpoint(), data=json.dumps(self._payload(prompt, max_tokens)).encode(),
                                     headers=headers, method="POST")
        with self._lock:
            self.requests += 1
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as e:
            detail = _error_text(e)
            if e.code >= 500 or e.code in (408, 409, 425, 429):
                raise _Retry(f"HTTP {e.code}{detail}") from None
            raise XlingError(f"{self._endpoint()} answered HTTP {e.code}{detail}") from None
        except urllib.error.URLError as e:
            reason = e.reason
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise _Retry(f"no answer within {self.timeout:g} s") from None
            if isinstance(reason, (ConnectionRefusedError, socket.gaierror)) or (
                    isinstance(reason, OSError) and getattr(reason, "errno", None) in (101, 113)):
                raise _Unreachable(_reason_text(reason)) from None
            raise _Retry(_reason_text(reason)) from None
        except (TimeoutError, socket.timeout):
            raise _Retry(f"no answer within {self.timeout:g} s") from None
        except (http.client.HTTPException, ConnectionError, OSError) as e:
            raise _Retry(f"connection dropped ({type(e).__name__})") from None
        return self._parse(raw)

    def complete(self, prompt: str, max_tokens: int = 64) -> str:
        """One prompt, with retries and backoff."""
        last = ""
        unreachable = 0
        attempt = 0
        while True:
            if self._abort.is_set():
                raise XlingError("stopped: another request failed")
            try:
                return self._attempt(prompt, max_tokens)
            except _Unreachable as e:
                unreachable += 1
                if unreachable > self.connect_retries:
                    raise XlingError(f"cannot reach the OpenAI-compatible server at {self.base_url} ({e}); "
                                     "is it running? check --base-url") from None
                last = str(e)
            except _Retry as e:
                last = str(e)
                attempt += 1
                if attempt > self.retries:
                    raise XlingError(f"{self._endpoint()}: no valid answer after {attempt} attempts "
                                     f"(last: {last})") from None
            with self._lock:
                self.failures += 1
            n = attempt + unreachable
            time.sleep(min(self.max_backoff, self.backoff * 2 ** (n - 1)) * (0.5 + random.random() / 2))

    # ------------------------------------------------------------------ the Generator protocol

    def generate(self, prompts: Sequence[str], max_tokens: int = 64) -> list[str]:
        prompts = list(prompts)
        if not prompts:
            return []
        out: list[str | None] = [None] * len(prompts)
        from tqdm import tqdm

        bar = tqdm(total=len(prompts), desc=f"generate {self.name}", unit="prompt", file=sys.stderr,
                   disable=None if self.progress else True, dynamic_ncols=True)
        self._abort.clear()
        pool = ThreadPoolExecutor(max_workers=min(self.concurrency, len(prompts)), thread_name_prefix="xling-http")
        try:
            futures = {pool.submit(self.complete, p, max_tokens): i for i, p in enumerate(prompts)}
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_EXCEPTION)
                for f in sorted(done, key=lambda f: f.exception() is None):
                    out[futures[f]] = f.result()  # re-raises the first XlingError
                    bar.update(1)
        except BaseException:
            self._abort.set()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            bar.close()
        return [o if o is not None else "" for o in out]


def _error_text(e: urllib.error.HTTPError) -> str:
    try:
        body = e.read(2000).decode("utf-8", "replace")
        msg = json.loads(body).get("error", body)
        if isinstance(msg, dict):
            msg = msg.get("message", "")
    except Exception:  # noqa: BLE001 - the body is only decoration for the message
        msg = ""
    msg = " ".join(str(msg).split())[:160]
    return f": {msg}" if msg else ""


def _reason_text(reason) -> str:
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return " ".join(str(reason).split()) or type(reason).__name__


_OPTIONS = ("base_url", "api", "concurrency", "timeout", "retries", "backoff", "max_backoff", "connect_retries",
            "temperature", "progress")


def make(arg: str, threads=None, device=None, batch_size=None, **options) -> OpenAIGenerator:
    """Backend factory for ``openai:<model>[@revision]`` (models.BACKENDS)."""
    unknown = sorted(k for k, v in options.items() if k not in _OPTIONS and v is not None)
    if unknown:
        raise XlingError(f"model openai:{arg} does not take option(s) {', '.join(unknown)}")
    model, _, rev = arg.partition("@")
    kw = {k: v for k, v in options.items() if v is not None}
    return OpenAIGenerator(model, revision=rev or None, **kw)


BACKEND = Backend("openai", make, ("Generator",), offline=False, usage="openai:<model>[@rev] --base-url URL",
                  summary="any OpenAI-compatible HTTP server (vLLM, llama.cpp, TGI, OpenAI)")
