"""Any OpenAI-compatible HTTP server (OpenAI, vLLM, llama.cpp, TGI, Ollama ...) as a
``Generator`` and a ``LanguageModel``: ``openai:<model>[@revision] --base-url URL
[--api chat|completions] [--tokenizer DIR]``.

* ``chat`` posts to ``<base_url>/chat/completions`` (one user message, after a ``system``
  message if given), ``completions`` to ``<base_url>/completions``; greedy decoding
  (temperature 0) unless ``temperature`` > 0, when ``top_p`` and ``seed`` (the run's --seed)
  go in every request too; ``max_new_tokens`` (the request's ``max_tokens``) overrides the
  task's length. All of them are part of ``cache_params`` (see ``xling.models.chat``).
* Prompts run on ``concurrency`` threads, each request with a ``timeout`` (seconds).
* Server errors (5xx, 408, 429), timeouts, dropped connections and malformed JSON are
  retried with exponential backoff and jitter (``retries`` times); other 4xx answers
  (bad key, unknown model) stop the run at once with the server's message.
* A server that cannot be reached at all stops the run with a one-line error.
* A request that fails for good stops the others, and no answer received is lost: ``map``
  raises ``Partial`` with all of them (those in flight included) and the cache stores them;
  answers are committed in batches of ``commit_batch`` (16 x ``concurrency``) as they come,
  so a rerun sends only the requests not answered yet.
* ``OPENAI_API_KEY`` (if set) is sent as a bearer token; it is never logged.

Log-likelihoods (``loglikelihood``, ``loglikelihood_rolling``) go through the completions
endpoint with ``echo=true, logprobs=1, max_tokens=1, temperature=0``, the way lm-evaluation-
harness scores a vLLM server: see ``openai_lm``. With ``tokenizer`` (the served model's
tokenizer directory or hub id) prompts are token ids built exactly as ``hf-causal`` builds
them (``xling.lmreq``), so both backends give the same numbers for the same checkpoint.

Only the standard library is used for HTTP. The model's ``name`` holds the model id and the
revision you declare (default ``latest``), never the URL: outputs are cached under it
(xling.textcache), so a second run makes no HTTP calls, wherever the model is served.
"""
from __future__ import annotations

import http.client
import json
import os
import random
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, fields

from .. import lmreq, progress
from ..errors import Partial, XlingError
from . import Backend
from .chat import Decoding, messages, text_hash
from .httpfail import Retry, Unreachable
from .openai_lm import EchoScorer

APIS = ("chat", "completions")
DEFAULT_BASE_URL = "https://api.openai.com/v1"


