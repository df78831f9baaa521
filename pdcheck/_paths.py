"""Output paths checked before any computation: a run never computes for minutes and then fails to write."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["check_output_path"]


def _exists(p: Path) -> bool:
    try:
        return p.exists()
    except OSError:   # e.g. a component we may not search: the probe below reports it
        return False


def _probe_dir(name: str, shown: str, directory: Path) -> None:
    """`directory` exists: can we create a file in it? (Try it: permission bits lie to root and on /proc.)"""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".pdcheck-probe-", dir=directory)
    except OSError as exc:
        raise ValueError(f"`{name}` must be a writable path, got {shown!r}: cannot create files in "
                         f"{str(directory)!r} ({exc.strerror or exc})") from None
    os.close(fd)
    os.unlink(tmp)


def check_output_path(name: str, path: Any, *, directory: bool = False) -> Path:
    """Check that `path` can be written (a file, or a directory with ``directory=True``), without writing it.

    Every existing component of the path must be a directory, the nearest existing ancestor
    must accept new files (tested by creating and removing a probe file in it), a file
    target must not be a directory, and a directory target must not be a file.

    Parameters
    ----------
    name : str
        The argument's name in the error message (``"path"``, ``"--out"``).
    path : str or os.PathLike
        The output path; created later by the caller (missing parents included).
    directory : bool, default False
        Whether `path` names a directory (``True``) or a file.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    TypeError
        If `path` is not a string or path.
    ValueError
        If `path` is empty, is a file where a directory is wanted (or the reverse), has a
        non-directory component, or lies where files cannot be created.

    Examples
    --------
    >>> check_output_path("--out", "/dev/null/x")
    Traceback (most recent call last):
    ...
    ValueError: `--out` must be a writable path, got '/dev/null/x': '/dev/null' is not a directory
    """
    if not isinstance(path, (str, os.PathLike)) or isinstance(path, bytes):
        raise TypeError(f"`{name}` must be a path (str or os.PathLike), got {type(path).__name__}")
    shown = os.fspath(path)
    if not str(shown).strip():
        raise ValueError(f"`{name}` must be a non-empty path, got {shown!r}")
    p = Path(shown).expanduser()
    what = "directory" if directory else "file"
    if _exists(p):
        if directory and not p.is_dir():
            raise ValueError(f"`{name}` must be a directory, got {shown!r}, which is an existing file")
        if not directory and p.is_dir():
            raise ValueError(f"`{name}` must be a file path, got {shown!r}, which is a directory")
        if directory:
            _probe_dir(name, shown, p)
        else:
            try:
                with open(p, "ab"):
                    pass
            except OSError as exc:
                raise ValueError(f"`{name}` must be a writable {what}, got {shown!r} "
                                 f"({exc.strerror or exc})") from None
        return p
    ancestor = p.absolute().parent
    while not _exists(ancestor) and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    # every existing component must be a directory (walk down from the root)
    for part in reversed([ancestor, *ancestor.parents]):
        if _exists(part) and not part.is_dir():
            raise ValueError(f"`{name}` must be a writable path, got {shown!r}: {str(part)!r} is not a directory")
    if not ancestor.is_dir():
        raise ValueError(f"`{name}` must be a writable path, got {shown!r}: {str(ancestor)!r} is not a directory")
    _probe_dir(name, shown, ancestor)
    return p
