"""The `pathdep posterior` / `pathdep evidence` commands and the bayes claims (quick mode)."""

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


def test_bayes_claims_quick():
    from pathdep.claims.registry import Context, load_builtin

    reg = load_builtin()
    claims = reg.select(["bayes"])
    assert len(claims) >= 6
    verdicts = {c.id: c.verifier(Context(seed=0)).verdict for c in claims}
    # regression pins: these are what the numbers decided (see docs/bayes.md)
    assert verdicts["bayes.tempered.proper_beta_le_1"] == "HOLDS"
    assert verdicts["bayes.tempered.proper_beta_gt_1"] == "REFUTED"
    assert verdicts["bayes.weight_decay.gaussian_prior"] == "REFUTED"
    assert verdicts["bayes.gibbs.squared_loss_is_gaussian"] == "HOLDS"
    assert "ERROR" not in verdicts.values()
