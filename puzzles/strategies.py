"""Public hypothesis strategies of `puzzles`, for users' own property tests.

Examples
--------
>>> from hypothesis import given
>>> @given(kempner_cases())
... def test_bracket(case):
...     base, excluded = case
...     ...
"""

from __future__ import annotations

from hypothesis import strategies as st

__all__ = ["bases", "digit_strings", "kempner_cases", "walk_sizes"]

_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def bases(min_base: int = 2, max_base: int = 16) -> st.SearchStrategy[int]:
    """Integer bases in ``[min_base, max_base]`` (within 2..36)."""
    return st.integers(min_value=max(2, min_base), max_value=min(36, max_base))


def digit_strings(base: int, *, min_size: int = 1, max_size: int = 3) -> st.SearchStrategy[str]:
    """Non-empty strings of digits valid in `base` (0-9 then a-z)."""
    return st.text(alphabet=_DIGITS[:base], min_size=min_size, max_size=max_size)


@st.composite
def kempner_cases(draw, *, min_base: int = 2, max_base: int = 12, max_len: int = 3,
                  max_strings: int = 2):
    """``(base, excluded)`` pairs: a base and a digit string or a short list of them."""
    base = draw(bases(min_base, max_base))
    n = draw(st.integers(1, max_strings))
    strings = draw(st.lists(digit_strings(base, max_size=max_len), min_size=n, max_size=n))
    return base, strings[0] if n == 1 else strings


@st.composite
def walk_sizes(draw, *, max_dims: int = 8, max_steps: int = 14):
    """``(n_dims, n_steps)`` pairs for exact walk computations."""
    return draw(st.integers(1, max_dims)), draw(st.integers(0, max_steps))
