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
