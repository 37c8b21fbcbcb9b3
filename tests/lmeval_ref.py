"""lm-evaluation-harness 0.4.13 as the reference for multiple-choice tasks: its own task
configs (YAML and utils of the installed package), built on documents the test supplies
(``custom_dataset``, no download), asked for the requests it would send a model and for the
metrics it computes from given log-likelihoods."""
from __future__ import annotations

import functools

import pytest

lm_eval = pytest.importorskip("lm_eval", reason="lm-eval==0.4.13 is a test dependency (pip install 'xling[test]')")


@functools.cache
def _manager():
    from lm_eval.tasks import TaskManager

    return TaskManager()


def task(name: str, docs: dict[str, list[dict]], metrics=("acc", "acc_norm", "acc_bytes")):
    """lm-eval's task ``name`` over ``docs`` (split -> documents), with ``metrics`` enabled."""
    import datasets
    from lm_eval.api.task import ConfigurableTask
    from lm_eval.tasks._yaml_loader import load_yaml

    entry = _manager()._entry(name)
    cfg = dict(load_yaml(entry.yaml_path, resolve_func=True))
    cfg.pop("include", None)
    cfg["custom_dataset"] = lambda **_: datasets.DatasetDict(
        {split: datasets.Dataset.from_list(rows) for split, rows in docs.items()})
    cfg["metric_list"] = [{"metric": m} for m in metrics]
    return ConfigurableTask(config=cfg)


def requests(t, doc) -> list[tuple[str, str]]:
    """The (context, continuation) pairs lm-eval sends for ``doc``, zero-shot."""
    ctx = t.fewshot_context(doc, 0)
    return [tuple(r.args) for r in t.construct_requests(doc, ctx, metadata=("ref", 0, 1))]


def results(t, doc, lls) -> dict:
    """lm-eval's per-document metrics for these per-choice log-likelihoods."""
    return t.process_results(doc, [(ll, False) for ll in lls])
