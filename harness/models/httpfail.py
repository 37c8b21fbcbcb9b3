"""How one HTTP attempt failed, for the retry loop of the HTTP backends (``openai``) and the
answer parsers beside it (``openai_lm``)."""


class Retry(Exception):
    """A failed attempt worth repeating (server error, timeout, malformed answer)."""


class Unreachable(Exception):
    """Nothing answers at the address."""
