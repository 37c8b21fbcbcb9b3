"""Opening an executor: the local one, or the Ray one (imported only when asked for).

``open_executor(config)`` makes the executor an ``executor.ExecutorConfig`` names; ``using``
lends one to a run (``runner.evaluate``) or to a multi-run command (``batch.run_many``).
"""
from __future__ import annotations

import contextlib

from .errors import XlingError
from .executor import LOCAL, ExecutorConfig, LocalExecutor


def open_executor(config: ExecutorConfig | None = None):
    """A new executor for ``config`` (local by default); close it (or use ``with``) when done."""
    config = config or ExecutorConfig()
    if config.kind == "local":
        return LocalExecutor(config)
    try:
        from .executor_ray import RayExecutor
    except ImportError as e:
        if (e.name or "").split(".")[0] != "ray":
            raise
        raise XlingError("--executor ray needs Ray: pip install 'xling[ray]'") from e
    return RayExecutor(config)


@contextlib.contextmanager
def using(executor):
    """``executor`` for the length of one run: an open executor as is (its owner closes it),
    an ``ExecutorConfig`` opened and closed here, None the local executor."""
    if executor is None:
        yield LOCAL
    elif isinstance(executor, ExecutorConfig):
        with contextlib.closing(open_executor(executor)) as ex:
            yield ex
    else:
        yield executor
