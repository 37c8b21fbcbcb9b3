"""Synthetic runs with known per-item scores, laid out as the runner writes them
(config.json, results.jsonl, samples/<train>__<test>.jsonl), for leaderboard tests."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from xling.io import write_jsonl
from xling.metrics.uncertainty import mean_ci
from xling.rundir import COLUMNS


def write_run(runs: Path, run_id: str, model: str, cells: dict[str, list[float]], task: str = "sib200",
              setting: str = "zero_shot", train: str = "eng_Latn", metric: str = "acc",
              ids: dict[str, list[str]] | None = None, better: str | None = None) -> Path:
    """A run directory whose main metric in each language is the mean of the given scores
    (``better``: also record the main metric and its direction in config.json, as runs do now)."""
    run = Path(runs) / run_id
    (run / "samples").mkdir(parents=True, exist_ok=True)
    config = {"model": model, "task": task, "setting": setting, "train_langs": [train] if train else [],
              "test_langs": list(cells)}
    if better:
        config.update(main_metric=metric, better=better)
    (run / "config.json").write_text(json.dumps(config), encoding="utf-8")
    rows = []
    for lang, scores in cells.items():
        s = np.asarray(scores, dtype=float)
        item_ids = (ids or {}).get(lang) or [str(i) for i in range(len(s))]
        lo, hi = mean_ci(s, 0)
        row = dict.fromkeys(COLUMNS, "")
        row.update(model=model, task=task, task_version="1", setting=setting, train_lang=train, test_lang=lang,
                   split="test", metric=metric, value=float(s.mean()), n=len(s), ci_low=lo, ci_high=hi, seed=0,
                   signature=f"synthetic|{model}|{lang}", run_id=run_id)
        rows.append(row)
        if metric == "acc":
            base = dict(row, metric="baseline_majority_acc", value=0.25, ci_low=0.25, ci_high=0.25)
            rows.append(base)
        write_jsonl(run / "samples" / f"{train or '-'}__{lang}.jsonl",
                    [{"id": i, "lang": lang, "gold": "g", "pred": "p", "score": float(v)} for i, v in zip(item_ids, s)])
    write_jsonl(run / "results.jsonl", rows)
    return run


def binary(n: int, correct: int, seed: int = 0) -> list[float]:
    """n 0/1 scores with exactly ``correct`` ones, in a seeded order."""
    s = np.zeros(n)
    s[np.random.default_rng(seed).permutation(n)[:correct]] = 1
    return s.tolist()
