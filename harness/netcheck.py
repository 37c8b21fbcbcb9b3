"""Nothing waits on a network that is not there.

Before anything asks the Hugging Face hub for a model or a dataset, ``hub_reachable()`` opens
one TCP connection to the hub's host (``HF_ENDPOINT`` if set) with a short timeout, once per
process. If it fails, ``offline()`` switches ``huggingface_hub``, ``transformers`` and
``datasets`` to their offline mode (what is in the local Hugging Face cache still loads), so a
missing model or dataset is a one-line error at once instead of a minute of retries.
"""
from __future__ import annotations

import functools
import os
import socket
import sys
import threading
from urllib.parse import urlparse

DEFAULT_ENDPOINT = "https://huggingface.co"
TIMEOUT = 3.0
OFFLINE_VARS = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE")


def endpoint() -> tuple[str, int]:
    url = urlparse(os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT)
    return url.hostname or "huggingface.co", url.port or (443 if url.scheme != "http" else 80)


@functools.cache
def hub_reachable(timeout: float = TIMEOUT) -> bool:
    """Whether a TCP connection to the hub opens within ``timeout`` seconds (name lookup included:
    it runs in a thread, since the resolver itself has no timeout)."""
    if any(os.environ.get(v) == "1" for v in OFFLINE_VARS):
        return False
    ok: list[bool] = []

    def probe():
        try:
            socket.create_connection(endpoint(), timeout=timeout).close()
            ok.append(True)
        except OSError:
            ok.append(False)

    t = threading.Thread(target=probe, daemon=True)
    t.start()
    t.join(timeout + 0.5)
    return bool(ok and ok[0])


def offline() -> None:
    """Put the Hugging Face libraries in offline mode, also where they are already imported."""
    for var in OFFLINE_VARS:
        os.environ[var] = "1"
    hub = sys.modules.get("huggingface_hub.constants")
    if hub is not None:
        hub.HF_HUB_OFFLINE = True
    ds = sys.modules.get("datasets.config")
    if ds is not None:
        ds.HF_HUB_OFFLINE = True
        ds.HF_DATASETS_OFFLINE = True


def ensure_or_offline() -> bool:
    """True if the hub answers; otherwise go offline (local caches only) and return False."""
    if hub_reachable():
        return True
    offline()
    return False
