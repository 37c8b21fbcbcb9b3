"""Every registered task's hub door names its data by a 40-hex commit, not a branch such as
``main`` (a branch moves, and a signature naming it does not identify the data); a task
with no known commit says so explicitly (``hub_revision=None``) and its hub door refuses.
And task modules do not import each other: what they share lives in ``xling.formats``."""
import ast
import re
from dataclasses import replace
from pathlib import Path

import pytest

import xling.tasks
from xling import plugins
from xling.data import Hub
from xling.errors import XlingError
from xling.task import Retrieval
from xling.tasks import miracl, sib200

COMMIT = re.compile(r"[0-9a-f]{40}")
TASKS = sorted(plugins.tasks().values(), key=lambda t: t.name)


def pinned(revision) -> bool:
    """A revision that names one commit: 40 lowercase hex digits."""
    return isinstance(revision, str) and COMMIT.fullmatch(revision) is not None


def never(*args, **kwargs):
    raise AssertionError("an unpinned hub door must refuse before it calls the hub")


def _doors(task):
    """(revision, split) of each hub repository the task reads: the task's own, and a
    retrieval task's separate corpus repository where it has one."""
    yield task.hub_revision, task.test_split
    if isinstance(task, Retrieval) and task.corpus_hub_id:
        yield task.corpus_hub_revision, f"{task.test_split}/corpus"


@pytest.mark.parametrize("revision", ["main", "master", "refs/convert/parquet", "refs/pr/2", "v1.0", "1.0.0", "",
                                      "51adfef1c1287aab1d2d91b5bead9bcfb9c6858", "51ADFEF1C1287AAB1D2D91B5BEAD9BCFB9C68583",
                                      "51adfef1c1287aab1d2d91b5bead9bcfb9c68583 ", 40 * "g"])
def test_branches_tags_and_malformed_hashes_are_not_pins(revision):
    assert not pinned(revision)
    assert not pinned(replace(sib200.TASK, hub_revision=revision).hub_revision)


def test_a_commit_is_a_pin():
    assert pinned("51adfef1c1287aab1d2d91b5bead9bcfb9c68583") and pinned(sib200.TASK.hub_revision)


def test_the_builtin_tasks_are_all_registered():
    names = {t.name for t in TASKS}
    assert {"americasnli", "lareqa", "masakhaner", "masakhaner1", "masakhanews", "miracl", "mrtydi", "sib200",
            "tatoeba", "wikiann", "xnli", "xquad"} <= names


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
def test_every_hub_door_is_pinned_or_refuses(task):
    lang = task.langs[0]
    for revision, split in _doors(task):
        if revision is None:  # the explicit "not pinned yet" state: the hub door refuses, in one line
            with pytest.raises(XlingError) as err:
                task.load(lang, split, Hub(load_dataset=never))
            assert "\n" not in str(err.value) and "--data-dir" in str(err.value)
            with pytest.raises(XlingError):
                task.data_signature(lang, split, Hub(load_dataset=never))
        else:
            assert pinned(revision), f"{task.name}: hub revision {revision!r} is not a 40-hex commit"


@pytest.mark.parametrize("task", [t for t in TASKS if pinned(t.hub_revision)], ids=lambda t: t.name)
def test_a_pinned_hub_signature_names_the_commit(task):
    sig = task.data_signature(task.langs[0], task.test_split, Hub(load_dataset=never))
    assert sig == f"hf:{task.hub_id}@{task.hub_revision}"


def test_unpinned_refusal_names_the_repository():
    task = replace(sib200.TASK, hub_revision=None)
    with pytest.raises(XlingError, match=r"^sib200: the hub revision of mteb/sib200 is not pinned yet"):
        task.load("deu_Latn", "test", Hub(load_dataset=never))


class FakeHub:
    def __init__(self):
        self.calls = []

    def __call__(self, repo, config, split, revision):
        self.calls.append((repo, config, split, revision))
        return [{"_id": "1#0", "title": "T", "text": "x"}]


def test_a_separate_corpus_repository_has_its_own_pin():
    corpus_rev = "a" * 40
    task = replace(miracl.TASK, corpus_hub_id="org/corpus", corpus_hub_revision=corpus_rev)
    fake = FakeHub()
    docs = task.load("swa_Latn", "dev/corpus", Hub(load_dataset=fake))
    assert fake.calls == [("org/corpus", "sw-corpus", "dev", corpus_rev)] and docs[0].id == "1#0"
    assert task.data_signature("swa_Latn", "dev/corpus", Hub()) == f"hf:org/corpus@{corpus_rev}"
    assert task.data_signature("swa_Latn", "dev", Hub()) == f"hf:mteb/MIRACLRetrieval@{miracl.TASK.hub_revision}"
    unpinned = replace(task, corpus_hub_revision=None)
    with pytest.raises(XlingError, match="hub revision of org/corpus is not pinned yet"):
        unpinned.load("swa_Latn", "dev/corpus", Hub(load_dataset=never))


# ---------------------------------------------------------------- task modules stand alone


def _imported_modules(path: Path) -> list[str]:
    """Every module a file imports; relative imports as '.<name>' (level dots kept)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            out += [f"{base}.{a.name}" if base in ("xling", "xling.tasks") or node.level else base for a in node.names]
    return out


def _task_imports(modules: list[str]) -> list[str]:
    return [m for m in modules if m.startswith((".", "xling.tasks", "tasks")) or m == "xling.tasks"]


TASK_FILES = sorted(Path(xling.tasks.__file__).parent.glob("*.py"))


def test_the_import_check_catches_each_way_of_importing_a_task(tmp_path):
    path = tmp_path / "probe.py"
    for source in ("from xling.tasks.masakhaner import conll_task", "from xling.tasks import masakhaner",
                   "import xling.tasks.americasnli", "from .masakhaner import TYPES", "from . import xnli",
                   "from xling import tasks", "import tasks.xnli"):
        path.write_text(f"def f():\n    {source}\n", encoding="utf-8")  # function-level imports count too
        assert _task_imports(_imported_modules(path)), source
    path.write_text("from xling.formats.conll import conll_task\nfrom xling import plugins\n", encoding="utf-8")
    assert _task_imports(_imported_modules(path)) == []


def test_no_task_module_imports_another_task_module():
    assert len(TASK_FILES) >= 13  # __init__ and the twelve built-in tasks
    offenders = {p.name: _task_imports(_imported_modules(p)) for p in TASK_FILES}
    assert {name: mods for name, mods in offenders.items() if mods} == {}
