"""The claims registry: one place that ``pathdep list`` and ``pathdep verify`` read.

Registering a claim
-------------------
A claim is a verifier function decorated with :func:`claim`::

    from pathdep import claim, compare

    @claim("mylab.gd.quadratic_rate",
           statement="Gradient descent on 1/2 h w^2 contracts by |1 - eta h| per step.",
           source="my notes, section 2",
           method="iterate the map 100 steps and compare the log-ratio per step")
    def _(ctx):
        ...
        return compare(measured, expected, atol=1e-12)

The verifier receives a :class:`Context` (seed, quick/full mode, progress flag)
and returns a :class:`~pathdep.claims.verdict.Verdict`.  Importing the module
registers the claim; ``pathdep verify --import mymodule`` imports user modules
before running.
"""

from __future__ import annotations

import fnmatch
import importlib
import re
from dataclasses import dataclass
from typing import Callable, Iterable

from pathdep.claims.verdict import Verdict

_ID = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")

#: The library areas whose claims ship with pathdep (one module each in ``pathdep.claims``).
AREAS = ("puzzles", "dynsys", "bayes", "slt")


@dataclass(frozen=True)
class Context:
    """What a verifier gets: the run's seed, its mode and whether to show progress.

    ``full`` is False in the default quick mode (the whole catalogue in under two
    minutes) and True with ``--full`` (bigger runs, tighter tolerances).
    """

    seed: int = 0
    full: bool = False
    progress: bool = False

    def pick(self, quick, full):
        """``quick`` in quick mode, ``full`` in full mode."""
        return full if self.full else quick


@dataclass(frozen=True)
class Claim:
    """A registered claim: what the source says and the function that checks it."""

    id: str
    statement: str
    source: str
    method: str
    verifier: Callable[[Context], Verdict]
    short: str = ""

    @property
    def area(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def summary(self) -> str:
        """The one-line statement used in tables."""
        if self.short:
            return self.short
        first = self.statement.strip().splitlines()[0]
        return first if len(first) <= 70 else first[:67] + "..."


class Registry:
    """An ordered collection of claims with unique ids."""

    def __init__(self) -> None:
        self._claims: dict[str, Claim] = {}

    def add(self, item: Claim) -> Claim:
        if not isinstance(item.id, str) or not _ID.match(item.id):
            raise ValueError(
                f"claim id must be dotted lowercase words like 'puzzles.kempner.bound', got {item.id!r}")
        if item.id in self._claims:
            raise ValueError(f"claim id {item.id!r} is already registered "
                             f"(by {self._claims[item.id].verifier.__module__}); ids must be unique")
        for name in ("statement", "source"):
            if not str(getattr(item, name)).strip():
                raise ValueError(f"claim {item.id!r}: `{name}` must be a non-empty string")
        self._claims[item.id] = item
        return item

    def remove(self, claim_id: str) -> None:
        self._claims.pop(claim_id, None)

    def __contains__(self, claim_id: object) -> bool:
        return claim_id in self._claims

    def __getitem__(self, claim_id: str) -> Claim:
        try:
            return self._claims[claim_id]
        except KeyError:
            raise KeyError(f"no claim with id {claim_id!r}; `pathdep list` shows them") from None

    def __iter__(self):
        return iter(self._claims.values())

    def __len__(self) -> int:
        return len(self._claims)

    def select(self, patterns: Iterable[str] | None = None) -> list[Claim]:
        """Claims matching any pattern, in registration order.

        A pattern is a glob on the id (``puzzles.kempner.*``), an id prefix
        (``puzzles`` or ``puzzles.walk``) or an exact id.  A pattern matching
        nothing raises ``ValueError``.
        """
        pats = list(patterns or [])
        if not pats:
            return list(self._claims.values())
        chosen: dict[str, Claim] = {}
        for pat in pats:
            hits = [c for c in self._claims.values()
                    if fnmatch.fnmatchcase(c.id, pat) or c.id == pat or c.id.startswith(pat + ".")]
            if not hits:
                raise ValueError(f"pattern {pat!r} matches no claim; `pathdep list` shows the ids")
            for c in hits:
                chosen.setdefault(c.id, c)
        return [c for c in self._claims.values() if c.id in chosen]


REGISTRY = Registry()
_loaded = False


def claim(id: str, *, statement: str, source: str, method: str = "", short: str = "",
          registry: Registry | None = None) -> Callable[[Callable[[Context], Verdict]], Callable[[Context], Verdict]]:
    """Decorator registering a verifier as the claim `id`.

    Parameters
    ----------
    id : str
        Dotted lowercase id, ``<area>.<topic>.<name>``; unique.
    statement : str
        The claim, quoted or faithfully paraphrased from the source.
    source : str
        Where it comes from: note file and section, or a paper.
    method : str
        How the verifier checks it (one or two sentences).
    short : str
        Optional one-line statement for tables (default: the first line of `statement`).
    registry : Registry, optional
        Where to register (default: the global registry).

    Returns
    -------
    callable
        The verifier, unchanged.

    Raises
    ------
    ValueError
        If the id is malformed or already registered.
    """

    def deco(fn: Callable[[Context], Verdict]) -> Callable[[Context], Verdict]:
        (REGISTRY if registry is None else registry).add(Claim(id, statement, source, method, fn, short))
        return fn

    return deco


def load_builtin() -> Registry:
    """Import the shipped claim modules once (registering their claims) and return the registry."""
    global _loaded
    if not _loaded:
        for area in AREAS:
            importlib.import_module(f"pathdep.claims.{area}")
        _loaded = True
    return REGISTRY