@dataclass
class OpenAIConfig:
    """How to reach and drive the server (every field is also a ``load()`` option)."""

    base_url: str | None = None  # default: $OPENAI_BASE_URL, else the OpenAI API
    api: str = "chat"  # generation endpoint: chat or completions (log-likelihoods: always completions)
    concurrency: int = 4  # requests in flight
    timeout: float = 60.0  # seconds per request
    retries: int = 5  # retries of a failed request (5xx, 408/409/425/429, timeouts, malformed JSON)
    backoff: float = 0.5  # first retry delay (seconds), doubled each time, with jitter
    max_backoff: float = 30.0
    connect_retries: int = 2  # retries while nothing answers at the address
    temperature: float = 0.0
    progress: bool = True
    tokenizer: str | None = None  # the served model's tokenizer: token-id prompts for log-likelihoods
    max_length: int | None = None  # log-likelihood window (default: the model config's - 2, else 2048)
    protocol: str = lmreq.DEFAULT_PROTOCOL
    top_p: float | None = None  # sampled generation (temperature > 0) only
    seed: int | None = None  # sent with sampled requests
    max_new_tokens: int | None = None  # overrides the task's length
    system: str | None = None  # a system message (--api chat)

    def check(self) -> str:
        """Validate; returns the base URL to use."""
        if self.api not in APIS:
            raise XlingError(f"--api must be one of {', '.join(APIS)}, got {self.api!r}")
        base = (self.base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        if not base.startswith(("http://", "https://")):
            raise XlingError(f"--base-url must start with http:// or https://, got {base!r}")
        if int(self.concurrency) < 1:
            raise XlingError(f"--concurrency must be at least 1, got {self.concurrency}")
        if float(self.timeout) <= 0:
            raise XlingError(f"--timeout must be positive, got {self.timeout}")
        if self.max_length is not None and int(self.max_length) < 2:
            raise XlingError(f"--max-length must be at least 2, got {self.max_length}")
        lmreq.protocol(self.protocol)
        if self.system and self.api != "chat":
            raise XlingError("--system is a chat message: it needs --api chat")
        return base


class OpenAIGenerator:
    def __init__(self, model: str, config: OpenAIConfig | None = None, revision: str | None = None,
                 api_key: str | None = None):
        if not model:
            raise XlingError("model spec 'openai:' needs a model name, e.g. openai:gpt-4o-mini --base-url URL")
        c = config or OpenAIConfig()
        self.config = c
        self.base_url = c.check()
        self.model, self.api = model, c.api
        self.concurrency, self.timeout = int(c.concurrency), float(c.timeout)
        self.retries, self.backoff, self.max_backoff = int(c.retries), float(c.backoff), float(c.max_backoff)
        self.connect_retries = int(c.connect_retries)
        self.temperature = float(c.temperature)
        self._key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
        self.progress = c.progress
        self.name = f"openai:{model}@{revision or 'latest'}"
        self.scorer = EchoScorer(self, c)  # log-likelihoods (loads the tokenizer, if any)
        self.decoding = Decoding(self.temperature, c.top_p, c.seed, c.max_new_tokens).check()
        self.system = c.system or None
        extra = [x for x in self.decoding.params().split(";") if x and not x.startswith("temperature=")]
        extra += [f"system={text_hash(self.system)}"] if self.system else []
        self.cache_params = ";".join([f"api={c.api};temperature={self.temperature:g};{self.scorer.cache_params}"] + extra)
        self.requests = 0  # HTTP attempts, retries included
        self.failures = 0  # attempts that were retried
        self.truncated = 0  # log-likelihood requests left-truncated to the window
        self._lock = threading.Lock()
        self._abort = threading.Event()  # set when one prompt failed for good: the others stop
        self.commit_batch = 16 * self.concurrency  # answers the cache commits together (see solvers.lmcalls)

    # ------------------------------------------------------------------ one request

    def _endpoint(self, api: str | None = None) -> str:
        return f"{self.base_url}/{'chat/completions' if (api or self.api) == 'chat' else 'completions'}"

    def _payload(self, prompt: str, max_tokens: int, until: Sequence[str] = ()) -> dict:
        body = {"model": self.model, "max_tokens": self.decoding.tokens(max_tokens), "temperature": self.temperature}
        if self.decoding.sampled:
            body.update(top_p=float(self.decoding.top_p or 1.0), seed=int(self.decoding.seed or 0))
        if self.api == "chat":
            body["messages"] = messages(prompt, self.system)
        else:
            body["prompt"] = prompt
        if until:
            body["stop"] = list(until)[:4]  # the OpenAI API takes up to 4; all are cut client-side too
        return body

    def _parse(self, raw: bytes) -> str:
        try:
            data = json.loads(raw.decode("utf-8"))
            choice = data["choices"][0]
            text = choice["message"]["content"] if self.api == "chat" else choice["text"]
        except (UnicodeDecodeError, ValueError, KeyError, IndexError, TypeError) as e:
            raise Retry(f"malformed response ({type(e).__name__}: {str(e)[:80]})") from None
        if text is None:
            return ""
        if not isinstance(text, str):
            raise Retry(f"malformed response (answer is {type(text).__name__}, not text)")
        return text

    def _attempt(self, url: str, body: dict) -> bytes:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        req = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
        with self._lock:
            self.requests += 1
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.read()
        except urllib.error.HTTPError as e:
            detail = _error_text(e)
            if e.code >= 500 or e.code in (408, 409, 425, 429):
                raise Retry(f"HTTP {e.code}{detail}") from None
            raise XlingError(f"{url} answered HTTP {e.code}{detail}") from None
        except urllib.error.URLError as e:
            reason = e.reason
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise Retry(f"no answer within {self.timeout:g} s") from None
            if isinstance(reason, (ConnectionRefusedError, socket.gaierror)) or (
                    isinstance(reason, OSError) and getattr(reason, "errno", None) in (101, 113)):
                raise Unreachable(_reason_text(reason)) from None
            raise Retry(_reason_text(reason)) from None
        except (TimeoutError, socket.timeout):
            raise Retry(f"no answer within {self.timeout:g} s") from None
        except (http.client.HTTPException, ConnectionError, OSError) as e:
            raise Retry(f"connection dropped ({type(e).__name__})") from None

    def call(self, url: str, body: dict, parse):
        """POST ``body`` to ``url`` and ``parse`` the raw answer, with retries and backoff
        (``parse`` raises ``Retry`` for an answer worth asking again)."""
        last = ""
        unreachable = 0
        attempt = 0
        while True:
            if self._abort.is_set():
                raise XlingError("stopped: another request failed")
            try:
                return parse(self._attempt(url, body))
            except Unreachable as e:
                unreachable += 1
                if unreachable > self.connect_retries:
                    raise XlingError(f"cannot reach the OpenAI-compatible server at {self.base_url} ({e}); "
                                     "is it running? check --base-url") from None
                last = str(e)
            except Retry as e:
                last = str(e)
                attempt += 1
                if attempt > self.retries:
                    raise XlingError(f"{url}: no valid answer after {attempt} attempts (last: {last})") from None
            with self._lock:
                self.failures += 1
            n = attempt + unreachable
            time.sleep(min(self.max_backoff, self.backoff * 2 ** (n - 1)) * (0.5 + random.random() / 2))

    def complete(self, prompt: str, max_tokens: int = 64, until: Sequence[str] = ()) -> str:
        """One prompt, with retries and backoff."""
        text = self.call(self._endpoint(), self._payload(prompt, max_tokens, until), self._parse)
        return lmreq.cut_at(text, list(until))

    def map(self, fn, items: Sequence, desc: str) -> list:
        """``fn(item)`` for every item on ``concurrency`` threads, in order. The first failure
        stops the others; it is raised as ``Partial``, carrying every answer received (those in
        flight when it happened included), so that the cache keeps them."""
        items = list(items)
        if not items:
            return []
        bar = progress.bar(len(items), f"{desc} {self.name}", "request", self.progress)
        self._abort.clear()
        pool = ThreadPoolExecutor(max_workers=min(self.concurrency, len(items)), thread_name_prefix="xling-http")
        futures = {pool.submit(fn, x): i for i, x in enumerate(items)}
        try:
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_EXCEPTION)
                bar.update(len(done))
                failed = next((f for f in done if f.exception() is not None), None)
                if failed is not None:
                    raise failed.exception()
        except BaseException as e:
            self._abort.set()
            pool.shutdown(wait=True, cancel_futures=True)
            got = {i: f.result() for f, i in futures.items() if f.done() and not f.cancelled() and f.exception() is None}
            raise (Partial(e, got) if isinstance(e, XlingError) else e) from None
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            bar.close()
        return [f.result() for f in futures]  # in the items' order

    # ------------------------------------------------------------------ Generator / LanguageModel

    def chat_records(self, prompts: Sequence[str]) -> list[dict] | None:
        """Per prompt, the messages sent (--api chat; the server renders them), else None."""
        if self.api != "chat":
            return None
        return [{"messages": messages(p, self.system), "rendered": None} for p in prompts]

    def generate(self, prompts: Sequence[str], until: Sequence[str] = (), max_tokens: int = 64) -> list[str]:
        """Completions (greedy unless ``temperature`` > 0), cut at the first of ``until``."""
        until = [u for u in until if u]
        try:
            return [o or "" for o in self.map(lambda p: self.complete(p, max_tokens, until), prompts, "generate")]
        except Partial as p:
            raise p.map(lambda _, o: o or "") from None

    def loglikelihood_flags(self, requests: Sequence[tuple[str, str]]) -> list[tuple[float, bool, bool]]:
        """(log-prob, is_greedy, truncated) per (context, continuation)."""
        out = self.scorer.loglikelihood(list(requests))
        self.truncated += sum(t for _, _, t in out)
        return out

    def loglikelihood(self, requests: Sequence[tuple[str, str]]) -> list[tuple[float, bool]]:
        try:
            return [(lp, g) for lp, g, _ in self.loglikelihood_flags(requests)]
        except Partial as p:
            raise p.map(lambda _, v: (v[0], v[1])) from None

    def loglikelihood_rolling(self, texts: Sequence[str]) -> list[tuple[float, int]]:
        return self.scorer.loglikelihood_rolling(list(texts))


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


_OPTIONS = tuple(f.name for f in fields(OpenAIConfig))


def make(arg: str, threads=None, device=None, batch_size=None, **options) -> OpenAIGenerator:
    """``openai:<model>[@revision]``; options: the fields of ``OpenAIConfig``."""
    unknown = sorted(k for k, v in options.items() if k not in _OPTIONS and v is not None)
    if unknown:
        raise XlingError(f"model openai:{arg} does not take option(s) {', '.join(unknown)}")
    model, _, rev = arg.partition("@")
    kw = {k: v for k, v in options.items() if v is not None}
    return OpenAIGenerator(model, OpenAIConfig(**kw), revision=rev or None)


BACKEND = Backend("openai", make, ("Generator", "LanguageModel"), offline=False,
                  usage="openai:<model>[@rev] --base-url URL",
                  summary="any OpenAI-compatible HTTP server (vLLM, llama.cpp, TGI, OpenAI): generation, and "
                          "log-likelihoods through the completions endpoint (echo + logprobs)")
