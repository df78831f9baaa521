"""Report writing: table, Markdown, JSON schema, figures, atomic writes, error isolation."""

import json
import os

import matplotlib.pyplot as plt
import pytest

from pathdep import report
from pathdep.claims.registry import Claim, Context
from pathdep.claims.verdict import compare, decide
from pathdep.runner import run_claim


def _claim(cid, fn):
    return Claim(cid, f"statement of {cid}", "a source", "a method", fn)


def _ok(ctx):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    return compare(2.0, 1.0, atol=0.5, corrected="It is 2.", figure=fig, details={"xs": [1, 2]})


def _boom(ctx):
    raise RuntimeError("verifier exploded")


def _outcomes():
    ctx = Context()
    return [run_claim(_claim("t.ok.one", _ok), ctx),
            run_claim(_claim("t.bad.two", _boom), ctx),
            run_claim(_claim("t.q.three", lambda c: decide(None, measured="?", expected="x")), ctx)]


def test_error_is_captured_and_does_not_hide_others():
    outs = _outcomes()
    assert [o.verdict.verdict for o in outs] == ["REFUTED", "ERROR", "INCONCLUSIVE"]
    assert "verifier exploded" in outs[1].verdict.evidence
    assert "RuntimeError" in outs[1].traceback


def test_write_report_contents(tmp_path):
    outs = _outcomes()
    paths = report.write_report(outs, tmp_path, seed=3)
    md = paths["markdown"].read_text()
    assert "| id | statement | source | expected | measured | verdict |" in md
    assert "Corrected statement**: It is 2." in md
    assert "figures/t.ok.one.png" in md and (tmp_path / "figures" / "t.ok.one.png").stat().st_size > 0
    js = json.loads(paths["json"].read_text())
    assert js["schema_version"] == report.SCHEMA_VERSION
    assert js["seed"] == 3 and js["summary"] == {"HOLDS": 0, "REFUTED": 1, "INCONCLUSIVE": 1, "ERROR": 1}
    first = js["claims"][0]
    assert set(first) >= {"id", "statement", "source", "method", "verdict", "expected", "measured",
                          "tolerance", "evidence", "corrected", "figure", "details", "seconds"}
    assert first["details"] == {"xs": [1, 2]}
    # no temporary files left behind
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_atomic_write_interrupted_keeps_old_file(tmp_path):
    target = tmp_path / "report.md"
    report.atomic_write(target, lambda fh: fh.write("old"))

    def half(fh):
        fh.write("new but half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        report.atomic_write(target, half)
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["report.md"]


def test_text_and_markdown_tables():
    outs = _outcomes()
    text = report.text_table(outs)
    assert text.splitlines()[0].split()[:2] == ["id", "statement"]
    assert "ERROR" in text and "verifier exploded" in text
    md = report.markdown_table(outs)
    assert md.count("\n") == 2 + len(outs)


def test_fmt_value_forms():
    assert report.fmt_value(None) == "-"
    assert report.fmt_value(0.123456789) == "0.123457"
    assert report.fmt_value([1.0, 2.5]) == "[1, 2.5]"
    assert report.fmt_value(float("inf")) == "inf"
    assert len(report.fmt_value("x" * 100, 20)) == 20


# --------------------------------------------------------------------------- issue 13: one unit, lock, umask
def _outcomes_seeded(seed):
    ctx = Context(seed=seed)
    return [run_claim(_claim("t.ok.one", _ok), ctx), run_claim(_claim(f"t.seed.s{seed}", _ok), ctx)]


def test_stale_figures_of_earlier_runs_are_removed(tmp_path):
    out = tmp_path / "rep"
    report.write_report(_outcomes_seeded(1), out, seed=1)
    assert (out / "figures" / "t.seed.s1.png").exists()
    report.write_report(_outcomes_seeded(2), out, seed=2)
    assert sorted(os.listdir(out / "figures")) == ["t.ok.one.png", "t.seed.s2.png"]
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".rep.")]   # no staging or old copies left


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_report_files_honour_the_umask(tmp_path, mask):
    old = os.umask(mask)
    try:
        paths = report.write_report(_outcomes_seeded(0), tmp_path / "rep", seed=0)
    finally:
        os.umask(old)
    assert (paths["markdown"].stat().st_mode & 0o777) == 0o666 & ~mask          # was 0600 whatever the umask
    assert ((tmp_path / "rep" / "figures" / "t.ok.one.png").stat().st_mode & 0o777) == 0o666 & ~mask
    assert ((tmp_path / "rep").stat().st_mode & 0o777) == 0o777 & ~mask


