"""The one exception type users see: a clear, one-line message (the CLI exits 2 on it)."""


class XlingError(Exception):
    """Bad input (argument, file, line) or an unusable environment.

    The message is one line and names what is wrong: the argument, or the file and line.
    """

    def __init__(self, message: str):
        super().__init__(one_line(message))


LONG = 200  # a word longer than this (a pasted value, never a path) is shortened to about 80 characters


def one_line(message) -> str:
    """``message`` on one line, each overlong word (a 5,000-character argument echoed back)
    cut to its first 60 and last 20 characters around an ellipsis."""
    return " ".join(w if len(w) <= LONG else f"{w[:60]}…{w[-20:]}" for w in str(message).split())


class DataError(XlingError):
    """A data file is missing, empty, truncated or malformed."""

    def __init__(self, path, message: str, line: int | None = None):
        where = f"{path}" + (f":{line}" if line is not None else "")
        super().__init__(f"{where}: {message}")
        self.path = str(path)
        self.line = line


class Partial(XlingError):
    """A batch of model requests that failed part-way: ``done`` maps positions in the batch to
    the outputs received before the failure, so the cache can keep every good answer (a rerun
    then asks only for the rest). Raised by a backend, translated by each layer that reshapes
    outputs (``map``), stored by the cache, which then raises ``cause`` with a count."""

    def __init__(self, cause: Exception, done: dict):
        super().__init__(str(cause))
        self.cause, self.done = cause, dict(done)

    def map(self, fn) -> "Partial":
        """The same failure with every received output ``v`` at position ``i`` turned into ``fn(i, v)``."""
        return Partial(self.cause, {i: fn(i, v) for i, v in self.done.items()})


class Interrupted(KeyboardInterrupt):
    """Ctrl-C while a run scored its cells: how many of the ``todo`` cells it finished (and
    saved) before, so the message says so instead of claiming saved cells that never finished."""

    def __init__(self, saved: int, todo: int):
        super().__init__(saved, todo)
        self.saved, self.todo = saved, todo
