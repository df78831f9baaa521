"""Kempner's series: the harmonic series restricted to integers that omit a digit string.

(Foundation stub: only :func:`kempner_block_counts`; the full module comes with the
puzzles issue.)
"""

from __future__ import annotations

from typing import Iterable

from puzzles._checks import check_int


def _digits_of(excluded: str | Iterable[str], base: int) -> list[tuple[int, ...]]:
    items = [excluded] if isinstance(excluded, str) else list(excluded)
    if not items:
        raise ValueError("`excluded` must be a non-empty digit string or collection of them, got []")
    out = []
    for s in items:
        if not isinstance(s, str):
            raise TypeError(f"`excluded` must be a string of digits, got {type(s).__name__} {s!r}")
        if s == "":
            raise ValueError("`excluded` must not contain an empty string")
        try:
            ds = tuple(int(ch, 36) for ch in s)
        except ValueError:
            raise ValueError(f"`excluded` must contain digits 0-9/a-z only, got {s!r}") from None
        if any(d >= base for d in ds):
            raise ValueError(f"`excluded` digit string {s!r} has a digit not allowed in base {base}")
        out.append(ds)
    return out


def kempner_block_counts(excluded: str | Iterable[str] = "9", *, base: int = 10,
                         max_digits: int) -> list[int]:
    """How many d-digit numbers (no leading zero) contain none of the excluded strings, d = 1..max_digits.

    Parameters
    ----------
    excluded : str or collection of str
        A digit string (``"9"``, ``"42"``) or several; digits 0-9 then a-z.
    base : int, default 10
        The base, at least 2.
    max_digits : int
        The largest number of digits, at least 1.

    Returns
    -------
    list of int
        ``counts[d - 1]`` is the number of d-digit numbers omitting every excluded string.

    Raises
    ------
    ValueError
        If a digit is not valid in `base`, a string is empty, `base` < 2 or `max_digits` < 1.

    Notes
    -----
    Counts are exact integers from a walk on the Aho-Corasick automaton of the
    excluded strings. For one nonzero digit the count is ``(b - 2) (b - 1)^(d - 1)``.

    Examples
    --------
    >>> kempner_block_counts("9", max_digits=4)
    [8, 72, 648, 5832]
    """
    base = check_int("base", base, low=2, high=36)
    max_digits = check_int("max_digits", max_digits, low=1, high=100_000)
    patterns = _digits_of(excluded, base)
    # Aho-Corasick automaton over the patterns.
    goto: list[dict[int, int]] = [{}]
    bad = [False]
    for pat in patterns:
        node = 0
        for d in pat:
            if d not in goto[node]:
                goto.append({})
                bad.append(False)
                goto[node][d] = len(goto) - 1
            node = goto[node][d]
        bad[node] = True
    fail = [0] * len(goto)
    order = []
    queue = list(goto[0].values())
    while queue:
        node = queue.pop(0)
        order.append(node)
        for d, child in goto[node].items():
            f = fail[node]
            while f and d not in goto[f]:
                f = fail[f]
            fail[child] = goto[f][d] if d in goto[f] and goto[f][d] != child else 0
            bad[child] = bad[child] or bad[fail[child]]
            queue.append(child)

    def delta(state: int, d: int) -> int:
        while state and d not in goto[state]:
            state = fail[state]
        return goto[state].get(d, 0)

    n_states = len(goto)
    trans = [[delta(s, d) for d in range(base)] for s in range(n_states)]
    counts: dict[int, int] = {}
    for d in range(1, base):
        s = trans[0][d]
        if not bad[s]:
            counts[s] = counts.get(s, 0) + 1
    result = [sum(counts.values())]
    for _ in range(max_digits - 1):
        nxt: dict[int, int] = {}
        for s, c in counts.items():
            for d in range(base):
                t = trans[s][d]
                if not bad[t]:
                    nxt[t] = nxt.get(t, 0) + c
        counts = nxt
        result.append(sum(counts.values()))
    return result
