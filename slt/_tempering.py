"""Replica-exchange MALA over a ladder of inverse temperatures, vectorised over temperatures and chains.

Private engine behind the ``multitemp`` and ``scaling`` estimators.  The target at
ladder rung ``i`` is ``exp(-t_i K(w) - (γ/2)|w - w*|² + log φ(w))``; every chain is an
independent replica-exchange system (Swendsen & Wang 1986; Geyer 1991) whose rungs
are advanced together by Metropolis-adjusted Langevin moves (Roberts & Tweedie 1996),
with the step size of each rung adapted during burn-in (Robbins–Monro on log ε towards
acceptance 0.574, Roberts & Rosenthal 1998).  Adjacent rungs swap states every step
(even pairs, then odd pairs).
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple

import numpy as np
import torch

from pdcheck import check_memory
from slt.errors import EstimatorDivergenceError


class LadderRun(NamedTuple):
    """Output of :func:`run_ladder`."""

    temps: np.ndarray        # (T,)
    energy: np.ndarray       # (T, C, S) recorded K(w) after burn-in
    step_size: np.ndarray    # (T,) adapted MALA step sizes
    acceptance: np.ndarray   # (T,) MALA acceptance after burn-in
    swap_rate: np.ndarray    # (T-1,) swap acceptance between rungs i and i+1
    final: torch.Tensor      # (T, C, d) final states
    log_cov: np.ndarray | None  # (len(track), d, d) covariance of log|w - w*| at tracked rungs


def _eval(potential: Callable, log_prior: Callable | None, w: torch.Tensor):
    with torch.enable_grad():
        wr = w.detach().requires_grad_(True)
        k = potential(wr)
        if k.shape != w.shape[:-1]:
            raise ValueError(f"`potential` must map a batch of shape {tuple(w.shape)} to {tuple(w.shape[:-1])} "
                             f"(batched over leading dimensions), got shape {tuple(k.shape)}")
        (gk,) = torch.autograd.grad(k.sum(), wr)
        if log_prior is not None:
            wp = w.detach().requires_grad_(True)
            lp = log_prior(wp)
            (glp,) = torch.autograd.grad(lp.sum(), wp)
        else:
            lp = torch.zeros_like(k)
            glp = torch.zeros_like(gk)
    return k.detach(), gk.detach(), lp.detach(), glp.detach()


def _swap(x: torch.Tensor, i: torch.Tensor, sw: torch.Tensor) -> torch.Tensor:
    """Exchange rungs ``i`` and ``i + 1`` of ``x`` (shape (T, C, ...)) where ``sw`` (P, C) is True."""
    s = sw if x.ndim == 2 else sw.unsqueeze(-1)
    a, b = x[i], x[i + 1]
    out = x.clone()
    out[i] = torch.where(s, b, a)
    out[i + 1] = torch.where(s, a, b)
    return out


def run_ladder(potential: Callable, w_star: torch.Tensor, temps: np.ndarray, *, n_chains: int,
               n_steps: int, burn: int, localization: float, log_prior: Callable | None,
               gen: torch.Generator, step_init: np.ndarray | None = None, swap: bool = True,
               track: tuple[int, ...] = (), init_jitter: float | np.ndarray = 0.0,
               progress: bool = False, desc: str = "ladder") -> LadderRun:
    """Run replica-exchange MALA; see the module docstring."""
    from tqdm.auto import tqdm

    dtype = w_star.dtype
    T, C, d = len(temps), n_chains, w_star.shape[0]
    t = torch.as_tensor(temps, dtype=dtype).reshape(T, 1)
    gamma = float(localization)
    c = w_star.reshape(1, 1, d)
    w = c.expand(T, C, d).clone()
    jit = torch.as_tensor(np.broadcast_to(np.asarray(init_jitter, dtype=float), (T,)).copy(), dtype=dtype)
    if bool((jit > 0).any()):
        w = w + jit.reshape(T, 1, 1) * torch.randn(w.shape, generator=gen, dtype=dtype)
    track_idx = torch.as_tensor(list(track), dtype=torch.long)
    v_sum = torch.zeros((len(track), d), dtype=dtype)
    v_out = torch.zeros((len(track), d, d), dtype=dtype)
    k, gk, lp, glp = _eval(potential, log_prior, w)
    if step_init is None:
        # a first guess: resolve a curvature of order t (+ γ); adapted below
        step_init = 0.5 / (np.asarray(temps, dtype=float) + gamma + 1.0)
    log_eps = torch.log(torch.as_tensor(step_init, dtype=dtype)).reshape(T, 1)
    n_rec = n_steps - burn
    check_memory(f"a tempered ladder of {T} temperatures x {C} chains x {n_rec} recorded steps "
                 f"(`n_steps` = {n_steps}, `burn` = {burn})", w_star.element_size() * T * C * (n_rec + 8 * d))
    energy = torch.empty((T, C, n_rec), dtype=dtype)
    acc_count = torch.zeros(T, dtype=dtype)
    swap_acc = torch.zeros(max(T - 1, 0), dtype=dtype)
    swap_try = torch.zeros(max(T - 1, 0), dtype=dtype)

    def grad_u(w, gk, glp):
        return t.unsqueeze(-1) * gk + gamma * (w - c) - glp

    def u_of(w, k, lp):
        return t * k + 0.5 * gamma * ((w - c) ** 2).sum(-1) - lp

    for step in tqdm(range(n_steps), disable=not progress, desc=desc, leave=False):
        eps = torch.exp(log_eps)
        e3 = eps.unsqueeze(-1)
        g = grad_u(w, gk, glp)
        u = u_of(w, k, lp)
        prop = w - 0.5 * e3 * g + torch.sqrt(e3) * torch.randn(w.shape, generator=gen, dtype=dtype)
        k_p, gk_p, lp_p, glp_p = _eval(potential, log_prior, prop)
        g_p = grad_u(prop, gk_p, glp_p)
        u_p = u_of(prop, k_p, lp_p)
        fwd = ((prop - w + 0.5 * e3 * g) ** 2).sum(-1)
        bwd = ((w - prop + 0.5 * e3 * g_p) ** 2).sum(-1)
        log_a = -(u_p - u) - (bwd - fwd) / (2 * eps)
        log_a = torch.where(torch.isfinite(log_a), log_a, torch.full_like(log_a, -math.inf))
        acc = torch.log(torch.rand(log_a.shape, generator=gen, dtype=dtype)) < log_a
        a3 = acc.unsqueeze(-1)
        w = torch.where(a3, prop, w)
        gk = torch.where(a3, gk_p, gk)
        glp = torch.where(a3, glp_p, glp)
        k = torch.where(acc, k_p, k)
        lp = torch.where(acc, lp_p, lp)
        rate = acc.to(dtype).mean(1, keepdim=True)
        if step < burn:
            gain = 1.0 / (1.0 + step) ** 0.6
            log_eps = log_eps + 2.0 * gain * (rate - 0.574)
        else:
            acc_count += rate.squeeze(1)
        if not (torch.isfinite(w).all() and torch.isfinite(k).all()):
            bad = (~torch.isfinite(k)).nonzero()
            ti, ci = (int(bad[0, 0]), int(bad[0, 1])) if len(bad) else (0, 0)
            raise EstimatorDivergenceError(
                f"replica-exchange chain {ci} (rung t={float(temps[ti]):.3g}) produced a non-finite "
                f"potential at step {step}", chain=ci, step=step,
                partial=energy[:, :, :max(step - burn, 0)].numpy().copy())
        if swap and T > 1:
            start = step % 2
            i = torch.arange(start, T - 1, 2)
            if len(i):
                dt = (t[i + 1] - t[i])  # (P,1)
                log_s = dt * (k[i + 1] - k[i])
                sw = torch.log(torch.rand(log_s.shape, generator=gen, dtype=dtype)) < log_s
                if step >= burn:
                    swap_acc[i] += sw.to(dtype).mean(1)
                    swap_try[i] += 1
                w, gk, glp, k, lp = (_swap(x, i, sw) for x in (w, gk, glp, k, lp))
        if step >= burn:
            energy[:, :, step - burn] = k
            if len(track):
                v = torch.log(torch.abs(w[track_idx] - c) + 1e-300)  # (P, C, d)
                v_sum += v.sum(1)
                v_out += torch.einsum("pci,pcj->pij", v, v)
    log_cov = None
    if len(track):
        cnt = float(n_rec * C)
        mean = v_sum / cnt
        log_cov = (v_out / cnt - torch.einsum("pi,pj->pij", mean, mean)).numpy()
    return LadderRun(np.asarray(temps, dtype=float), energy.numpy(), torch.exp(log_eps).squeeze(1).numpy(),
                     (acc_count / max(n_rec, 1)).numpy(), (swap_acc / swap_try.clamp(min=1)).numpy(), w,
                     log_cov)
