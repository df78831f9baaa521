"""Fuzz every subcommand of the ``pathdep`` command line (issue 13, item 11).

For each subcommand a small valid command is run, then hypothesis replaces the value of one option
with a hostile string (negative, zero, NaN, inf, huge, not a number, unwritable paths...). The
command must end with exit code 0, 1 (a numerical failure) or 2 (bad input, one line on stderr),
never a Python traceback, never past its time budget, never above the memory cap.

Every command runs with a fresh temporary directory as its working directory, so a hostile value
given to an output option (``--out nan`` is a valid relative path) lands there, never in the
checkout. A command that fails writes nothing at all, and a numeric option never turns into a file.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathdep.cli import main
from tests.fuzz._harness import FUZZ_EXAMPLES, FUZZ_MEMORY, Hang, address_space_cap, time_budget

# subcommand: (baseline argv with {out} for a fresh output location, options whose value is fuzzed, owner)
COMMANDS = {
    "list": (["list", "puzzles.kempner"], [], None),
    "verify": (["verify", "puzzles.kempner.block_count", "--out", "{out}", "--no-progress", "--seed", "0"],
               ["--seed", "--out", "-j", "--scheduler"], None),
    # "--set=steps" fuzzes the value of the experiment option: --set steps=VALUE
    "sweep": (["sweep", "lyapunov", "--grid", "lr=0.1", "--set", "steps=5", "--set", "width=4", "--set", "k=2",
               "--out", "{out}.nc", "--no-progress"],
              ["--grid=lr", "--set=steps", "--set=width", "--set=k", "--seeds", "--out", "--plot", "-j",
               "--scheduler"], None),
    "kempner": (["kempner", "--digits", "5", "--base", "10", "--exclude", "9", "--no-progress"],
                ["--digits", "--base", "--exclude"], None),
    "walk": (["walk", "--dims", "2", "--steps", "10", "--walkers", "3", "--out", "{out}.png", "--exact-steps", "5",
              "--max-lines", "3", "--dpi", "20", "--seed", "0", "--no-progress"],
             ["--dims", "--steps", "--walkers", "--out", "--exact-steps", "--max-lines", "--dpi", "--seed"], None),
    "posterior": (["posterior", "--steps", "40", "--n", "5", "--betas", "1", "--seed", "0", "--no-progress"],
                  ["--steps", "--n", "--betas", "--seed", "--d"], None),
    "evidence": (["evidence", "--steps", "40", "--n", "5", "--rungs", "3", "--seed", "0", "--no-progress"],
                 ["--steps", "--n", "--rungs", "--seed", "--out"], None),
    "perturb-run": (["perturb-run", "--epochs", "1", "--copies", "1", "--hidden", "4", "--eps", "0.1", "--no-align",
                     "--metrics", "d_w", "--dpi", "20", "--batch-size", "64", "--lr", "0.1", "--seed", "0",
                     "--threads", "1", "--out", "{out}", "--no-progress"],
                    ["--epochs", "--copies", "--hidden", "--eps", "--dpi", "--batch-size", "--lr", "--seed",
                     "--threads", "--out", "--weight-decay"], None),
    "lyapunov": (["lyapunov", "henon", "--steps", "200", "--seed", "0", "--plot", "", "--no-progress"],
                 ["--steps", "--transient", "--k", "--reortho-every", "--seed", "--param", "--plot"], None),
    "rlct": (["rlct", "normal-crossing", "--k", "1", "--methods", "llc", "--quick", "--seed", "0", "--no-progress"],
             ["--k", "--h", "--seed"], None),
}

HOSTILE = ["-1", "0", "1", "nan", "inf", "-inf", "1e300", "1e-320", "1000000000", "1000000000000",
           "99999999999999999999", "abc", "", "1.5", "/dev/null/x", "/proc/x", "0x10"]


def _argv(base, option, value, out):
    argv = [a.replace("{out}", out) for a in base]
    if "=" in option:                  # NAME=VALUE options: replace the value of NAME
        option, key = option.split("=")
        for i, a in enumerate(argv[:-1]):
            if a == option and argv[i + 1].startswith(key + "="):
                argv[i + 1] = f"{key}={value}"
                return argv
        return argv + [option, f"{key}={value}"]
    if option in argv:
        i = argv.index(option)
        argv[i + 1] = value
    else:
        argv += [option, value]
    return argv


#: Options whose value names a file or directory the command writes.
OUTPUT_OPTIONS = ("--out", "--plot")


def _judge(argv, capsys, cwd: Path, fuzzed: str | None = None):
    """Run ``pathdep argv`` in `cwd` (empty) and check the outcome; return the exit code."""
    assert not any(cwd.iterdir()), cwd
    try:
        with contextlib.chdir(cwd), time_budget(), address_space_cap():
            code = main(argv)
    except SystemExit as exc:          # argparse (bad option value, --help): its own one-line errors
        code = exc.code
    except Hang as exc:
        raise AssertionError(f"pathdep {' '.join(argv)}: hang: {exc}") from None
    err = capsys.readouterr().err
    assert code in (0, 1, 2), (argv, code, err)
    assert "Traceback" not in err, (argv, err)
    if code:
        lines = [ln for ln in err.splitlines() if ln.strip() and "\r" not in ln and ": warning: " not in ln]
        assert len(lines) == 1, (argv, err)
    written = sorted(p.name for p in cwd.iterdir())
    if code == 2:          # bad input is refused before any output is written
        assert not written, (argv, written)
    if fuzzed not in OUTPUT_OPTIONS:   # only an output option may name a path relative to the cwd
        assert not written, (argv, written)
    return code


def _param(name):
    base, options, owner = COMMANDS[name]
    marks = [pytest.mark.xfail(reason=f"{owner} owner fixes", strict=False)] if owner else []
    return pytest.param(name, id=name, marks=marks)


@pytest.fixture(autouse=True)
def _caps(monkeypatch):
    monkeypatch.setenv("PATHDEP_MAX_MEMORY", FUZZ_MEMORY)
    import puzzles.kempner

    monkeypatch.setattr(puzzles.kempner, "MAX_WORK", 2e6)


@pytest.mark.parametrize("name", [_param(n) for n in COMMANDS if COMMANDS[n][1]])
@settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_subcommand_options_fail_cleanly(name, data, tmp_path_factory, capsys):
    base, options, _ = COMMANDS[name]
    option = data.draw(st.sampled_from(options), label="option")
    value = data.draw(st.sampled_from(HOSTILE), label="value")
    out = str(tmp_path_factory.mktemp("out") / "o")
    bad_out = option not in OUTPUT_OPTIONS
    argv = _argv(base, option, value, out)
    code = _judge(argv, capsys, tmp_path_factory.mktemp("cwd"), fuzzed=option)
    if code == 2 and bad_out:          # the baseline's own output must not exist either
        assert not any(Path(out).parent.iterdir()), (argv, list(Path(out).parent.iterdir()))


@pytest.mark.parametrize("name", [_param(n) for n in COMMANDS])
def test_subcommand_baseline_runs(name, tmp_path, capsys):
    base, _, _ = COMMANDS[name]
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    assert _judge([a.replace("{out}", str(tmp_path / "o")) for a in base], capsys, cwd) == 0
