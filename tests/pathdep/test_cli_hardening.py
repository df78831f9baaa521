"""Issue 13 on the command line: one-line errors with exit codes 2 / 1 / 130, output paths and sizes
checked before any computation, partial results saved, --version, defaults in the help, a table that
fits the terminal, --import from the working directory."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from pathdep import runner
from pathdep._cli_support import iter_parsers
from pathdep.claims import registry as reg_mod
from pathdep.cli import build_parser, main


def _run(argv, capsys, *, code):
    t0 = time.perf_counter()
    got = main(argv)
    captured = capsys.readouterr()
    # warnings are one line each too ("pathdep CMD: warning: ..."); the error is the one other line
    err = "\n".join(ln for ln in captured.err.strip().splitlines() if ": warning: " not in ln)
    assert got == code, (got, captured.err)
    assert "Traceback" not in captured.err
    if code != 0:
        assert len(err.splitlines()) == 1, captured.err
    return err, captured.out, time.perf_counter() - t0


@pytest.fixture
def no_compute(monkeypatch):
    """Any claim run fails the test: the error must come before the computation."""
    def boom(*a, **k):
        raise AssertionError("the claims ran before the output path was checked")
    monkeypatch.setattr(runner, "run", boom)


# --------------------------------------------------------------------------- output paths, before any work
@pytest.mark.parametrize("where, needle", [("FILE", "which is an existing file"),
                                           ("/proc/x", "cannot create files in '/proc'"),
                                           ("/dev/null/x", "'/dev/null' is not a directory")])
def test_verify_bad_out_is_refused_before_the_claims_run(where, needle, tmp_path, capsys, no_compute):
    if where == "FILE":
        where = str(tmp_path / "afile")
        Path(where).write_text("x")
    err, _, _ = _run(["verify", "puzzles.kempner.block_count", "--out", where, "--no-progress"], capsys, code=2)
    assert "`--out`" in err and needle in err


def test_verify_refuses_a_directory_that_is_not_a_report(tmp_path, capsys, no_compute):
    (tmp_path / "notes.txt").write_text("mine")
    err, _, _ = _run(["verify", "puzzles.kempner.block_count", "--out", str(tmp_path), "--no-progress"],
                     capsys, code=2)
    assert "not a pathdep report (notes.txt)" in err
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("argv", [
    ["walk", "--steps", "10", "--walkers", "3", "--dims", "2", "--no-progress", "--out", "/dev/null/x.png"],
    ["evidence", "--steps", "40", "--rungs", "3", "--no-progress", "--out", "/proc/x.png"],
    ["perturb-run", "--epochs", "1", "--copies", "1", "--no-progress", "--out", "/proc/x"],
    ["lyapunov", "henon", "--steps", "100", "--no-progress", "--plot", "/dev/null/x.png"],
])
def test_unwritable_outputs_are_refused_before_computing(argv, capsys):
    err, _, secs = _run(argv, capsys, code=2)
    assert ("`--out`" in err or "`--plot`" in err) and secs < 5


def test_figure_path_written_is_the_one_printed(tmp_path, capsys):
    out = tmp_path / "figure-without-extension"
    _, printed, _ = _run(["walk", "--steps", "10", "--walkers", "3", "--dims", "2", "--no-progress",
                          "--out", str(out)], capsys, code=0)
    assert f"figure: {out}\n" in printed and out.read_bytes()[:4] == b"\x89PNG"
    assert not Path(str(out) + ".png").exists()


# --------------------------------------------------------------------------- memory, before any work
@pytest.mark.parametrize("argv", [
    ["posterior", "--steps", "1000000000", "--no-progress"],                  # asked for 238 GiB
    ["posterior", "--n", "1000000000000", "--no-progress"],
    ["posterior", "--model", "linreg", "--d", "100000", "--no-progress"],      # 74.5 GiB
    ["walk", "--dpi", "100000", "--no-progress", "--out", "w.png"],            # std::bad_alloc
    ["walk", "--steps", "1000000000", "--dims", "3", "--walkers", "10", "--no-progress", "--out", "w.png"],  # abort
    ["perturb-run", "--copies", "100000000", "--hidden", "10000", "--no-progress", "--out", "pr"],
])
def test_requests_that_do_not_fit_are_refused_in_one_line(argv, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    err, _, secs = _run(argv, capsys, code=2)
    assert ("memory" in err or "pixel" in err) and secs < 10, err
    assert not os.listdir(tmp_path)          # nothing written


# --------------------------------------------------------------------------- named errors: exit 1, partial saved
def test_divergence_is_one_line_exit_1_with_the_partial_result_saved(tmp_path, capsys):
    out = tmp_path / "run"
    err, _, _ = _run(["perturb-run", "--lr", "1e6", "--eps", "0.1", "--copies", "1", "--epochs", "1",
                      "--hidden", "8", "--no-align", "--no-progress", "--out", str(out)], capsys, code=1)
    assert "numerical failure: DivergenceError" in err and "partial result saved to" in err
    saved = np.load(out / "partial.npz")
    assert "weights" in saved.files and saved["weights"].ndim == 3


@pytest.mark.parametrize("argv", [
    ["lyapunov", "henon", "--param", "5", "--param", "0.3", "--steps", "1000", "--plot", "", "--no-progress"],
    ["lyapunov", "lorenz", "--dt", "10", "--steps", "100", "--plot", "", "--no-progress"],
])
def test_lyapunov_numerical_failures_are_one_line(argv, capsys):
    err, _, _ = _run(argv, capsys, code=1)
    assert "numerical failure" in err


def test_bad_values_are_exit_2(capsys, tmp_path):
    err, _, _ = _run(["perturb-run", "--threads", "0", "--out", str(tmp_path / "x")], capsys, code=2)
    assert "`--threads` must be between 1 and the number of CPUs" in err
    err, _, _ = _run(["posterior", "--d", "3", "--no-progress"], capsys, code=2)
    assert "`--d` applies to --model linreg only" in err
    err, _, _ = _run(["perturb-run", "--momentum", "0.9", "--out", str(tmp_path / "x")], capsys, code=2)
    assert "`--momentum` applies to --optimizer momentum or nesterov" in err
    err, _, _ = _run(["kempner", "--digits", "2000", "--no-progress"], capsys, code=2)
    assert "documented bound" in err


def test_ctrl_c_is_exit_130(monkeypatch, capsys):
    def interrupted(*a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr(runner, "run", interrupted)
    err, _, _ = _run(["verify", "puzzles.kempner.block_count", "--out", "", "--no-progress"], capsys, code=130)
    assert "interrupted" in err


# --------------------------------------------------------------------------- reads well
def test_version(capsys):
    import pathdep

    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and capsys.readouterr().out.strip() == f"pathdep {pathdep.__version__}"


def test_every_option_has_help_with_its_default():
    missing = []
    for p in iter_parsers(build_parser()):
        for a in p._actions:
            if not a.option_strings or a.dest in ("help", "version"):
                continue
            text = (a.help or "").lower()
            if "default" not in text:
                missing.append(f"{p.prog} {a.option_strings[0]}")
    assert not missing, missing


def test_table_fits_the_terminal(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "90")
    _, out, _ = _run(["verify", "puzzles.kempner", "--out", "", "--no-progress"], capsys, code=0)
    lines = [ln for ln in out.splitlines() if ln.strip()]
    assert max(len(ln) for ln in lines) <= 90
    assert any("\u2026" in ln for ln in lines)                       # cut with an ellipsis
    assert "puzzles.kempner.block_count" in out                      # ids (citations) are never cut


def test_import_finds_modules_in_the_working_directory(tmp_path):
    # the README's own example: `pathdep verify --import myclaims mylab`, without PYTHONPATH
    (tmp_path / "myclaims.py").write_text(
        "from pathdep import claim, compare\n"
        "@claim('mylab.arith.two_plus_two', statement='2 + 2 = 4', source='arithmetic')\n"
        "def _(ctx):\n    return compare(2 + 2, 4, atol=0)\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-m", "pathdep", "verify", "--import", "myclaims", "mylab", "--out", "",
                           "--no-progress"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "mylab.arith.two_plus_two" in proc.stdout and "HOLDS" in proc.stdout


def test_readme_lists_every_subcommand_with_an_example():
    import argparse
    import re

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The command line", 1)[1].split("\n## ", 1)[0]
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    missing = [name for name in sub.choices if not re.search(rf"`pathdep {re.escape(name)}\b[^`]*`", section)]
    assert not missing, missing
