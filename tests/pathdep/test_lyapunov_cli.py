"""``pathdep lyapunov``: issue 13's input cases, replicate errors and drift flags for optimizers."""

from __future__ import annotations

import pytest

from pathdep.cli import main
from dynsys.errors import DivergenceError


@pytest.mark.parametrize("argv", [
    ["lyapunov", "henon", "--param", "5", "--param", "0.3", "--steps", "1000"],
    ["lyapunov", "lorenz", "--dt", "10", "--steps", "100"],
])
def test_escaping_henon_and_a_huge_flow_step_raise_the_named_error(argv):
    # the library raises DivergenceError; the CLI's catch-all turns it into one line and exit 1
    try:
        code = main(argv + ["--plot", "", "--no-progress"])
    except DivergenceError as exc:
        assert "became non-finite at step" in str(exc)
        code = 1
    assert code == 1


@pytest.mark.parametrize("argv, match", [
    (["lyapunov", "henon", "--param", "1", "--param", "2", "--param", "3"], "henon takes at most 2"),
    (["lyapunov", "henon", "--dt", "0.1"], "--dt applies to the flows"),
    (["lyapunov", "lorenz", "--dim", "5"], "--dim applies to lorenz96 only"),
    (["lyapunov", "sgd", "--param", "1"], "apply to the classic systems"),
    (["lyapunov", "henon", "--function-space"], "applies to optimizers only"),
])
def test_options_that_do_not_apply_are_refused(argv, match, capsys):
    assert main(argv + ["--plot", "", "--no-progress"]) == 2
    assert match in capsys.readouterr().err


def test_step_counts_take_scientific_notation_and_are_capped(capsys, tmp_path):
    with pytest.raises(SystemExit) as info:
        main(["lyapunov", "henon", "--steps", "1e12"])
    assert info.value.code == 2 and "at most 1e+10 steps" in capsys.readouterr().err
    assert main(["lyapunov", "logistic", "--steps", "2e3", "--transient", "1e2", "--plot", str(tmp_path / "l.png"),
                 "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "2000 steps" in out and (tmp_path / "l.png").exists()


def test_optimizer_run_reports_replicate_errors_windows_and_drift(capsys, tmp_path):
    code = main(["lyapunov", "sgd", "--width", "8", "--steps", "40", "--k", "2", "--replicates", "3",
                 "--windows", "4", "--plot", str(tmp_path / "s.png"), "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0 and (tmp_path / "s.png").exists()
    assert "replicate s.e. (3 replicates)" in out
    assert "finite-time exponents per window of training" in out
    assert out.count("[") >= 4          # one line per window
