"""The one exception type users see: a clear, one-line message (the CLI exits 2 on it)."""


class XlingError(Exception):
    """Bad input (argument, file, line) or an unusable environment.

    The message is one line and names what is wrong: the argument, or the file and line.
    """

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


class DataError(XlingError):
    """A data file is missing, empty, truncated or malformed."""

    def __init__(self, path, message: str, line: int | None = None):
        where = f"{path}" + (f":{line}" if line is not None else "")
        super().__init__(f"{where}: {message}")
        self.path = str(path)
        self.line = line
