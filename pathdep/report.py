"""Reports of a verify run: a terminal table, Markdown, JSON and figures, written as one unit.

A report directory is written whole: the files are staged in a new hidden directory next to
it and swapped in by renames (interrupts deferred for the two renames), under a lock on the
parent directory, so a reader sees the old report or the new one, never a mix; concurrent
runs into one directory take turns; figures of earlier runs go with the old directory; files
get the permissions the umask allows, like every other file the commands write.

A report is meant to be cited ("claim X comes out REFUTED in pathdep 0.1.0 at commit
abc123, quick mode, seed 0"), so both ``report.md`` and ``report.json`` record what
produced them (:func:`run_metadata`: package version and git commit, the versions of the
numerical dependencies, Python, platform, CPU count and torch threads, mode and seed),
and every claim has a stable anchor in ``report.md``: ``report.md#<claim id>``.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import platform
import shutil
import signal
import subprocess
import tempfile
import threading
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from pathdep.runner import Outcome
from pdcheck import check_output_path

#: Files of a report directory; a non-empty directory with anything else is not replaced.
REPORT_FILES = frozenset({"report.md", "report.json", "figures", ".pathdep-report"})
#: Marker file that identifies a directory written by :func:`write_report`.
MARKER = ".pathdep-report"

#: Version of the ``report.json`` schema; bump when a field changes meaning.
#: 2: ``metadata`` (provenance), per-claim ``anchor``, ``counterfactual`` and ``corrected_by``.
SCHEMA_VERSION = 2

#: Distributions whose versions a report records (the numerical stack behind the verdicts).
DEPENDENCIES = ("numpy", "scipy", "sympy", "torch", "emcee", "arviz", "mpmath", "matplotlib",
                "scikit-learn")


@functools.lru_cache(maxsize=None)
def _git_commit(root: Path) -> tuple[str, bool | None]:
    """``(commit, dirty)`` of the checkout at `root`, or ``("not a git checkout", None)``.

    Read once per process: the code a process runs is what it imported, so later edits on
    disk do not change its provenance, and two reports written by one process (e.g. one run
    on one process and on a cluster) carry the same metadata even when ``git`` is slow on a
    loaded machine.
    """
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                              timeout=60, check=True).stdout.strip()

    try:
        top = Path(git("rev-parse", "--show-toplevel")).resolve()
        if top != root.resolve():  # an installed copy inside some other repository
            return "not a git checkout", None
        return git("rev-parse", "HEAD"), bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return "not a git checkout", None


def run_metadata(*, seed: int, full: bool) -> dict:
    """Provenance of a verify run: what a citation of one of its verdicts needs.

    Returns
    -------
    dict
        ``pathdep_version``, ``git_commit`` (40 hex digits, or ``"not a git checkout"``),
        ``git_dirty`` (local changes to tracked files; None outside a checkout),
        ``versions`` (numpy, scipy, sympy, torch, emcee, arviz, mpmath, matplotlib,
        scikit-learn), ``python``, ``platform``, ``cpu_count``, ``torch_threads`` (what
        the shipped claims run with) and ``torch_threads_default``, ``mode`` and ``seed``.

    Examples
    --------
    >>> meta = run_metadata(seed=0, full=False)
    >>> meta["mode"], meta["seed"], sorted(meta["versions"])[:2]
    ('quick', 0, ['arviz', 'emcee'])
    """
    from importlib import metadata as md

    import pathdep
    from pathdep.claims._common import THREADS

    versions = {}
    for name in DEPENDENCIES:
        try:
            versions[name] = md.version(name)
        except md.PackageNotFoundError:
            versions[name] = "not installed"
    try:
        import torch

        default_threads = torch.get_num_threads()
    except ImportError:  # pragma: no cover - torch is a dependency
        default_threads = None
    commit, dirty = _git_commit(Path(pathdep.__file__).resolve().parent.parent)
    return {
        "pathdep_version": pathdep.__version__,
        "git_commit": commit,
        "git_dirty": dirty,
        "versions": versions,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "torch_threads": THREADS,
        "torch_threads_default": default_threads,
        "mode": "full" if full else "quick",
        "seed": seed,
    }


def anchor(claim_id: str) -> str:
    """The stable anchor of a claim in ``report.md`` (the claim id itself)."""
    return claim_id


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path: str | os.PathLike, write: Callable[[Any], None], *, binary: bool = False) -> Path:
    """Write a file through a temporary file in the same directory, then rename it into place.

    An interrupted run leaves either the old file or the new one, never half of one. The file
    gets the permissions the umask allows (``0o666 & ~umask``), not the temporary file's 0600.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
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


def _fit(widths: list[int], total: int, flexible: Sequence[int], minimum: int = 8) -> list[int]:
    """Shrink the widest flexible columns until the row (with 2-space gaps) fits in `total`."""
    w = list(widths)
    excess = sum(w) + 2 * (len(w) - 1) - total
    while excess > 0:
        cands = [i for i in flexible if w[i] > minimum]
        if not cands:
            break
        i = max(cands, key=lambda j: w[j])
        w[i] -= 1
        excess -= 1
    return w


