"""Public hypothesis strategies of `slt`, for users' own property tests."""

from __future__ import annotations

from hypothesis import strategies as st

__all__ = ["normal_crossing_exponents", "reduced_rank_dims", "deep_linear_widths"]


# --- exact RLCT strategies (slt.exact) ---------------------------------------------------------

@st.composite
def normal_crossing_exponents(draw, *, max_dim: int = 4, max_k: int = 4, max_h: int = 3,
                              with_prior: bool = True):
    """``(k, h)`` for :func:`slt.exact.rlct_normal_crossing`: at least one ``k_j > 0``.

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(normal_crossing_exponents())
    ... def check(kh):
    ...     k, h = kh
    ...     assert len(k) == len(h) and max(k) > 0
    >>> check()
    """
    d = draw(st.integers(1, max_dim))
    k = draw(st.lists(st.integers(0, max_k), min_size=d, max_size=d).filter(lambda ks: max(ks) > 0))
    h = draw(st.lists(st.integers(0, max_h), min_size=d, max_size=d)) if with_prior else [0] * d
    return k, h


@st.composite
def reduced_rank_dims(draw, *, max_dim: int = 8):
    """``(M, N, H, r)`` with ``0 <= r <= min(M, N, H)`` for :func:`slt.exact.rlct_reduced_rank`."""
    M, N, H = (draw(st.integers(1, max_dim)) for _ in range(3))
    r = draw(st.integers(0, min(M, N, H)))
    return M, N, H, r


@st.composite
def deep_linear_widths(draw, *, max_layers: int = 5, max_width: int = 6):
    """``(widths, r)`` for :func:`slt.exact.rlct_deep_linear` (2 to ``max_layers + 1`` widths)."""
    widths = draw(st.lists(st.integers(1, max_width), min_size=2, max_size=max_layers + 1))
    r = draw(st.integers(0, min(widths)))
    return widths, r
