"""The command line: list, verify, exit codes, one-line errors, python -m."""

import json
import subprocess
import sys

import pytest

from pathdep.cli import main
from pathdep.claims import registry as reg_mod
from pathdep.claims.registry import Claim


def test_list(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "puzzles.kempner.block_count" in out


def test_verify_writes_report_and_prints_table(tmp_path, capsys):
    code = main(["verify", "puzzles.kempner.block_count", "--out", str(tmp_path), "--no-progress"])
    assert code == 0
    out = capsys.readouterr().out
    assert "HOLDS" in out and "puzzles.kempner.block_count" in out
    js = json.loads((tmp_path / "report.json").read_text())
    assert js["claims"][0]["verdict"] == "HOLDS"
    assert (tmp_path / "report.md").exists()


def test_verify_markdown_and_json(capsys):
    assert main(["verify", "puzzles.kempner.block_count", "--out", "", "--markdown", "--no-progress"]) == 0
    assert capsys.readouterr().out.startswith("| id | statement |")
    assert main(["verify", "puzzles.kempner.block_count", "--out", "", "--json", "--no-progress"]) == 0
    from pathdep.report import SCHEMA_VERSION
    assert json.loads(capsys.readouterr().out)["schema_version"] == SCHEMA_VERSION


@pytest.mark.parametrize("argv, needle", [
    (["verify", "no.such.claim", "--out", ""], "matches no claim"),
    (["verify", "--seed", "abc"], "--seed must be a non-negative integer"),
    (["verify", "--seed", "-3"], "--seed"),
    (["list", "zzz"], "matches no claim"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_input_one_line_exit_2(argv, needle, capsys):
    with pytest.raises(SystemExit) as info:
        code = main(argv)
        raise SystemExit(code)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert needle in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_verifier_error_gives_nonzero_exit_but_runs_others(monkeypatch, tmp_path, capsys):
    def boom(ctx):
        raise RuntimeError("kaput")

    reg_mod.load_builtin()
    bad = Claim("zz.test.boom", "boom", "test", "", boom)
    reg_mod.REGISTRY.add(bad)
    try:
        code = main(["verify", "zz.test.boom", "puzzles.kempner.block_count", "--out", str(tmp_path),
                     "--no-progress"])
    finally:
        reg_mod.REGISTRY.remove("zz.test.boom")
    captured = capsys.readouterr()
    assert code == 1
    assert "ERROR" in captured.out and "kaput" in captured.out and "HOLDS" in captured.out
    assert "zz.test.boom" in captured.err


def test_user_module_import(tmp_path, monkeypatch, capsys):
    (tmp_path / "myclaims_mod.py").write_text(
        "from pathdep import claim, compare\n"
        "@claim('user.mine.one', statement='2 + 2 = 4', source='arithmetic')\n"
        "def _(ctx):\n    return compare(2 + 2, 4, atol=0)\n")
    # the module is found in the working directory, as `python -m` finds it; no sys.path help
    # (the test used to add tmp_path to sys.path, which hid that --import failed without it)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
    try:
        assert main(["verify", "--import", "myclaims_mod", "user.mine", "--out", "", "--no-progress"]) == 0
        assert "user.mine.one" in capsys.readouterr().out
    finally:
        reg_mod.REGISTRY.remove("user.mine.one")
    with pytest.raises(SystemExit):
        raise SystemExit(main(["verify", "--import", "no_such_module_xyz", "--out", ""]))
    assert "no_such_module_xyz" in capsys.readouterr().err


def test_python_dash_m_and_console_script():
    proc = subprocess.run([sys.executable, "-m", "pathdep", "list", "puzzles.kempner"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "puzzles.kempner.block_count" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "pathdep", "verify", "--seed", "x"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
