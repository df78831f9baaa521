"""The `pathdep posterior` / `pathdep evidence` commands (the bayes claims: tests/pathdep/test_catalogue.py)."""

import pytest

from pathdep.cli import main


def test_posterior_command(capsys):
    assert main(["posterior", "--model", "linreg", "--d", "2", "--n", "20", "--steps", "300",
                 "--betas", "0.5", "1", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "max |z|" in out and "LinearRegressionModel" in out


def test_evidence_command(capsys, tmp_path):
    fig = tmp_path / "ev.png"
    assert main(["evidence", "--n", "20", "--rungs", "5", "--steps", "200", "--no-progress",
                 "--out", str(fig)]) == 0
    out = capsys.readouterr().out
    assert "thermodynamic integr." in out and "WBIC" in out and fig.exists()


@pytest.mark.parametrize("argv, match", [
    (["posterior", "--betas", "-1"], "`--betas` must be non-negative"),
    (["posterior", "--steps", "5"], "`--steps` must be >= 40"),
    (["evidence", "--rungs", "2"], "`--rungs` must be >= 3"),
    (["evidence", "--n", "1"], "`--n` must be >= 2"),
])
def test_bad_command_input_exits_2(argv, match, capsys):
    assert main(argv + ["--no-progress"]) == 2
    assert match in capsys.readouterr().err
