"""Diagonally preconditioned MALA over a ladder of temperatures, for any torch model.

Private fallback engine of the ``ladder`` estimator, used when the model is not a
Sequential MLP (:mod:`slt._kgibbs` handles those).  Every walker (chain x temperature)
targets ``exp(−t (L_n(w) − L_n(w*)) − ½ Σ γ_j (w_j − w*_j)²)`` and is advanced by the
Metropolis-adjusted Langevin algorithm (Roberts & Tweedie 1996) with a diagonal
preconditioner ``G = 1 / E[(∂_j U)²]``: by the Fisher identity
``E[∇U ∇Uᵀ] = E[∇²U]`` under the target, this is the inverse of the posterior-averaged
curvature, estimated from the gradients in doubling windows during burn-in (as Stan
adapts its mass matrix) and then frozen.  The step size of each temperature is adapted
during burn-in towards the acceptance 0.574 (Roberts & Rosenthal 1998).  The loss of all
walkers is evaluated with ``torch.func.vmap`` over ``functional_call``: one batched pass,
no Python loop over chains.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch

from slt._kgibbs import SamplerRun
from slt.errors import EstimatorDivergenceError


def run_pmala(loss_of_flat: Callable[[torch.Tensor], torch.Tensor], w_star: torch.Tensor, temps: np.ndarray, *,
              n_chains: int, n_steps: int, burn: int, gamma: torch.Tensor, gen: torch.Generator,
              init: torch.Tensor | None = None, target: float = 0.574, progress: bool = False,
              desc: str = "ladder", windows: tuple[float, ...] = (0.1, 0.2, 0.4, 0.7, 1.0)) -> SamplerRun:
    """Run the sampler.  ``loss_of_flat(w)`` maps (K, d) to the (K,) full-data mean losses."""
    from tqdm.auto import tqdm

    dtype, device = w_star.dtype, w_star.device
    T, C, d = len(temps), n_chains, w_star.numel()
    K = T * C
    t = torch.as_tensor(np.repeat(np.asarray(temps, dtype=float), C), dtype=dtype, device=device).reshape(K, 1)
    star = w_star.reshape(1, d)
    gam = gamma.reshape(1, d)
    with torch.no_grad():
        l_star = loss_of_flat(star)[0]
    if not torch.isfinite(l_star):
        raise EstimatorDivergenceError(f"the loss at w* is not finite ({float(l_star)})")

    def u_and_grad(w: torch.Tensor):
        with torch.enable_grad():
            wg = w.detach().requires_grad_(True)
            loss = loss_of_flat(wg)
            g, = torch.autograd.grad(loss.sum(), wg)
        dw = w - star
        u = t[:, 0] * (loss.detach() - l_star) + 0.5 * (gam * dw * dw).sum(1)
        return u, t * g + gam * dw, loss.detach()

    w = star.expand(K, d).clone() if init is None else init.clone()
    u, gu, loss = u_and_grad(w)
    # before any curvature is known: the localization scale, with a small step
    G = (1.0 / (gam + 1e-300)).expand(K, d).clone()
    log_eps = torch.full((T, 1), math.log(1e-4), dtype=dtype, device=device)
    ends = sorted({max(1, int(f * burn)) for f in windows}) if burn else []
    v_sum = torch.zeros((K, d), dtype=dtype, device=device)
    v_cnt = 0
    n_rec = n_steps - burn
    energy = torch.empty((K, n_rec), dtype=dtype, device=device)
    burn_energy = torch.empty((K, burn), dtype=dtype, device=device)
    sq = torch.empty((K, n_rec), dtype=dtype, device=device)
    acc_sum = torch.zeros(T, dtype=dtype, device=device)
    restart = 0
    for step in tqdm(range(n_steps), disable=not progress, desc=desc, leave=False):
        eps = torch.exp(log_eps).repeat_interleave(C, 0)
        xi = torch.randn((K, d), generator=gen, dtype=dtype, device=device)
        prop = w - 0.5 * eps * G * gu + torch.sqrt(eps * G) * xi
        u_p, gu_p, loss_p = u_and_grad(prop)
        fwd = 0.5 * (xi ** 2).sum(1)
        bwd = ((w - prop + 0.5 * eps * G * gu_p) ** 2 / (G * eps)).sum(1) / 2
        log_a = (u - u_p) + fwd - bwd
        log_a = torch.where(torch.isfinite(log_a), log_a, torch.full_like(log_a, -math.inf))
        acc = torch.log(torch.rand(K, generator=gen, dtype=dtype, device=device)) < log_a
        a2 = acc.reshape(K, 1)
        w = torch.where(a2, prop, w)
        u = torch.where(acc, u_p, u)
        gu = torch.where(a2, gu_p, gu)
        loss = torch.where(acc, loss_p, loss)
        if not torch.isfinite(loss).all():
            k = int((~torch.isfinite(loss)).nonzero()[0, 0])
            raise EstimatorDivergenceError(
                f"ladder chain {k % C} (t = {float(temps[k // C]):.4g}) has a non-finite loss at step {step}",
                chain=k % C, step=step, partial=energy[:, :max(step - burn, 0)].reshape(T, C, -1).cpu().numpy())
        rate = torch.exp(log_a.clamp(max=0.0)).reshape(T, C).mean(1, keepdim=True)
        if step < burn:
            log_eps = log_eps + 2.0 / (1.0 + step - restart) ** 0.6 * (rate - target)
            v_sum += gu * gu
            v_cnt += 1
            if step + 1 in ends:
                v = (v_sum / v_cnt).reshape(T, C, d).mean(1, keepdim=True).expand(T, C, d).reshape(K, d)
                G_new = 1.0 / v.clamp(min=1e-300)
                ratio = (G_new / G).reshape(T, C, d).mean(dim=(1, 2)).reshape(T, 1)
                G = G_new
                log_eps = log_eps - torch.log(ratio.clamp(min=1e-300))
                v_sum.zero_()
                v_cnt = 0
                restart = step
            burn_energy[:, step] = loss - l_star
        else:
            acc_sum += rate[:, 0]
            energy[:, step - burn] = loss - l_star
            sq[:, step - burn] = (gam * (w - star) ** 2).sum(1)
    return SamplerRun(energy.reshape(T, C, -1).cpu().numpy(), burn_energy.reshape(T, C, -1).cpu().numpy(),
                      (acc_sum / max(n_rec, 1)).reshape(T, 1).cpu().numpy(),
                      torch.exp(log_eps).cpu().numpy(), w.reshape(T, C, d), sq.reshape(T, C, -1).cpu().numpy(),
                      "pmala")