def _cell(text: str, width: int) -> str:
    text = str(text)
    return text if len(text) <= width else text[: max(width - 1, 0)] + "\u2026"


def text_table(outcomes: Sequence[Outcome], width: int | None = None) -> str:
    """A plain-text table for the terminal, at most `width` columns wide (default: no limit).

    Long cells are cut with an ellipsis; the statement, source, expected and measured columns
    give way first, the id (a citation) and the verdict keep their width.
    """
    body = rows(outcomes, width=28)
    widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h) for i, h in enumerate(COLUMNS)]
    widths[1] = min(widths[1], 60)
    if width is not None:
        widths = _fit(widths, int(width), flexible=(1, 2, 3, 4))

    def line(cells):
        return "  ".join(_cell(c, w).ljust(w) for c, w in zip(cells, widths)).rstrip()
    sep = "  ".join("-" * w for w in widths)
    errors = [f"ERROR {o.claim.id}: {o.verdict.evidence}" for o in outcomes if o.verdict.verdict == "ERROR"]
    if width is not None:
        errors = [_cell(e, int(width)) for e in errors]
    return "\n".join([line(COLUMNS), sep, *(line(r) for r in body), *([""] + errors if errors else [])])


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_table(outcomes: Sequence[Outcome], *, links: bool = False) -> str:
    """The claims table in Markdown (what the README embeds).

    With ``links=True`` each id links to its section of ``report.md`` (its anchor).
    """
    head = "| " + " | ".join(COLUMNS) + " |\n|" + "---|" * len(COLUMNS) + "\n"
    body = []
    for r in rows(outcomes, width=60):
        cells = [_md_cell(c) for c in r]
        if links:
            cells[0] = f"[{cells[0]}](#{anchor(r[0])})"
        body.append("| " + " | ".join(cells) + " |\n")
    return head + "".join(body)


def summary_counts(outcomes: Sequence[Outcome]) -> dict[str, int]:
    counts = {"HOLDS": 0, "REFUTED": 0, "INCONCLUSIVE": 0, "ERROR": 0}
    for o in outcomes:
        counts[o.verdict.verdict] += 1
    return counts


def _metadata_lines(meta: dict) -> str:
    dirty = " (with local changes)" if meta.get("git_dirty") else ""
    deps = ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
    return (f"- **pathdep** {meta['pathdep_version']}, commit `{meta['git_commit']}`{dirty}\n"
            f"- **Mode** {meta['mode']}, **seed** {meta['seed']}\n"
            f"- **Python** {meta['python']} on {meta['platform']}; {meta['cpu_count']} CPUs; torch "
            f"threads {meta['torch_threads']} in the claims (default {meta['torch_threads_default']})\n"
            f"- **Dependencies**: {deps}\n")


def markdown_report(outcomes: Sequence[Outcome], *, seed: int, full: bool,
                    figures: dict[str, str] | None = None) -> str:
    """The whole report in Markdown: provenance, the table, then one section per claim.

    Each claim's section starts with ``<a id="<claim id>"></a>``, a stable anchor
    (``report.md#<claim id>``) that does not depend on the verdict.
    """
    figures = figures or {}
    counts = summary_counts(outcomes)
    meta = run_metadata(seed=seed, full=full)
    parts = [
        "# pathdep verify report\n\n",
        _metadata_lines(meta),
        "\n" + ", ".join(f"{k} {v}" for k, v in counts.items()) + ".\n\n",
        markdown_table(outcomes, links=True),
        "\n## Claims\n",
    ]
    for o in outcomes:
        c, v = o.claim, o.verdict
        parts.append(f'\n<a id="{anchor(c.id)}"></a>\n\n### {c.id}\n\n**{v.verdict}**\n')
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
        if c.corrected_by:
            parts.append("- **Corrected statement registered as**: "
                         + ", ".join(f"[`{x}`](#{anchor(x)})" for x in c.corrected_by) + "\n")
        if c.counterfactual_text:
            parts.append(f"- **Counterfactual** (must come out REFUTED): {c.counterfactual_text}\n")
        parts.append(f"- **Time**: {o.seconds:.2f} s\n")
        if c.id in figures:
            parts.append(f"\n![{c.id}]({figures[c.id]})\n")
        if o.traceback:
            parts.append("\n```\n" + o.traceback.strip() + "\n```\n")
    return "".join(parts)


