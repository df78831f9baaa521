"""What every ``pathdep`` subcommand shares: output paths checked first, defaults in the help,
figures written where the message says, partial results saved on a numerical failure.

Conventions a command declares with ``parser.set_defaults``:

- ``output_kinds={"out": "dir"}``: which path options name a directory (default: a file). The
  options ``--out`` and ``--plot`` are checked before the command runs (``''`` means none;
  ``None`` means a default file in the working directory);
- ``partial_path=callable(args) -> path or None``: where a numerical failure's partial result
  (``exc.partial``) is saved, as ``.npz``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any, Callable

import numpy as np

from pdcheck import check_memory, check_output_path

#: Options that name something the command writes.
OUTPUT_OPTIONS = ("out", "plot")
#: Largest figure side in pixels (Agg's limit is 2^16).
MAX_PIXELS_PER_SIDE = 2**15
#: Smallest resolution at which the figures' 7-point fonts still render.
MIN_DPI = 20


def iter_parsers(parser: argparse.ArgumentParser):
    """`parser` and all its sub-parsers, depth first."""
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):   # aliases map to the same parser
                yield from iter_parsers(sub)


def document_defaults(parser: argparse.ArgumentParser) -> None:
    """Give every option a help line that states its default (unless it says one already)."""
    for p in iter_parsers(parser):
        for a in p._actions:
            if a.help == argparse.SUPPRESS or isinstance(a, (argparse._HelpAction, argparse._VersionAction,
                                                             argparse._SubParsersAction)):
                continue
            if not a.option_strings:        # positionals: the choices say it
                continue
            text = (a.help or "").strip()
            if "default" in text.lower():
                continue
            if isinstance(a, (argparse._StoreTrueAction, argparse._StoreFalseAction)):
                note = "off by default" if a.default is False else "on by default"
            elif a.default is None or (isinstance(a.default, (list, tuple)) and not a.default):
                note = "default: none"
            elif isinstance(a.default, (list, tuple)):
                note = "default: " + " ".join(str(v) for v in a.default)
            elif a.default == "":
                note = "default: '' (none)"
            else:
                note = f"default: {a.default}"
            a.help = f"{text} ({note})" if text else note.capitalize()
            a.help = a.help.replace("%", "%%")


def check_outputs(args: argparse.Namespace) -> None:
    """Check the command's output paths before any computation (exit 2 on a bad one)."""
    kinds = getattr(args, "output_kinds", {}) or {}
    for dest in OUTPUT_OPTIONS:
        if not hasattr(args, dest):
            continue
        value = getattr(args, dest)
        name = f"--{dest}"
        if value == "":
            continue
        if value is None:    # a default file in the working directory
            check_output_path(name, Path.cwd(), directory=True)
            continue
        check_output_path(name, value, directory=kinds.get(dest) == "dir")


def check_figure(name: str, width_in: float, height_in: float, dpi: int) -> None:
    """A figure of this size can be rendered: each side at most 2^15 pixels, and it fits in memory."""
    if dpi < MIN_DPI:   # below it the fonts cannot be rendered (FreeType rejects sub-pixel sizes)
        raise ValueError(f"`{name}` must be >= {MIN_DPI}, got {dpi}")
    w, h = width_in * dpi, height_in * dpi
    if max(w, h) > MAX_PIXELS_PER_SIDE:
        raise ValueError(f"`{name}` = {dpi} gives a {w:.0f} x {h:.0f} pixel figure; each side must be <= "
                         f"{MAX_PIXELS_PER_SIDE} (dpi <= {int(MAX_PIXELS_PER_SIDE / max(width_in, height_in))})")
    check_memory(f"a {w:.0f} x {h:.0f} pixel figure", 8 * w * h)


def save_figure(fig: Any, path: str | os.PathLike, *, dpi: int) -> Path:
    """Save `fig` to exactly `path` (PNG unless its extension names another format) and close it."""
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = path.suffix[1:].lower()
    if fmt not in fig.canvas.get_supported_filetypes():
        fmt = "png"        # without this matplotlib would write path + ".png" and we would print `path`
    fig.savefig(path, dpi=dpi, format=fmt)
    plt.close(fig)
    return path


def _arrays(obj: Any, prefix: str = "") -> dict[str, np.ndarray]:
    """Numeric arrays inside a partial result (NamedTuple, dataclass, dict, tensor, array, tuple)."""
    if obj is None:
        return {}
    if hasattr(obj, "detach") and hasattr(obj, "cpu"):
        return {prefix or "partial": obj.detach().cpu().numpy()}
    if isinstance(obj, np.ndarray):
        return {prefix or "partial": obj}
    items: Any = None
    if hasattr(obj, "_asdict"):
        items = obj._asdict().items()
    elif hasattr(obj, "__dataclass_fields__"):
        items = ((k, getattr(obj, k)) for k in obj.__dataclass_fields__)
    elif isinstance(obj, dict):
        items = obj.items()
    if items is not None:
        out: dict[str, np.ndarray] = {}
        for k, v in items:
            out.update(_arrays(v, f"{prefix}{k}" if not prefix else f"{prefix}.{k}"))
        return out
    try:
        arr = np.asarray(obj, dtype=float)
    except (TypeError, ValueError):
        return {}
    return {prefix or "partial": arr}


def save_partial(args: argparse.Namespace, exc: BaseException) -> Path | None:
    """Save ``exc.partial`` where the command writes results; the path, or None when nothing was saved."""
    where: Callable[[argparse.Namespace], Any] | None = getattr(args, "partial_path", None)
    partial = getattr(exc, "partial", None)
    if where is None or partial is None:
        return None
    target = where(args)
    arrays = _arrays(partial)
    if target is None or not arrays:
        return None
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        np.savez(target, **arrays)
    except OSError:
        return None
    return target if target.suffix == ".npz" else target.with_name(target.name + ".npz")
