"""Reports of a verify run: a terminal table, Markdown, JSON and figures, written atomically."""

from __future__ import annotations

import json
import math
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from pathdep.runner import Outcome

#: Version of the ``report.json`` schema; bump when a field changes meaning.
SCHEMA_VERSION = 1


def atomic_write(path: str | os.PathLike, write: Callable[[Any], None], *, binary: bool = False) -> Path:
    """Write a file through a temporary file in the same directory, then rename it into place.

    An interrupted run leaves either the old file or the new one, never half of one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def fmt_value(value: Any, width: int = 40) -> str:
    """A short human form of a measured or expected value."""
    if value is None:
        return "-"
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if math.isnan(v) or math.isinf(v):
            return str(v)
        text = f"{v:.6g}"
    elif isinstance(value, (list, tuple, np.ndarray)):
        seq = list(np.asarray(value, dtype=object).ravel()) if isinstance(value, np.ndarray) else list(value)
        text = "[" + ", ".join(fmt_value(v, width) for v in seq) + "]"
    elif isinstance(value, dict):
        text = ", ".join(f"{k}={fmt_value(v, width)}" for k, v in value.items())
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else str(v)
    if isinstance(value, (int, str, bool)) or value is None:
        return value
    return str(value)


COLUMNS = ("id", "statement", "source", "expected", "measured", "verdict")


def rows(outcomes: Sequence[Outcome], width: int = 40) -> list[tuple[str, ...]]:
    out = []
    for o in outcomes:
        v = o.verdict
        measured = v.measured if v.verdict != "ERROR" else v.evidence
        out.append((o.claim.id, o.claim.summary, _short_source(o.claim.source),
                    fmt_value(v.expected, width), fmt_value(measured, width), v.verdict))
    return out


def _short_source(source: str) -> str:
    s = " ".join(source.split())
    return s if len(s) <= 40 else s[:37] + "..."


def text_table(outcomes: Sequence[Outcome]) -> str:
    """A plain-text table for the terminal."""
    body = rows(outcomes, width=28)
    widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h) for i, h in enumerate(COLUMNS)]
    widths[1] = min(widths[1], 60)
    def line(cells):
        return "  ".join(str(c)[: w].ljust(w) for c, w in zip(cells, widths)).rstrip()
    sep = "  ".join("-" * w for w in widths)
    errors = [f"ERROR {o.claim.id}: {o.verdict.evidence}" for o in outcomes if o.verdict.verdict == "ERROR"]
    return "\n".join([line(COLUMNS), sep, *(line(r) for r in body), *([""] + errors if errors else [])])


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_table(outcomes: Sequence[Outcome]) -> str:
    """The claims table in Markdown (what the README embeds)."""
    head = "| " + " | ".join(COLUMNS) + " |\n|" + "---|" * len(COLUMNS) + "\n"
    return head + "".join("| " + " | ".join(_md_cell(c) for c in r) + " |\n"
                          for r in rows(outcomes, width=60))


def summary_counts(outcomes: Sequence[Outcome]) -> dict[str, int]:
    counts = {"HOLDS": 0, "REFUTED": 0, "INCONCLUSIVE": 0, "ERROR": 0}
    for o in outcomes:
        counts[o.verdict.verdict] += 1
    return counts


def markdown_report(outcomes: Sequence[Outcome], *, seed: int, full: bool,
                    figures: dict[str, str] | None = None) -> str:
    figures = figures or {}
    counts = summary_counts(outcomes)
    parts = [
        "# pathdep verify report\n",
        f"Mode: {'full' if full else 'quick'}; seed {seed}; "
        + ", ".join(f"{k} {v}" for k, v in counts.items()) + ".\n",
        markdown_table(outcomes),
        "\n## Claims\n",
    ]
    for o in outcomes:
        c, v = o.claim, o.verdict
        parts.append(f"\n### `{c.id}`: {v.verdict}\n")
        parts.append(f"\n> {c.statement.strip()}\n")
        parts.append(f"\n- **Source**: {c.source}\n")
        if c.method:
            parts.append(f"- **Method**: {c.method}\n")
        parts.append(f"- **Expected**: {fmt_value(v.expected, 400)}\n")
        parts.append(f"- **Measured**: {fmt_value(v.measured, 400)}\n")
        if v.tolerance:
            parts.append(f"- **Tolerance**: {v.tolerance}\n")
        parts.append(f"- **Evidence**: {v.evidence or '-'}\n")
        if v.corrected:
            parts.append(f"- **Corrected statement**: {v.corrected}\n")
        parts.append(f"- **Time**: {o.seconds:.2f} s\n")
        if c.id in figures:
            parts.append(f"\n![{c.id}]({figures[c.id]})\n")
        if o.traceback:
            parts.append("\n```\n" + o.traceback.strip() + "\n```\n")
    return "".join(parts)


def json_report(outcomes: Sequence[Outcome], *, seed: int, full: bool,
                figures: dict[str, str] | None = None) -> dict:
    figures = figures or {}
    import pathdep

    return {
        "schema_version": SCHEMA_VERSION,
        "pathdep_version": pathdep.__version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "mode": "full" if full else "quick",
        "seed": seed,
        "summary": summary_counts(outcomes),
        "claims": [
            {
                "id": o.claim.id,
                "statement": o.claim.statement,
                "source": o.claim.source,
                "method": o.claim.method,
                "verdict": o.verdict.verdict,
                "expected": _jsonable(o.verdict.expected),
                "measured": _jsonable(o.verdict.measured),
                "tolerance": o.verdict.tolerance,
                "evidence": o.verdict.evidence,
                "corrected": o.verdict.corrected,
                "figure": figures.get(o.claim.id),
                "details": _jsonable(o.verdict.details),
                "seconds": round(o.seconds, 4),
            }
            for o in outcomes
        ],
    }


def save_figure(fig: Any, path: Path) -> Path:
    """Save a matplotlib figure as PNG atomically and close it."""
    import matplotlib.pyplot as plt

    atomic_write(path, lambda fh: fig.savefig(fh, format="png", dpi=110, bbox_inches="tight"), binary=True)
    plt.close(fig)
    return path


def write_report(outcomes: Sequence[Outcome], out_dir: str | os.PathLike, *, seed: int = 0,
                 full: bool = False) -> dict[str, Path]:
    """Write ``report.md``, ``report.json`` and the claims' figures into `out_dir`."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    figures: dict[str, str] = {}
    for o in outcomes:
        if o.verdict.figure is not None:
            name = f"{o.claim.id}.png"
            save_figure(o.verdict.figure, out / "figures" / name)
            figures[o.claim.id] = f"figures/{name}"
    md = markdown_report(outcomes, seed=seed, full=full, figures=figures)
    js = json_report(outcomes, seed=seed, full=full, figures=figures)
    paths = {
        "markdown": atomic_write(out / "report.md", lambda fh: fh.write(md)),
        "json": atomic_write(out / "report.json", lambda fh: json.dump(js, fh, indent=2)),
    }
    return paths
