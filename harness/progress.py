"""Progress of long work, wherever its output goes.

On a terminal: a tqdm bar. Elsewhere (a log file under ``nohup``, CI, a pipe), where a bar
would be one endless line of carriage returns and tqdm's own default is to show nothing, a
plain line every ``PLAIN_EVERY_S`` seconds with the count, the share done, the rate and the
time left, and one last line when the work ends; work that ends sooner prints nothing.
"""
from __future__ import annotations

import contextlib
import sys
import time

PLAIN_EVERY_S = 30.0


def bar(total: int, desc: str, unit: str = "text", enabled: bool = True, leave: bool = True):
    """A progress counter (``update(n)``, ``close()``, a context manager) on stderr."""
    stream = sys.stderr
    if not enabled or total <= 0:
        return PlainLines(0, desc, unit, stream)
    if _isatty(stream):
        from tqdm import tqdm

        return tqdm(total=total, desc=desc, unit=unit, file=stream, dynamic_ncols=True, leave=leave)
    return PlainLines(total, desc, unit, stream)


def iterate(items, desc: str, unit: str = "item", enabled: bool = True, leave: bool = True):
    """Each of ``items``, counted as done when the loop's body for it has finished."""
    items = list(items)
    with bar(len(items), desc, unit, enabled, leave) as counter:
        for x in items:
            yield x
            counter.update(1)


@contextlib.contextmanager
def library_bars(stream=None):
    """transformers' own bars ("Loading weights", downloads) only where xling shows a bar: on a
    terminal. Off a terminal (a log file, CI, a pipe) they are switched off while the block runs
    and restored after."""
    if _isatty(stream or sys.stderr):
        yield
        return
    from transformers.utils import logging as hf_logging

    was_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_on:
            hf_logging.enable_progress_bar()


def _isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def _plural(unit: str) -> str:
    return unit + ("es" if unit.endswith(("ch", "sh", "s", "x")) else "s")


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class PlainLines:
    """A line every ``every`` seconds of ``clock`` (none at all for ``total`` 0)."""

    def __init__(self, total: int, desc: str, unit: str, stream, every: float = PLAIN_EVERY_S,
                 clock=time.monotonic):
        self.total, self.desc, self.unit, self.stream = total, desc, unit, stream
        self.every, self.clock = every, clock
        self.n = 0
        self.start = self.last = clock()
        self.lines = 0

    def update(self, n: int = 1) -> None:
        self.n += n
        if self.total <= 0:
            return
        now = self.clock()
        if now - self.last >= self.every:
            self.last = now
            self._line(now)

    def close(self) -> None:
        if self.lines and self.total > 0:
            self._line(self.clock(), done=True)
            self.total = 0

    def _line(self, now: float, done: bool = False) -> None:
        elapsed = max(now - self.start, 1e-9)
        rate = self.n / elapsed
        left = (self.total - self.n) / rate if rate > 0 else float("nan")
        if done:
            tail = "done" if self.n >= self.total else "stopped"
        else:
            tail = f"~{_duration(left)} left" if left == left else "time left unknown"
        units = _plural(self.unit)
        self.stream.write(f"{self.desc}: {self.n:,}/{self.total:,} {units} ({100 * self.n / self.total:.0f}%), "
                          f"{rate:,.1f} {units}/s, {_duration(elapsed)} elapsed, {tail}\n")
        self.stream.flush()
        self.lines += 1

    def __enter__(self) -> "PlainLines":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
