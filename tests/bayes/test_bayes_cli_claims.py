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


def test_posterior_command_marks_drifting_coordinates(capsys, monkeypatch):
    # a chain forced to drift (timid stretch moves from a start far out) is marked on its row and summarised
    import importlib

    import emcee
    import numpy as np

    mod = importlib.import_module("bayes.sample")    # the module (``bayes.sample`` is the re-exported function)
    real = mod.sample

    def far_start(density, initial, n_steps, **kw):
        start = np.asarray(initial, dtype=float) + 5.0 + 0.3 * np.random.default_rng(1).standard_normal((32, 1))
        return real(density, start, n_steps, moves=emcee.moves.StretchMove(a=1.05), burn=0,
                    **{k: v for k, v in kw.items() if k != "burn"})

    monkeypatch.setattr(mod, "sample", far_start)
    assert main(["posterior", "--n", "20", "--steps", "600", "--betas", "1", "--no-progress"]) == 0
    out = capsys.readouterr().out
    row = [ln for ln in out.splitlines() if ln.strip().startswith("1 ")][0]
    assert row.endswith("STILL DRIFTING")
    assert "STILL DRIFTING: beta = 1, coordinate 0: the walker mean moved by" in out


def test_posterior_command_at_equilibrium_is_not_marked(capsys):
    assert main(["posterior", "--n", "20", "--steps", "1500", "--betas", "1", "--no-progress"]) == 0
    assert "DRIFTING" not in capsys.readouterr().out
