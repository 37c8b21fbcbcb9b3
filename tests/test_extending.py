"""docs/extending.md, followed literally: its `# file:` blocks are written and its `# edit:`
blocks applied to a copy of xling (the built-in route) or to a plugin package that is
installed from a temporary directory (the plugin route), and its commands are run."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "extending.md"
BLOCK = re.compile(r"```(?:python|toml)\n(.*?)```", re.S)


def blocks() -> list[tuple[str, str, str, str]]:
    """(kind 'file'|'edit', path, anchor kind 'after'|'replace'|'', body) of every marked block."""
    out = []
    for text in BLOCK.findall(DOC.read_text(encoding="utf-8")):
        first, _, rest = text.partition("\n")
        m = re.match(r"# (file|edit): (\S+)", first)
        if not m:
            continue
        if m.group(1) == "file":
            out.append(("file", m.group(2), "", rest))
            continue
        anchor, _, body = rest.partition("\n")
        a = re.match(r"# (after|replace): (.+)", anchor)
        assert a, f"an edit block of {m.group(2)} needs an '# after:' or '# replace:' line"
        out.append(("edit", m.group(2), f"{a.group(1)}\t{a.group(2).strip()}", body))
    return out


def apply_edit(path: Path, anchor: str, body: str) -> None:
    how, line = anchor.split("\t")
    lines = path.read_text(encoding="utf-8").split("\n")
    hits = [i for i, x in enumerate(lines) if x.strip() == line]
    assert len(hits) == 1, f"{path.name}: the anchor {line!r} must occur exactly once, found {len(hits)}"
    i = hits[0]
    new = body.rstrip("\n").split("\n")
    lines[i:i + 1] = ([lines[i]] + new) if how == "after" else new
    path.write_text("\n".join(lines), encoding="utf-8")


def toy_data(root: Path) -> Path:
    rows = {"sports": ["the team won the match", "a goal in the final minute", "the runner broke the record"],
            "science": ["the cell divides in two", "a new planet was observed", "the atom has a nucleus"]}
    words = {"team": "Mannschaft", "match": "Spiel", "goal": "Tor", "cell": "Zelle", "planet": "Planet",
             "atom": "Atom", "the": "die", "a": "ein", "new": "neuer", "won": "gewann", "final": "letzten"}
    for lang, native in (("eng", "en"), ("deu", "de")):
        for split in ("train", "test"):
            d = root / "toy-topics" / native
            d.mkdir(parents=True, exist_ok=True)
            lines = ["id\tlabel\ttext"]
            for label, texts in rows.items():
                for i, t in enumerate(texts * (4 if split == "train" else 2)):
                    t = t if lang == "eng" else " ".join(words.get(w, w) for w in t.split())
                    lines.append(f"{split}-{label}-{i}\t{label}\t{t} {i}")
            (d / f"{split}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def copy_of_xling(tmp: Path) -> Path:
    """xling as an importable copy: <tmp>/pkg/xling = harness/, <tmp>/pkg/xling/tasks = tasks/."""
    pkg = tmp / "pkg"
    shutil.copytree(ROOT / "harness", pkg / "xling", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "tasks", pkg / "xling" / "tasks", ignore=shutil.ignore_patterns("__pycache__"))
    return pkg


def xling(env_path: Path, *args, cwd=None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(env_path), XLING_CACHE=str(env_path.parent / "cache"))
    return subprocess.run([sys.executable, "-m", "xling", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=300)


def in_copy(pkg: Path, rel: str) -> Path:
    """Where a repository path lies in the importable copy."""
    return pkg / "xling" / rel.removeprefix("harness/") if rel.startswith("harness/") else pkg / "xling" / rel


def test_the_doc_has_the_blocks_this_test_follows():
    found = [(k, p) for k, p, _, _ in blocks()]
    assert ("file", "tasks/toy_topics.py") in found and ("file", "harness/models/bow.py") in found
    assert ("file", "plugin/pyproject.toml") in found
    assert [p for k, p in found if k == "edit"] == ["harness/metrics/registry.py", "harness/solvers/classify.py",
                                                     "harness/core.py", "harness/solve.py",
                                                     "harness/solvers/classify.py", "harness/solvers/classify.py"]


def test_builtin_route_one_file_each_then_a_metric_and_a_setting(tmp_path):
    pkg, data = copy_of_xling(tmp_path), toy_data(tmp_path / "data")
    touched = {}
    for kind, rel, anchor, body in blocks():
        if rel.startswith("plugin/"):
            continue
        target = in_copy(pkg, rel)
        if kind == "file":
            target.write_text(body, encoding="utf-8")
        else:
            apply_edit(target, anchor, body)
        touched.setdefault(kind, set()).add(rel)
    # 1 file for the task, 1 for the backend; the metric edits 2 files, the setting 3 (classify.py in both)
    assert touched["file"] == {"tasks/toy_topics.py", "harness/models/bow.py"}
    assert touched["edit"] == {"harness/metrics/registry.py", "harness/solvers/classify.py", "harness/core.py",
                               "harness/solve.py"}
    listed = xling(pkg, "list")
    assert listed.returncode == 0 and "toy_topics" in listed.stdout and "leave_one_out" in listed.stdout
    models = xling(pkg, "list", "models")
    assert any(line.startswith("| bow[:dim]") and "| yes" in line for line in models.stdout.splitlines())
    run = xling(pkg, "run", "--task", "toy_topics", "--model", "bow:128", "--setting", "zero_shot",
                "--train-lang", "eng_Latn", "--data-dir", str(data), "--out", str(tmp_path / "runs"))
    assert run.returncode == 0, run.stderr
    rows = (next((tmp_path / "runs").iterdir()) / "results.jsonl").read_text(encoding="utf-8")
    assert '"metric": "error_rate"' in rows and '"test_lang": "deu_Latn"' in rows
    loo = xling(pkg, "run", "--task", "toy_topics", "--model", "bow", "--setting", "leave_one_out",
                "--data-dir", str(data), "--out", str(tmp_path / "loo"), "--no-board")
    assert loo.returncode == 0, loo.stderr
    loo_rows = (next((tmp_path / "loo").iterdir()) / "results.jsonl").read_text(encoding="utf-8")
    assert '"train_lang": "deu_Latn", ' in loo_rows and '"train_lang": "eng_Latn", ' in loo_rows


def test_plugin_route_installs_from_a_temp_dir_and_runs(tmp_path):
    plugin, data = tmp_path / "plugin", toy_data(tmp_path / "data")
    for kind, rel, _, body in blocks():
        if kind != "file":
            continue
        if rel == "plugin/pyproject.toml":
            dest = plugin / "pyproject.toml"
        else:  # the task and the backend files, inside the plugin's package (as the doc says)
            dest = plugin / "xling_toy" / Path(rel).name
            body = body.replace("from . import Backend, check_output", "from xling.models import Backend, check_output")
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(body, encoding="utf-8")
    (plugin / "xling_toy" / "__init__.py").write_text("", encoding="utf-8")
    site = tmp_path / "site"
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                          "--target", str(site), str(plugin)], capture_output=True, text=True, timeout=300)
    assert pip.returncode == 0, pip.stderr
    assert xling(site, "list").stdout.count("toy_topics") == 1
    run = xling(site, "run", "--task", "toy_topics", "--model", "bow", "--setting", "in_language",
                "--data-dir", str(data), "--out", str(tmp_path / "runs"))
    assert run.returncode == 0, run.stderr
    assert "toy_topics" in run.stdout and "bow@256" in run.stdout


@pytest.mark.parametrize("target", ["no_such_module_xyz:TASK", "json:loads", "json:JSONDecoder"])
def test_a_broken_plugin_is_named_in_one_line(tmp_path, target):
    """An entry point that does not load, whose callable fails, or that gives no Task is reported
    with its name in one line, not a traceback."""
    site = tmp_path / "site"
    dist = site / "xling_broken-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: xling-broken\nVersion: 0.1\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text(f"[xling.tasks]\nbroken = {target}\n", encoding="utf-8")
    out = xling(site, "list")
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
    assert "entry point 'broken'" in out.stderr