def json_report(outcomes: Sequence[Outcome], *, seed: int, full: bool,
                figures: dict[str, str] | None = None) -> dict:
    """The report as a JSON-able dict (schema :data:`SCHEMA_VERSION`), provenance included."""
    figures = figures or {}
    meta = run_metadata(seed=seed, full=full)

    return {
        "schema_version": SCHEMA_VERSION,
        "pathdep_version": meta["pathdep_version"],
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "mode": meta["mode"],
        "seed": seed,
        "metadata": meta,
        "summary": summary_counts(outcomes),
        "claims": [
            {
                "id": o.claim.id,
                "anchor": f"report.md#{anchor(o.claim.id)}",
                "statement": o.claim.statement,
                "source": o.claim.source,
                "method": o.claim.method,
                "verdict": o.verdict.verdict,
                "expected": _jsonable(o.verdict.expected),
                "measured": _jsonable(o.verdict.measured),
                "tolerance": o.verdict.tolerance,
                "evidence": o.verdict.evidence,
                "corrected": o.verdict.corrected,
                "corrected_by": list(o.claim.corrected_by),
                "counterfactual": o.claim.counterfactual_text or None,
                "figure": figures.get(o.claim.id),
                "details": _jsonable(o.verdict.details),
                "seconds": round(o.seconds, 4),
            }
            for o in outcomes
        ],
    }


def save_figure(fig: Any, path: Path) -> Path:
    """Save a matplotlib figure (or a function of no arguments drawing one) as PNG and close it."""
    import matplotlib.pyplot as plt

    if callable(fig) and not hasattr(fig, "savefig"):
        fig = fig()

    atomic_write(path, lambda fh: fig.savefig(fh, format="png", dpi=110, bbox_inches="tight"), binary=True)
    plt.close(fig)
    return path


def check_report_dir(out_dir: str | os.PathLike, *, name: str = "--out") -> Path:
    """Check, before any claim runs, that `out_dir` can take a report.

    It must be writable and be new, empty, or a report directory written before (it is
    replaced as a whole, so a directory holding anything else, such as ``.``, is refused).

    Raises
    ------
    ValueError
        If it is a file, is not writable, or holds files that are not a report's.
    """
    out = check_output_path(name, out_dir, directory=True)
    if out.is_dir():
        entries = set(os.listdir(out))
        if entries and not (entries <= REPORT_FILES and (MARKER in entries or "report.json" in entries)):
            shown = ", ".join(sorted(entries - REPORT_FILES)[:4]) or ", ".join(sorted(entries)[:4])
            raise ValueError(f"`{name}` {str(out_dir)!r} holds files that are not a pathdep report ({shown}); "
                             "the report directory is replaced as a whole: choose a new or empty directory")
    return out


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """An exclusive lock on `directory` (flock on its descriptor): writers into it take turns."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock
        yield
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)   # closing the descriptor releases the lock


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM for the duration (the swap's two renames), then deliver them."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    got: list[int] = []
    sigs = [signal.SIGINT] + ([signal.SIGTERM] if hasattr(signal, "SIGTERM") else [])
    old = {s_: signal.signal(s_, lambda n, f: got.append(n)) for s_ in sigs}
    try:
        yield
    finally:
        for s_, h in old.items():
            signal.signal(s_, h)
        if got:
            signal.raise_signal(got[0])


def _honour_umask(root: Path) -> None:
    mask = _umask()
    for dirpath, dirnames, filenames in os.walk(root):
        os.chmod(dirpath, 0o777 & ~mask)
        for f in filenames:
            os.chmod(os.path.join(dirpath, f), 0o666 & ~mask)


def _write_file(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def write_report(outcomes: Sequence[Outcome], out_dir: str | os.PathLike, *, seed: int = 0,
                 full: bool = False) -> dict[str, Path]:
    """Write ``report.md``, ``report.json`` and the claims' figures into `out_dir`, as one unit.

    Everything is staged in a new directory beside `out_dir` and swapped in by renames (an
    interrupt during the swap is delivered after it), under a lock on the parent directory:
    an interrupted or concurrent run never leaves a report mixed from two runs, and figures
    of earlier runs do not linger. Files honour the umask.

    Raises
    ------
    ValueError
        If `out_dir` cannot take a report (:func:`check_report_dir`).
    """
    out = check_report_dir(out_dir, name="out_dir")
    parent = out.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    with _locked(parent):
        for stale in parent.glob(f".{out.name}.staging-*"):   # left by a run that was killed
            shutil.rmtree(stale, ignore_errors=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=parent))
        try:
            figures: dict[str, str] = {}
            for o in outcomes:
                if o.verdict.figure is not None:
                    name = f"{o.claim.id}.png"
                    save_figure(o.verdict.figure, stage / "figures" / name)
                    figures[o.claim.id] = f"figures/{name}"
            md = markdown_report(outcomes, seed=seed, full=full, figures=figures)
            js = json_report(outcomes, seed=seed, full=full, figures=figures)
            _write_file(stage / "report.md", md)
            _write_file(stage / "report.json", json.dumps(js, indent=2))
            _write_file(stage / MARKER, "written by pathdep verify; this directory is replaced as a whole\n")
            _honour_umask(stage)
            old = parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
            with _interrupts_deferred():
                had_old = out.exists()
                if had_old:
                    os.rename(out, old)
                os.rename(stage, out)
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise
        if had_old:
            shutil.rmtree(old, ignore_errors=True)
    return {"markdown": out / "report.md", "json": out / "report.json"}