def test_interrupt_during_the_swap_leaves_one_whole_report(tmp_path, monkeypatch):
    import signal

    out = tmp_path / "rep"
    report.write_report(_outcomes_seeded(1), out, seed=1)
    real_rename = os.rename
    calls = []

    def rename(a, b):
        if not calls:
            signal.raise_signal(signal.SIGINT)      # Ctrl-C between (or before) the two renames
        calls.append((a, b))
        return real_rename(a, b)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(KeyboardInterrupt):
        report.write_report(_outcomes_seeded(2), out, seed=2)
    monkeypatch.setattr(os, "rename", real_rename)
    assert len(calls) == 2                           # the interrupt waited for the swap
    md = (out / "report.md").read_text()
    js = json.loads((out / "report.json").read_text())
    assert js["seed"] == 2 and "seed** 2" in md and "t.seed.s2" in md


def test_concurrent_writers_never_mix_two_runs(tmp_path):
    import threading

    out = tmp_path / "rep"
    errors = []

    def writer(seed):
        try:
            for _ in range(3):
                report.write_report(_outcomes_seeded(seed), out, seed=seed)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(s,)) for s in (1, 2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    js = json.loads((out / "report.json").read_text())
    md = (out / "report.md").read_text()
    seed = js["seed"]
    assert f"seed** {seed}" in md and f"t.seed.s{seed}" in md
    assert sorted(os.listdir(out / "figures")) == sorted(["t.ok.one.png", f"t.seed.s{seed}.png"])


def test_a_directory_with_other_files_is_never_replaced(tmp_path):
    (tmp_path / "thesis.tex").write_text("years of work")
    with pytest.raises(ValueError, match="not a pathdep report"):
        report.write_report(_outcomes_seeded(0), tmp_path, seed=0)
    assert (tmp_path / "thesis.tex").read_text() == "years of work"


def test_provenance_and_stable_anchors(tmp_path):
    outs = _outcomes()
    paths = report.write_report(outs, tmp_path, seed=7, full=True)
    js = json.loads(paths["json"].read_text())
    meta = js["metadata"]
    assert meta["mode"] == "full" and meta["seed"] == 7
    assert set(meta["versions"]) >= {"numpy", "scipy", "sympy", "torch", "emcee", "arviz", "mpmath"}
    assert meta["git_commit"] == "not a git checkout" or len(meta["git_commit"]) == 40
    for key in ("pathdep_version", "python", "platform", "cpu_count", "torch_threads"):
        assert meta[key] not in (None, "")
    assert js["claims"][0]["anchor"] == "report.md#t.ok.one"
    md = paths["markdown"].read_text()
    assert '<a id="t.ok.one"></a>' in md and "[t.ok.one](#t.ok.one)" in md
    assert meta["git_commit"] in md and "seed** 7" in md


def test_lazy_figure_is_drawn_only_when_written(tmp_path):
    calls = []

    def draw():
        calls.append(1)
        fig, ax = plt.subplots()
        ax.plot([0, 1], [1, 0])
        return fig

    out = run_claim(_claim("t.lazy.fig", lambda c: compare(1.0, 1.0, figure=draw)), Context())
    assert calls == []
    report.write_report([out], tmp_path)
    assert calls == [1] and (tmp_path / "figures" / "t.lazy.fig.png").stat().st_size > 0


def test_counterfactual_and_corrections_in_reports(tmp_path):
    from pathdep.claims.registry import Claim

    def verifier(ctx, *, value=1.0):
        return compare(value, 1.0, atol=0, corrected="It is 1.")

    c = Claim("t.cf.one", "statement", "source", "method", verifier, counterfactual={"value": 2.0},
              counterfactual_text="value 2", corrected_by=("t.ok.one",))
    assert c.run(Context(), counterfactual=True).verdict == "REFUTED"
    out = run_claim(c, Context())
    md = report.markdown_report([out], seed=0, full=False)
    assert "value 2" in md and "[`t.ok.one`](#t.ok.one)" in md
    js = report.json_report([out], seed=0, full=False)
    assert js["claims"][0]["counterfactual"] == "value 2" and js["claims"][0]["corrected_by"] == ["t.ok.one"]
