"""The ``pathdep`` command: ``list``, ``verify`` and one subcommand per library computation.

Library subcommands live in ``pathdep/commands/<name>.py``; each module defines
``register(subparsers)`` that adds its parser and sets ``func(args) -> int``.
They are discovered automatically, so adding a command touches no other file.

Exit codes: 0 success; 2 bad input (one line on stderr, before any computation: output
paths, sizes that would not fit in memory, values out of range); 1 a numerical failure (a
named error of the libraries, ``pdcheck.NumericalError``, reported in one line, its partial
result saved where the command writes results) or a verifier that failed; 130 on Ctrl-C.
A Python traceback means a bug in pathdep.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import shutil
import sys
import warnings
from typing import Sequence

from pathdep._cli_support import check_outputs, document_defaults, save_partial


class UsageError(Exception):
    """Bad command-line input: reported in one line, exit code 2."""


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seed must be a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"--seed must be a non-negative integer, got {text!r}")
    return value


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, no usage dump
        self.exit(2, f"{self.prog}: error: {message}\n")


def _cmd_list(args: argparse.Namespace) -> int:
    from pathdep.claims.registry import load_builtin

    reg = load_builtin()
    claims = reg.select(args.patterns)
    width = max((len(c.id) for c in claims), default=10)
    for c in claims:
        print(f"{c.id.ljust(width)}  {c.summary}  [{c.source}]")
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    from pathdep import report, runner
    from pathdep.claims.registry import load_builtin

    if args.imports and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())   # as `python -m` does: modules in the working directory
    for mod in args.imports or []:
        try:
            importlib.import_module(mod)
        except ImportError as exc:
            raise UsageError(f"--import {mod}: {exc}") from None
    load_builtin().select(args.patterns)  # validate patterns before any work
    if args.out != "":
        report.check_report_dir(args.out)   # a report directory, before the claims run
    outcomes = runner.run(args.patterns, seed=args.seed, full=args.full, progress=not args.no_progress,
                          jobs=args.jobs, scheduler=args.scheduler, imports=args.imports or ())
    if args.markdown:
        print(report.markdown_table(outcomes), end="")
    elif args.json:
        import json

        print(json.dumps(report.json_report(outcomes, seed=args.seed, full=args.full), indent=2))
    else:
        print(report.text_table(outcomes, width=shutil.get_terminal_size((120, 24)).columns))
        counts = report.summary_counts(outcomes)
        print("\n" + ", ".join(f"{k}: {v}" for k, v in counts.items()))
    if args.out != "":
        paths = report.write_report(outcomes, args.out, seed=args.seed, full=args.full)
        if not (args.markdown or args.json):
            print(f"report: {paths['markdown']}")
    errored = [o.claim.id for o in outcomes if o.verdict.verdict == "ERROR"]
    if errored:
        print(f"pathdep verify: {len(errored)} verifier(s) failed: {', '.join(errored)}", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    from pathdep import __version__

    parser = _Parser(prog="pathdep", description="pathdep: numerical verifiers for the theory of learning. "
                     "`pathdep verify` runs the claims catalogue; the other commands expose the libraries.")
    parser.add_argument("--version", action="version", version=f"pathdep {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("list", help="list the registered claims")
    p.add_argument("patterns", nargs="*", metavar="PATTERN", help="glob or id prefix")
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser("verify", help="run the claims and write a report")
    p.add_argument("patterns", nargs="*", metavar="PATTERN", help="glob or id prefix (default: all)")
    p.add_argument("--out", default="pathdep-report", metavar="DIR",
                   help="report directory, replaced as a whole by each run (default ./pathdep-report; '' to "
                        "write none)")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    fmt.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--full", action="store_true", help="bigger runs, tighter tolerances")
    p.add_argument("--seed", type=_seed, default=0, help="base seed (default 0)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--import", dest="imports", action="append", metavar="MODULE",
                   help="import a module that registers more claims (repeatable; found in the working "
                        "directory too, as with python -m)")
    from pathdep.commands._options import add_parallel_options

    add_parallel_options(p, what="claims")
    p.set_defaults(func=_cmd_verify, output_kinds={"out": "dir"})

    import pathdep.commands as commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"pathdep.commands.{info.name}")
        module.register(sub)
    document_defaults(parser)
    return parser


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _warning_printer(prog: str):
    """Warnings in one line each, like the errors (no source path, no code line)."""
    def show(message, category, filename, lineno, file=None, line=None):
        print(f"{prog}: warning: {category.__name__}: {_one_line(message)}", file=sys.stderr)
    return show


def _is_out_of_memory(exc: BaseException) -> bool:
    """An allocation that failed although the estimates let it through (torch reports it as RuntimeError)."""
    text = str(exc).lower()
    return isinstance(exc, MemoryError) or (isinstance(exc, RuntimeError) and (
        "can't allocate memory" in text or "not enough memory" in text or "out of memory" in text))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pathdep`` console script; returns the exit code."""
    from pdcheck import NumericalError

    try:
        parser = build_parser()
        args = parser.parse_args(argv)
    except KeyboardInterrupt:
        print("pathdep: interrupted", file=sys.stderr)
        return 130
    prog = f"pathdep {args.command}"
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _warning_printer(prog)
            check_outputs(args)
            if getattr(args, "jobs", 1) > 1 and getattr(args, "scheduler", None) is None:
                from pathdep.parallel import prestart

                prestart(args.jobs)   # the workers' imports overlap this process's own
            return int(args.func(args) or 0)
    except NumericalError as exc:   # before ValueError: NonDegeneracyError is both
        saved = save_partial(args, exc)
        print(f"{prog}: numerical failure: {type(exc).__name__}: {_one_line(exc)}"
              + (f"; partial result saved to {saved}" if saved else ""), file=sys.stderr)
        return 1
    except (UsageError, ValueError, TypeError) as exc:
        print(f"{prog}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:   # a write that failed after the checks (disk full, file removed...)
        print(f"{prog}: error: {exc.strerror or _one_line(exc)}"
              + (f": {exc.filename}" if getattr(exc, "filename", None) else ""), file=sys.stderr)
        return 1
    except (MemoryError, RuntimeError) as exc:
        if not _is_out_of_memory(exc):
            raise
        print(f"{prog}: out of memory: {_one_line(exc)}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
