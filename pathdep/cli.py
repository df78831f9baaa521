"""The ``pathdep`` command: ``list``, ``verify`` and one subcommand per library computation.

Library subcommands live in ``pathdep/commands/<name>.py``; each module defines
``register(subparsers)`` that adds its parser and sets ``func(args) -> int``.
They are discovered automatically, so adding a command touches no other file.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from typing import Sequence


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

    for mod in args.imports or []:
        try:
            importlib.import_module(mod)
        except ImportError as exc:
            raise UsageError(f"--import {mod}: {exc}") from None
    load_builtin().select(args.patterns)  # validate patterns before any work
    outcomes = runner.run(args.patterns, seed=args.seed, full=args.full, progress=not args.no_progress,
                          jobs=args.jobs, scheduler=args.scheduler, imports=args.imports or ())
    if args.markdown:
        print(report.markdown_table(outcomes), end="")
    elif args.json:
        import json

        print(json.dumps(report.json_report(outcomes, seed=args.seed, full=args.full), indent=2))
    else:
        print(report.text_table(outcomes))
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
    parser = _Parser(prog="pathdep", description="pathdep: numerical verifiers for the theory of learning. "
                     "`pathdep verify` runs the claims catalogue; the other commands expose the libraries.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("list", help="list the registered claims")
    p.add_argument("patterns", nargs="*", metavar="PATTERN", help="glob or id prefix")
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser("verify", help="run the claims and write a report")
    p.add_argument("patterns", nargs="*", metavar="PATTERN", help="glob or id prefix (default: all)")
    p.add_argument("--out", default="pathdep-report", metavar="DIR",
                   help="report directory (default ./pathdep-report; '' to write none)")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    fmt.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--full", action="store_true", help="bigger runs, tighter tolerances")
    p.add_argument("--seed", type=_seed, default=0, help="base seed (default 0)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--import", dest="imports", action="append", metavar="MODULE",
                   help="import a module that registers more claims (repeatable)")
    from pathdep.commands._options import add_parallel_options

    add_parallel_options(p, what="claims")
    p.set_defaults(func=_cmd_verify)

    import pathdep.commands as commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"pathdep.commands.{info.name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pathdep`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (UsageError, ValueError, TypeError) as exc:
        print(f"pathdep {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("pathdep: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
