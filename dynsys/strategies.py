"""Public hypothesis strategies of `dynsys`, for users' own property tests."""

from __future__ import annotations

from hypothesis import strategies as st

__all__ = ["quadratics", "linear_maps", "ar1_chains"]


# --- Lyapunov oracles (issue 4) ----------------------------------------------------------
@st.composite
def quadratics(draw: st.DrawFn, *, dims: tuple[int, int] = (1, 5),
               eigs: tuple[float, float] = (0.05, 10.0)) -> tuple:
    """Random positive-definite quadratics L(w) = 1/2 w^T H w with known spectrum.

    Draws ``(H, h)``: ``H = Q diag(h) Q^T`` as a float64 numpy array with a random
    orthogonal ``Q`` and eigenvalues ``h`` (sorted descending) in `eigs`.  Gradient
    descent with step ``eta`` on it has Lyapunov exponents ``ln|1 - eta h_i|``.
    """
    import numpy as np

    d = draw(st.integers(min_value=dims[0], max_value=dims[1]))
    h = draw(st.lists(st.floats(min_value=eigs[0], max_value=eigs[1], allow_nan=False),
                      min_size=d, max_size=d))
    seed = draw(st.integers(min_value=0, max_value=2 ** 31 - 1))
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    h = np.sort(np.asarray(h, dtype=float))[::-1]
    return (q * h) @ q.T, h


@st.composite
def linear_maps(draw: st.DrawFn, *, dims: tuple[int, int] = (1, 5), gap: float = 0.2,
                max_log_modulus: float = 2.0) -> tuple:
    """Diagonalisable real matrices with known Lyapunov exponents.

    Draws ``(A, exponents)`` with ``A = P diag(s_i m_i) P^{-1}`` (random well-conditioned
    ``P``, signs ``s_i``) and ``exponents = sort(log m_i)`` descending, the log-moduli
    spaced at least `gap` apart so that the QR frame aligns quickly.
    """
    import numpy as np

    d = draw(st.integers(min_value=dims[0], max_value=dims[1]))
    seed = draw(st.integers(min_value=0, max_value=2 ** 31 - 1))
    rng = np.random.default_rng(seed)
    span = max(2 * max_log_modulus - gap * (d - 1), 0.0)
    base = np.sort(rng.uniform(0.0, span, d))
    logs = -max_log_modulus + base + gap * np.arange(d)
    P = rng.standard_normal((d, d)) + 3.0 * np.eye(d)
    A = P @ np.diag(np.exp(logs) * rng.choice([-1.0, 1.0], d)) @ np.linalg.inv(P)
    return A, np.sort(logs)[::-1]


# --- AR(1) chains (autocorrelation oracles; issue 5) -----------------------------------
@st.composite
def ar1_chains(draw: st.DrawFn, *, phis: tuple[float, float] = (-0.9, 0.9),
               lengths: tuple[int, int] = (64, 2048), max_series: int = 4) -> tuple:
    """Stationary AR(1) chains with known autocorrelation ``phi^k``.

    Draws ``(x, phi)`` with ``x`` of shape ``(n, n_series)`` (time along axis 0), made by
    :func:`dynsys.autocorr.ar1_series`; the exact integrated time is
    ``(1 + phi) / (1 - phi)``.
    """
    from dynsys.autocorr import ar1_series

    phi = draw(st.floats(min_value=phis[0], max_value=phis[1], allow_nan=False))
    n = draw(st.integers(min_value=lengths[0], max_value=lengths[1]))
    k = draw(st.integers(min_value=1, max_value=max_series))
    seed = draw(st.integers(min_value=0, max_value=2 ** 31 - 1))
    return ar1_series(phi, n, n_series=k, seed=seed), phi
