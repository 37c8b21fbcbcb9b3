"""Security promises: no unpickling of outside data, no path escapes, no remote code by default."""
import re
from pathlib import Path

import pytest

from xling.errors import XlingError
from xling.io import safe_name, slug

ROOT = Path(__file__).resolve().parents[1]


def test_nothing_unpickles():
    bad = re.compile(r"\bimport pickle\b|pickle\.loads?\(|allow_pickle\s*=\s*True|torch\.load\(|joblib\.load\(")
    offenders = [f"{p.relative_to(ROOT)}:{i}" for d in ("harness", "tasks") for p in (ROOT / d).rglob("*.py")
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if bad.search(line)]
    assert offenders == []


@pytest.mark.parametrize("value", ["../escape", "a/b", "..", ".", "/abs", "x\\y", "", "a" * 300, "ok\nno"])
def test_run_ids_cannot_name_other_paths(value):
    with pytest.raises(XlingError, match="invalid --run-id"):
        safe_name(value, "--run-id")


def test_slugs_are_single_safe_components():
    for raw in ["hf:/tmp/../../etc@main", "openai:gpt/../../x", "../../..", "<script>alert(1)</script>"]:
        s = slug(raw)
        assert "/" not in s and ".." not in s.split("-") and safe_name(s) == s


def test_task_names_are_looked_up_not_imported_by_path():
    from xling import plugins

    for name in ["../harness/cli", "os", "xling.tasks.sib200", "sib200/../x"]:
        with pytest.raises(XlingError, match="unknown task"):
            plugins.get_task(name)


def test_models_never_run_remote_code_by_default():
    import inspect

    from xling.models import hf

    assert inspect.signature(hf.make).parameters["trust_remote_code"].default is False
    assert hf.HFOptions().trust_remote_code is False
