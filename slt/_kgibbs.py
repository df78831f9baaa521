"""Layer-wise Metropolis-within-Gibbs with Kronecker-factored Gauss–Newton proposals, batched over walkers.

Private engine behind the ``ladder`` estimator for multilayer perceptrons
(:mod:`slt._mlp`).  The target of every walker is the localized tempered posterior

    p_t(w) ∝ exp(−t (L_n(w) − L_n(w*)) − ½ Σ_j γ_j (w_j − w*_j)²),

one temperature ``t = nβ`` per walker.  A sweep updates the layers in turn.  Given the
other layers, the loss is (for a linear downstream map exactly, otherwise to first
order) a quadratic form in layer ``l``'s augmented weight ``Ŵ = [W, b]`` whose
Gauss–Newton precision is Kronecker-factored (Martens & Grosse 2015):

    t · E[ĥ ĥᵀ] ⊗ E[Jᵀ H J] + γ̄,

with ``ĥ`` the layer's (augmented) input, ``J`` the Jacobian of the output with respect
to the layer's pre-activation and ``H`` the loss Hessian in output space; both factors
are diagonalised, so the precision is diagonal in the product eigenbasis.  The proposal
is the Gaussian centred at the Newton step of that quadratic,

    Ŵ' = Ŵ − G ∇U + G^{1/2} ξ,   G = (precision + damping)⁻¹,

the ρ = 1 member of the preconditioned Crank–Nicolson Langevin family (Cotter et al.
2013), accepted by Metropolis–Hastings with the precision recomputed at ``Ŵ'``.  For a
Gaussian conditional and zero damping the proposal *is* the conditional, so on a deep
linear network (whose layer conditionals are Gaussian, with ``E[Jᵀ H J]`` exact) the
sampler is an exact blocked Gibbs sampler and accepts every move.  For nonlinear
networks ``E[Jᵀ H J]`` is estimated with one random output vector per data point (the
Monte-Carlo Fisher of K-FAC), the same vectors at ``Ŵ`` and ``Ŵ'`` so that the kernel
stays reversible, and a Levenberg–Marquardt damping (in units of the localization, from
10⁻¹² to 10¹⁴) is adapted per temperature and layer during burn-in towards an
acceptance of 0.5; on a deep linear network it decays to nothing.

A layer followed by a nonlinear map gets a *unit-wise* Gauss–Newton proposal instead when it is
small enough (``out · n · (in + 1)² <= ROWWISE_MAX_COST``): the precision is block-diagonal over
the layer's units (Ollivier 2015), unit ``j``'s block the exact ``(1/n) Σ_x σ'(z_xj)² c_xj ĥ_x ĥ_xᵀ``
(``c_xj`` from per-example Jacobians), so that a ReLU unit's curvature comes from its own active
inputs and not, as in the Kronecker factor, from all inputs weighted by the mean activity.  The
directions that the active inputs do not determine are bounded by walls (inactive inputs that a
move would activate); they get a fraction :data:`WALL_WEIGHT` of the curvature those inputs take
on when active (the inputs on which the unit is flatter than slope 1 are added at slope 1, times
that weight, so a linear unit gets its exact block and, with one unit, exact Gibbs moves).  The
precision ``P_j = t (1 + δ) ρ_j (B̄_j + w M̄_j) + γ̄`` (``w`` = :data:`WALL_WEIGHT`) is averaged over
every :data:`CURVATURE_EVERY`-th burn-in state (restarted half-way) in units of the unit's position
on its rescaling orbit, ``ρ_j = ‖W_{l+1}[:, j]‖² / ‖W*_{l+1}[:, j]‖²`` (the block of the last hidden
layer is proportional to it), and then frozen: ``P_j`` depends on the next layer only, so the
proposal is the same at ``Ŵ`` and ``Ŵ'`` and flips of activation patterns between them do not enter
the Metropolis ratio through it; δ is adapted during burn-in towards an acceptance of 0.5.

The last hidden layer before a linear output layer moves one unit at a time (:data:`UNIT_MOVES`):
the output changes by ``(h'_j − h_j) Ŵ_{l+1}[:, j]``, so the loss and gradient of a unit's move cost
``O(n (in + N))`` without a pass through the network, and each unit's move is accepted on its own
rather than only jointly with the others.  Hidden units with a positively homogeneous activation
(ReLU, LeakyReLU) also get rescaling moves (:data:`RESCALING_MOVES`, the symmetry of Dinh et al.
2017): incoming weights times ``α = e^s``, outgoing times ``1/α``, ``s`` Gaussian with a scale adapted
during burn-in, accepted on the localization and the Jacobian ``α^(in + 1 − out')`` alone, since the
loss does not change.  Every move commutes with the rescalings (localization and precisions in each
tensor's own scale, ``ρ`` relative to ``w*``), so the same seed gives the same energies at every α.

A data point on a unit's kink at ``w*`` (``z*_ij = 0``: the exact minimum of a ReLU network lies on
such creases, :func:`slt.relu.relu_minimum`) makes the loss grow *linearly* across the crease, so
the posterior's scale along the kink's normal is ``1/(t · slope)``, far below the curvature scale the
Gauss–Newton block sets.  Such a unit's move would cross the kink by many times that scale and be
rejected every time: on a 2-3-1 ReLU network (exact λ = 11/2, one kink) the unit never left ``w*``
and λ̂ read 3.97 ± 0.04 on rungs 10⁵-10⁸, with split R̂ = 1 and no warning (all chains equally
stuck).  So (:data:`KINK_MOVES`) a unit with kinks at ``w*`` makes its Gauss–Newton move within the
creases' tangent space (a MALA step in the coordinates of that subspace, the kinks' pre-activations
unchanged), followed by a random walk along the kinks' normals, ``w + U s`` with
``U = P⁻¹ Rᵀ (R P⁻¹ Rᵀ)⁻¹`` (``R`` the kinks' inputs), whose scale is adapted in burn-in towards an
acceptance of 0.44 (in the unit's scale on its orbit, read off the next layer, so the walk is
symmetric); and (:data:`UNIT_DAMPING`) the damping of unit-wise moves is adapted per unit.  With both,
the same network reads E_t[t(L − L*)] = 5.52 at t = 10⁶ (random-walk Metropolis 5.47 ± 0.05).

Measured on the 64-4-10 ReLU MLP of :func:`slt.models.digits_relu_mlp` (500 digits, rungs
t = 5.0·10⁴ … 5.0·10⁶): the Kronecker proposal needed a damping of about 300 times its curvature
(chains that had not left ``w*`` after 2000 sweeps: λ̂ = 63 at 600 sweeps); the joint unit-wise
proposal with walls at full weight adapted to δ ≈ 5 and read λ̂ ≈ 101.5 with the energy still
rising after 9000 sweeps; with the walls at weight 0.1 it read 111-113 at the default 3000 sweeps
and 118-120 after 12 000 (δ ≈ 40-55).  Moving units one at a time brings δ down to 8-14 and the
3000-sweep run to 120-123 (five seeds at α = 10⁻² … 10²), 12 000 sweeps to 125.7-126.6 and the
6000-sweep default to 123-127; computing the blocks on every eighth burn-in state makes a burn-in
sweep cost about 1.5 post-burn sweeps (it was 3).  The energy's integrated autocorrelation time is
still ~10² sweeps (the units' activation patterns, bounded by walls, relax slowly), so split R̂
stays above 1.05 (1.1-1.25 at 6000 sweeps) and the estimate warns.

References
----------
.. [1] J. Martens, R. Grosse, "Optimizing neural networks with Kronecker-factored
   approximate curvature", ICML 2015.
.. [2] S. L. Cotter, G. O. Roberts, A. M. Stuart, D. White, "MCMC methods for functions:
   modifying old algorithms to make them faster", Statistical Science 28 (2013).
.. [3] S. Geman, D. Geman, "Stochastic relaxation, Gibbs distributions, and the Bayesian
   restoration of images", IEEE TPAMI 6 (1984).
.. [4] Y. Ollivier, "Riemannian metrics for neural networks I: feedforward networks",
   Information and Inference 4 (2015) (unit-wise block-diagonal metrics).
.. [5] L. Dinh, R. Pascanu, S. Bengio, Y. Bengio, "Sharp minima can generalize for deep nets",
   ICML 2017 (the rescaling symmetry of ReLU units).
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple

import numpy as np
import torch

from slt._mlp import Layer, MLPSpec, augment, augmented_params, flatten_params
from slt.errors import EstimatorDivergenceError

LOSSES = ("mse", "ce")

#: Weight of the walls (the inputs on which a unit is flatter than slope 1, counted at slope 1) in
#: the unit-wise precision.  Any weight leaves the kernel exact (Metropolis–Hastings); it sets how
#: far moves reach towards the walls.  Measured on the 64-4-10 ReLU MLP of
#: :func:`slt.models.digits_relu_mlp` (2026-12-03): with weight 1 the chains' energy was still
#: rising after 9000 sweeps (the default 3000-sweep run read λ̂ = 101.5), with 0.1 and 0.03 the
#: traces of 12 000-sweep runs have no drift and agree (g = 113.0 ± 2.0 and 113.6 ± 2.1 at
#: t = 5.0·10⁴, 118.0 ± 1.3 and 120.3 ± 1.2 at t = 5.0·10⁶); 0 leaves blocks singular.
WALL_WEIGHT = 0.1

#: Metropolis moves along the rescaling orbits of positively homogeneous hidden units (ReLU, LeakyReLU):
#: unit ``j``'s incoming weights times ``α``, its outgoing times ``1/α``.  The loss is constant on an orbit,
#: so only the localization and the Jacobian bound it, and the layer-wise moves, which keep the product
#: of the two layers, do not travel along it: without these moves the outgoing norms of the digits MLP's
#: units stayed within 0.98-1.02 of w*'s over 1000 sweeps at t = 5·10⁶; with them they were at 0.01-0.05
#: after the same 1000 sweeps (the localization, in every tensor's own scale, is weak), their
#: autocorrelation time 4-12 sweeps.
RESCALING_MOVES = True

#: One Metropolis–Hastings move per unit of the last hidden layer (see ``unit_sweep`` in
#: :func:`run_kgibbs`) instead of one joint move of the layer.
UNIT_MOVES = True

#: Adapt the damping of the unit-wise moves per unit (True) or per layer (False): a unit with a data
#: point on its kink needs steps at the kink's scale 1/(t · slope), far below its curvature scale.
UNIT_DAMPING = True

#: Kink moves for units with data points on their kink at w* (``z*_ij = 0``; the exact minimum of a ReLU
#: network lies on such creases, :func:`slt.relu.relu_minimum`): the unit's Gauss–Newton move is made
#: within the creases' tangent space, and a random walk moves the kinks' pre-activations at their own
#: scale, where the loss grows linearly, ``1/(t · slope)``, far below the curvature scale.
KINK_MOVES = True


class SamplerRun(NamedTuple):
    """What a ladder engine returns (T temperatures, C chains, S recorded sweeps, B blocks)."""

    energy: np.ndarray        # (T, C, S): L_n(w) − L_n(w*) after each sweep past burn-in
    burn_energy: np.ndarray   # (T, C, burn): the same during burn-in
    acceptance: np.ndarray    # (T, B): mean acceptance per block (layer) after burn-in
    tuning: np.ndarray        # (T, B): the adapted damping (kgibbs) or step size (pmala)
    final: torch.Tensor       # (T, C, d): final states (flat, model order)
    sq_dist: np.ndarray       # (T, C, S): Σ_j γ_j (w_j − w*_j)² after each sweep past burn-in
    engine: str = "kgibbs"


def _loss(kind: str, f: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean loss per walker: f (K, n, N)."""
    if kind == "mse":
        return ((f - y) ** 2).mean(dim=(1, 2))
    K, n, N = f.shape
    logp = torch.log_softmax(f, dim=-1)
    return -logp.gather(-1, y.reshape(1, n, 1).expand(K, n, 1)).squeeze(-1).mean(dim=1)


def _dloss(kind: str, f: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """∂(mean loss)/∂f per walker, (K, n, N): the gradient of :func:`_loss`."""
    K, n, N = f.shape
    if kind == "mse":
        return (2.0 / (n * N)) * (f - y)
    p = torch.softmax(f, dim=-1)
    return (p - torch.zeros_like(p).scatter_(-1, y.reshape(1, n, 1).expand(K, n, 1), 1.0)) / n


def _output_cotangent(kind: str, f: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """Random output vectors v with E[v vᵀ] = H (per-example loss Hessian, up to the 1/n of the mean).

    ``u`` are the common random numbers: standard normals (mse) or uniforms (ce).
    """
    if kind == "mse":
        return math.sqrt(2.0 / f.shape[-1]) * u
    p = torch.softmax(f.detach(), dim=-1)
    idx = torch.searchsorted(torch.cumsum(p, dim=-1).clamp(max=1.0 - 1e-12).contiguous(),
                             u.unsqueeze(-1).contiguous()).clamp(max=f.shape[-1] - 1)
    return p - torch.zeros_like(p).scatter_(-1, idx, 1.0)


def _mean_output_hessian(kind: str, f: torch.Tensor) -> torch.Tensor:
    """E_x[H_x] in output space, (K, N, N): mse (2/N) I, ce E[diag p − p pᵀ]."""
    K, n, N = f.shape
    if kind == "mse":
        return (2.0 / N) * torch.eye(N, dtype=f.dtype, device=f.device).expand(K, N, N)
    p = torch.softmax(f.detach(), dim=-1)
    return torch.diag_embed(p.mean(1)) - torch.einsum("kni,knj->kij", p, p) / n


def _gram_eig(M: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Eigenvalues and eigenvectors of ``MᵀM`` (batched) from the singular values of ``M``.

    ``M`` is (..., r, p); returns (..., p) eigenvalues and (..., p, p) eigenvectors (columns).
    Squared singular values carry an absolute error ``ε²‖M‖²`` where an eigendecomposition of
    the formed product ``MᵀM`` carries ``ε‖M‖²``: at ``t = nβ`` of 10⁸-10¹⁰ the latter puts
    spurious curvature ``t ε ‖M‖²`` into the null directions of a deep linear network's
    factors, above the localization, and the acceptance collapses (Golub & Van Loan 2013, §8.6).
    """
    r, p = M.shape[-2], M.shape[-1]
    _, s, vh = torch.linalg.svd(M, full_matrices=r < p)
    lam = torch.zeros(M.shape[:-2] + (p,), dtype=M.dtype, device=M.device)
    lam[..., :s.shape[-1]] = s * s
    return lam, vh.transpose(-1, -2)


class _Eval(NamedTuple):
    loss: torch.Tensor            # (K,)
    grad: torch.Tensor            # (K, out, in + b)
    s_val: torch.Tensor           # (K, out)
    s_vec: torch.Tensor           # (K, out, out)
    acts: list[torch.Tensor]      # outputs of layers l, ..., L-1
    g_rest: tuple = ()            # gradients for layers l + 1, ..., L-1 (with_rest)


class _RowEval(NamedTuple):
    loss: torch.Tensor            # (K,)
    grad: torch.Tensor            # (K, out, in + b)
    blocks: torch.Tensor | None   # (K, out, in + b, in + b): unit-wise Gauss–Newton blocks
    metric: torch.Tensor | None   # (K, out, in + b, in + b): the same with every unit at slope 1 (walls)
    acts: list[torch.Tensor]      # outputs of layers l, ..., L-1


#: Largest ``out · n · (in + b)²`` (per walker) for which a layer with a nonlinear downstream map gets
#: the unit-wise Gauss–Newton proposal; above it, the Kronecker-factored one.
ROWWISE_MAX_COST = 2e8

#: The unit-wise blocks are averaged over every ``CURVATURE_EVERY``-th state of the burn-in (they cost
#: ``out · n · (in + 1)²`` per walker, 3-4 times a sweep's other work on the digits MLP).
CURVATURE_EVERY = 8


def _chol_of_gram(A: torch.Tensor) -> torch.Tensor:
    """The lower Cholesky factor of ``Aᵀ A`` (``A`` batched, full column rank) from a QR of ``A``."""
    r = torch.linalg.qr(A, mode="r")[1]
    sign = torch.where(torch.diagonal(r, dim1=-2, dim2=-1) < 0, -1.0, 1.0).to(r.dtype)
    return (r * sign.unsqueeze(-1)).transpose(-1, -2)


def run_kgibbs(spec: MLPSpec, model: torch.nn.Module, w_star: torch.Tensor, x: torch.Tensor, y: torch.Tensor,
               kind: str, temps: np.ndarray, *, n_chains: int, n_sweeps: int, burn: int,
               gamma: torch.Tensor, gen: torch.Generator, init: torch.Tensor | None = None,
               target: float = 0.5, progress: bool = False, desc: str = "ladder",
               callback: Callable[[int], None] | None = None) -> SamplerRun:
    """Run the sampler; see the module docstring.

    ``w_star`` (d,) and ``gamma`` (d,) are flat in the model's parameter order; ``x`` is
    already flattened to (n, in); ``temps`` has T entries; ``init`` (T·C, d) optional.
    """
    from tqdm.auto import tqdm

    dtype, device = w_star.dtype, w_star.device
    T, C, L = len(temps), n_chains, spec.depth
    K = T * C
    n = x.shape[0]
    t = torch.as_tensor(np.repeat(np.asarray(temps, dtype=float), C), dtype=dtype, device=device)
    # the bias column in the weights' scale (c = scale of b / scale of W, read off the localization
    # γ ∝ 1/scale²): the proposals then commute with rescalings of W and b by different factors
    raw_gam = augmented_params(spec, model, gamma.reshape(1, -1))
    cs = [math.sqrt(float(g[0, :, :lay.in_features].mean()) / float(g[0, :, lay.in_features].mean()))
          if lay.has_bias else 1.0 for g, lay in zip(raw_gam, spec.layers)]
    star = augmented_params(spec, model, w_star.reshape(1, -1), cs)
    gam = [g.clone() for g in raw_gam]
    for g, lay, c in zip(gam, spec.layers, cs):
        if lay.has_bias:
            g[:, :, lay.in_features] *= c * c          # γ_b (b − b*)² = γ_b c² (b/c − b*/c)²
    gbar = [float(g[0, :, :lay.in_features].mean()) for g, lay in zip(gam, spec.layers)]
    w0 = w_star.reshape(1, -1).expand(K, -1) if init is None else init
    params = [p.clone() for p in augmented_params(spec, model, w0, cs)]
    log_damp = torch.full((T, L), math.log(1e-4), dtype=dtype, device=device)
    # per-unit damping of the unit-wise moves (UNIT_DAMPING): (T, L, widest layer)
    log_damp_u = torch.full((T, L, max(lay.out_features for lay in spec.layers)), math.log(1e-4), dtype=dtype,
                            device=device)

    # the first layer's input factor is shared by every walker: diagonalise it once
    x_aug = augment(x, spec.layers[0].has_bias, cs[0])
    a0, U0 = _gram_eig(x_aug / math.sqrt(n))

    def downstream(l: int, z: torch.Tensor, ps: list[torch.Tensor]) -> list[torch.Tensor]:
        acts = []
        lay = spec.layers[l]
        h = z if lay.activation is None else lay.activation(z)
        acts.append(h)
        for j, (lay2, W2) in enumerate(zip(spec.layers[l + 1:], ps[l + 1:]), start=l + 1):
            zz = torch.matmul(augment(h, lay2.has_bias, cs[j]), W2.transpose(-1, -2))
            h = zz if lay2.activation is None else lay2.activation(zz)
            acts.append(h)
        return acts

    def linear_factor(l: int, ps: list[torch.Tensor], f: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Eigenvalues and eigenvectors of E[Jᵀ H J] when the map from layer l's pre-activation
        to the output is linear (for mse from the singular values of J: see `_gram_eig`)."""
        J = None
        for lay2, W2 in zip(spec.layers[l + 1:], ps[l + 1:]):
            Wm = W2[:, :, :lay2.in_features]
            J = Wm if J is None else torch.matmul(Wm, J)
        if kind == "mse":
            if J is None:                      # the output layer: (2/N) I, no decomposition needed
                N = f.shape[-1]
                return (torch.full((f.shape[0], N), 2.0 / N, dtype=f.dtype, device=f.device),
                        torch.eye(N, dtype=f.dtype, device=f.device).expand(f.shape[0], N, N))
            return _gram_eig(J * math.sqrt(2.0 / f.shape[-1]))
        Hf = _mean_output_hessian(kind, f)
        S = Hf if J is None else J.transpose(-1, -2) @ Hf @ J
        s_val, s_vec = torch.linalg.eigh(S)
        return s_val.clamp(min=0), s_vec

    def evaluate(l: int, h: torch.Tensor, W: torch.Tensor, ps: list[torch.Tensor], u: torch.Tensor | None,
                 reuse: _Eval | None = None, with_rest: bool = False) -> _Eval:
        """Loss, gradient and output factor at ``W`` (layer ``l``, other layers ``ps``).

        ``reuse`` supplies the factor when it cannot change; ``with_rest`` also returns the
        gradients of the later layers (one backward pass gives them), which the next updates
        reuse instead of evaluating the state again.
        """
        lay = spec.layers[l]
        with torch.enable_grad():
            Wg = W.detach().requires_grad_(True)
            ps2 = list(ps)
            if with_rest:
                for j in range(l + 1, L):
                    ps2[j] = ps[j].detach().requires_grad_(True)
            z = torch.matmul(augment(h, lay.has_bias, cs[l]), Wg.transpose(-1, -2))
            acts = downstream(l, z, ps2)
            f = acts[-1]
            loss = _loss(kind, f, y)
            inputs = [Wg] + (ps2[l + 1:] if with_rest else [])
            grads = torch.autograd.grad(loss.sum(), inputs, retain_graph=u is not None)
            if reuse is not None:
                s_val, s_vec = reuse.s_val, reuse.s_vec
            elif u is None:
                s_val, s_vec = linear_factor(l, ps, f.detach())
            else:
                v = _output_cotangent(kind, f, u)
                delta, = torch.autograd.grad(f, z, grad_outputs=v)
                s_val, s_vec = torch.linalg.eigh((delta.transpose(-1, -2) @ delta / n).detach())
                s_val = s_val.clamp(min=0)
        return _Eval(loss.detach(), grads[0].detach(), s_val, s_vec, [a.detach() for a in acts],
                     tuple(g.detach() for g in grads[1:]))

    def evaluate_rows(l: int, h: torch.Tensor, W: torch.Tensor, ps: list[torch.Tensor],
                      curvature: bool = False) -> _RowEval:
        """Loss and gradient at ``W`` (layer ``l``) and, with ``curvature``, the unit-wise blocks.

        Block ``j`` is ``B_j = (1/n) Σ_x σ'(z_xj)² c_xj ĥ_x ĥ_xᵀ`` with ``c_xj = (J_xᵀ H_x J_x)_jj`` (``J_x``
        the exact per-example Jacobian with respect to the unit's output, one backward pass per
        network output), so a ReLU unit's block is the second moment of its own active inputs;
        ``M_j`` (the walls) is the same sum with weights ``(1 − σ'(z_xj)²)⁺ c_xj``: inputs on which the
        unit is flatter than slope 1 count as they would at slope 1 (a ReLU's inactive inputs, the
        curvature they take on when a move activates them).
        """
        lay = spec.layers[l]
        hh = augment(h, lay.has_bias, cs[l])
        with torch.enable_grad():
            Wg = W.detach().requires_grad_(True)
            z = torch.matmul(hh, Wg.transpose(-1, -2))
            acts = downstream(l, z, ps)
            f = acts[-1]
            loss = _loss(kind, f, y)
            grad, = torch.autograd.grad(loss.sum(), Wg, retain_graph=curvature)
            if not curvature:
                return _RowEval(loss.detach(), grad.detach(), None, None, [a.detach() for a in acts])
            N = f.shape[-1]
            hid = acts[0]
            jac = [torch.autograd.grad(f[..., k].sum(), hid, retain_graph=True)[0] for k in range(N)]
            slope, = torch.autograd.grad(hid.sum(), z) if lay.activation is not None else (torch.ones_like(z),)
        jac = torch.stack(jac, dim=-2).detach()                     # (K, n, N, out): ∂f_k/∂h_j per example
        if kind == "mse":
            c_lin = (2.0 / N) * (jac * jac).sum(-2)
        else:
            pr = torch.softmax(f.detach(), dim=-1).unsqueeze(-1)
            c_lin = (pr * jac * jac).sum(-2) - (pr * jac).sum(-2) ** 2
        hb = hh if hh.ndim == 3 else hh.unsqueeze(0)

        def gram(c: torch.Tensor) -> torch.Tensor:                   # (K, out, p, p): Σ_x c_xj ĥ_x ĥ_xᵀ / n
            p = hb.shape[-1]
            weighted = (hb.unsqueeze(1) * c.transpose(1, 2).unsqueeze(-1)).transpose(-1, -2)   # (K, out, p, n)
            if hb.shape[0] == 1:                 # inputs shared by every walker: one matrix product
                return (weighted.reshape(-1, n) @ hb[0]).reshape(*c.shape[:1], c.shape[2], p, p) / n
            return torch.matmul(weighted, hb.unsqueeze(1)) / n

        sq = slope.detach() ** 2
        both = gram(torch.cat([c_lin * sq, c_lin * (1.0 - sq).clamp(min=0.0)], dim=-1))
        blocks, metric = both[:, :sq.shape[-1]], both[:, sq.shape[-1]:]
        return _RowEval(loss.detach(), grad.detach(), blocks, metric, [a.detach() for a in acts])

    # cached inputs of every layer for the current state
    def full_inputs(ps: list[torch.Tensor]) -> list[torch.Tensor]:
        hs = [x]
        h = x
        for i, (lay, W) in enumerate(zip(spec.layers[:-1], ps[:-1])):
            z = torch.matmul(augment(h, lay.has_bias, cs[i]), W.transpose(-1, -2))
            h = z if lay.activation is None else lay.activation(z)
            hs.append(h)
        return hs

    with torch.no_grad():
        hs = full_inputs(params)
        l_star = _loss(kind, forward_all(spec, x, star, cs), y)[0]
    if not torch.isfinite(l_star):
        raise EstimatorDivergenceError(f"the loss at w* is not finite ({float(l_star)})")

    def rowwise_ok(l: int) -> bool:
        lay = spec.layers[l]
        p = lay.in_features + int(lay.has_bias)
        return lay.out_features * n * p * p <= ROWWISE_MAX_COST

    # the unit rescaling orbit: a homogeneous hidden unit's outgoing weights relative to w* (squared)
    out_star = [None if l + 1 >= L else
                star[l + 1][0, :, :spec.layers[l].out_features].pow(2).sum(0) for l in range(L)]
    out_star = [None if o is None else torch.where(o > 0, o, o.mean().clamp(min=1e-300)) for o in out_star]

    def orbit_scale(l: int, ps: list[torch.Tensor]) -> torch.Tensor:
        """(K, out, 1, 1): ``ρ_j = ‖W_{l+1}[:, j]‖² / ‖W*_{l+1}[:, j]‖²``, unit ``j``'s curvature factor along the
        rescaling orbit (exact for the last hidden layer: its Gauss–Newton block is proportional to it).
        It depends on the next layer only, so it is the same at ``W`` and ``W'``."""
        if l + 1 >= L:
            return torch.ones((K, spec.layers[l].out_features, 1, 1), dtype=dtype, device=device)
        o = ps[l + 1][:, :, :spec.layers[l].out_features].pow(2).sum(1) / out_star[l]
        return o.reshape(K, -1, 1, 1)

    def row_precision(l: int, tt: torch.Tensor, delta: torch.Tensor, rho: torch.Tensor) -> torch.Tensor:
        """Cholesky factor of ``P_j = t (1 + δ) ρ_j (B̄_j + w M̄_j) + γ̄`` (blocks and walls averaged over the
        burn-in in units of ``ρ``)."""
        B, M = row_avg[l]
        eye = torch.eye(B.shape[-1], dtype=dtype, device=device)
        prec = tt.unsqueeze(-1) * (1.0 + delta.unsqueeze(-1)) * rho * (B + WALL_WEIGHT * M)
        return torch.linalg.cholesky(prec + gbar[l] * eye)

    # rescaling moves (exact symmetries of the loss): hidden layers with a positively homogeneous activation
    scalable = [RESCALING_MOVES and l + 1 < L and spec.layers[l].homogeneous for l in range(L)]
    log_sig = torch.full((T, L), math.log(0.05), dtype=dtype, device=device)
    n_gain = [_rescale_exponent(spec.layers[l], spec.layers[l + 1]) if scalable[l] else 0 for l in range(L)]

    def walk_step(log_s: torch.Tensor, sweep: int, rate: torch.Tensor, low: float) -> torch.Tensor:
        """One burn-in step of a one-dimensional random walk's log scale towards an acceptance of 0.44."""
        return (log_s + 2.0 * (rate - 0.44) / (1.0 + sweep) ** 0.6).clamp(min=math.log(low), max=math.log(10.0))

    def rescale_move(l: int, sweep: int) -> None:
        """Scale unit ``j``'s incoming weights by ``α = e^s`` and its outgoing by ``1/α`` (``s ~ N(0, σ²)``),
        for every unit and walker at once; the loss is unchanged, so the Metropolis ratio is the
        localization's and the Jacobian ``α^(in + b − out')``."""
        nu = spec.layers[l].out_features
        sig = torch.exp(log_sig[:, l]).repeat_interleave(C).reshape(K, 1)
        s = sig * torch.randn((K, nu), generator=gen, dtype=dtype, device=device)
        a = torch.exp(s)
        W, Wn = params[l], params[l + 1]
        Wp = W * a.unsqueeze(-1)
        cols = Wn[:, :, :nu]
        colsp = cols / a.unsqueeze(1)
        sn = star[l + 1][:, :, :nu]
        dloc = ((gam[l] * ((Wp - star[l]) ** 2 - (W - star[l]) ** 2)).sum(-1)
                + (gam[l + 1][:, :, :nu] * ((colsp - sn) ** 2 - (cols - sn) ** 2)).sum(1))
        log_a = n_gain[l] * s - 0.5 * dloc
        ok = torch.log(torch.rand((K, nu), generator=gen, dtype=dtype, device=device)) < log_a
        a = torch.where(ok, a, torch.ones_like(a))
        params[l] = W * a.unsqueeze(-1)
        params[l + 1] = torch.cat([cols / a.unsqueeze(1), Wn[:, :, nu:]], dim=-1)
        hs[l + 1] = hs[l + 1] * a.unsqueeze(1)
        if sweep < burn:               # the scale of the moves: towards an acceptance of 0.44 (one dimension)
            log_sig[:, l] = walk_step(log_sig[:, l], sweep, torch.exp(log_a.clamp(max=0.0)).reshape(T, C * nu).mean(1),
                                      low=1e-6)

    def row_move(l: int, h: torch.Tensor, W: torch.Tensor, cur: _RowEval, tt: torch.Tensor, chol: torch.Tensor,
                 D: torch.Tensor) -> tuple[_RowEval, torch.Tensor, torch.Tensor, torch.Tensor]:
        """The unit-wise Gauss–Newton proposal from ``W`` and its forward and backward log densities.

        Unit ``j``'s row moves to ``W_j − P_j⁻¹ ∇_j U + P_j^(−1/2) ξ_j`` with a precision ``P_j = L Lᵀ``
        that does not depend on the state (see :func:`row_precision`), so the proposal is reversible
        through the drift alone.
        """
        gU = tt * cur.grad + D * (W - star[l])
        xi = torch.randn(W.shape, generator=gen, dtype=dtype, device=device)
        noise = torch.linalg.solve_triangular(chol.transpose(-1, -2), xi.unsqueeze(-1), upper=True).squeeze(-1)
        Wp = W - torch.cholesky_solve(gU.unsqueeze(-1), chol).squeeze(-1) + noise
        prop = evaluate_rows(l, h, Wp, params[:l] + [Wp] + params[l + 1:])
        gUp = tt * prop.grad + D * (Wp - star[l])
        r = (W - Wp) + torch.cholesky_solve(gUp.unsqueeze(-1), chol).squeeze(-1)
        quad = (chol.transpose(-1, -2) @ r.unsqueeze(-1)).squeeze(-1)
        return prop, Wp, -0.5 * (xi ** 2).sum(dim=(1, 2)), -0.5 * (quad ** 2).sum(dim=(1, 2))

    def check_finite(loss: torch.Tensor, sweep: int, l: int) -> None:
        """Raise :class:`EstimatorDivergenceError` (naming chain, temperature, sweep and layer, with the
        recorded trace) when a walker's current loss is not finite."""
        if not torch.isfinite(loss).all():
            k = int((~torch.isfinite(loss)).nonzero()[0, 0])
            raise EstimatorDivergenceError(
                f"ladder chain {k % C} (t = {float(temps[k // C]):.4g}) has a non-finite loss at sweep "
                f"{sweep}, layer {l}", chain=k % C, step=sweep,
                partial=energy[:, :max(sweep - burn, 0)].reshape(T, C, -1).cpu().numpy())

    def damp_step(log_d: torch.Tensor, sweep: int, rate: torch.Tensor) -> torch.Tensor:
        """One burn-in step of a log damping towards the target acceptance: a constant gain first (damping
        may need many decades), then decaying."""
        fast = max(1, burn // 5)
        gain = 1.0 if sweep < fast else 1.0 / (1.0 + sweep - fast) ** 0.6
        return (log_d - 4.0 * gain * (rate - target)).clamp(min=math.log(1e-12), max=math.log(1e14))

    def adapt(l: int, sweep: int, rate: torch.Tensor) -> None:
        """Damping towards the target acceptance during burn-in (per temperature); acceptance after."""
        if sweep < burn:
            log_damp[:, l] = damp_step(log_damp[:, l], sweep, rate)
        else:
            acc_sum[:, l] += rate

    def adapt_units(l: int, sweep: int, rate: torch.Tensor) -> None:
        """Per-unit damping towards the target acceptance during burn-in; ``rate`` (T, units)."""
        nu = rate.shape[1]
        if sweep < burn:
            log_damp_u[:, l, :nu] = damp_step(log_damp_u[:, l, :nu], sweep, rate)
            log_damp[:, l] = log_damp_u[:, l, :nu].mean(1)
        else:
            acc_sum[:, l] += rate.mean(1)

    def unit_sweep(l: int, chol: torch.Tensor, sweep: int) -> tuple[torch.Tensor, torch.Tensor]:
        """One Metropolis–Hastings move per unit of the last hidden layer ``l``, unit after unit.

        Unit ``j`` alone moves (proposal as in :func:`row_move`, its block of the frozen precision), so
        each 65-dimensional move is accepted on its own and not only jointly with the layer's other
        units.  The output is linear in the hidden layer, ``f = ĥ Ŵ_{l+1}ᵀ``, so a move of unit ``j``
        changes it by ``(h'_j − h_j) Ŵ_{l+1}[:, j]``: loss and gradient are updated in O(n (in + N))
        without a pass through the network.  Returns the loss after the sweep and the mean acceptance
        per temperature.
        """
        lay, nxt = spec.layers[l], spec.layers[l + 1]
        hh = augment(hs[l], lay.has_bias, cs[l])
        hb = hh if hh.ndim == 3 else hh.unsqueeze(0)                      # (K or 1, n, p)
        W = params[l].clone()
        W2 = params[l + 1]
        hcur = hs[l + 1].clone()                                           # (K, n, out): σ(z)
        f = torch.matmul(augment(hcur, nxt.has_bias, cs[l + 1]), W2.transpose(-1, -2))
        loss = _loss(kind, f, y)
        check_finite(loss, sweep, l)
        tK = t.reshape(K, 1)
        rate = torch.zeros((K, lay.out_features), dtype=dtype, device=device)

        def act_grad(z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            with torch.enable_grad():
                zg = z.detach().requires_grad_(True)
                hz = lay.activation(zg)
                sl, = torch.autograd.grad(hz.sum(), zg)
            return hz.detach(), sl

        def grad_unit(sl: torch.Tensor, ff: torch.Tensor, w2j: torch.Tensor) -> torch.Tensor:
            r = (_dloss(kind, ff, y) * w2j.unsqueeze(1)).sum(-1) * sl        # (K, n)
            return torch.matmul(r.unsqueeze(1), hb).squeeze(1)              # (K, p)

        def propose(j: int, wp: torch.Tensor, w2j: torch.Tensor, f: torch.Tensor):
            zp = torch.matmul(hb, wp.unsqueeze(-1)).squeeze(-1)
            hp, slp = act_grad(zp)
            fp = f + (hp - hcur[:, :, j]).unsqueeze(-1) * w2j.unsqueeze(1)
            return hp, slp, fp, _loss(kind, fp, y)

        def settle(j: int, ok: torch.Tensor, wp: torch.Tensor, hp: torch.Tensor, fp: torch.Tensor, lossp: torch.Tensor,
                   f: torch.Tensor, loss: torch.Tensor):
            W[:, j, :] = torch.where(ok.unsqueeze(-1), wp, W[:, j, :])
            hcur[:, :, j] = torch.where(ok.unsqueeze(-1), hp, hcur[:, :, j])
            return torch.where(ok.reshape(K, 1, 1), fp, f), torch.where(ok, lossp, loss)

        def finite(log_a: torch.Tensor, lossp: torch.Tensor) -> torch.Tensor:
            return torch.where(torch.isfinite(log_a) & torch.isfinite(lossp), log_a, torch.full_like(log_a, -math.inf))

        rho_u = orbit_scale(l, params).reshape(K, -1)
        for j in range(lay.out_features):
            wj, w2j, Lc = W[:, j, :], W2[:, :, j], chol[:, j]
            Dj, sj = gam[l][:, j, :], star[l][:, j, :]
            kink = None if kinks[l] is None else kinks[l][j]
            zj = torch.matmul(hb, wj.unsqueeze(-1)).squeeze(-1)             # (K, n)
            _, sl = act_grad(zj)
            gU = tK * grad_unit(sl, f, w2j) + Dj * (wj - sj)
            # the Gauss–Newton (MALA) move; for a unit with data points on its kink at w*, within the creases'
            # tangent space (coordinates c, w = w_j + B c: the kinks' pre-activations unchanged, so no move
            # crosses them), followed by a random walk along the kinks' normals (see KINK_MOVES)
            B = None if kink is None else kink[1]                            # (p, p - k)
            # Bᵀ P B = (Lcᵀ B)ᵀ (Lcᵀ B): its Cholesky factor from a QR of Lcᵀ B, without forming the product (whose
            # condition number, squared, defeats a Cholesky factorisation from t ≈ 1e14 on the digits MLP)
            Lm = Lc if B is None else _chol_of_gram(Lc.transpose(-1, -2) @ B)
            xi = torch.randn((K, Lm.shape[-1]), generator=gen, dtype=dtype, device=device)
            noise = torch.linalg.solve_triangular(Lm.transpose(-1, -2), xi.unsqueeze(-1), upper=True).squeeze(-1)
            c = -torch.cholesky_solve((gU if B is None else gU @ B).unsqueeze(-1), Lm).squeeze(-1) + noise
            wp = wj + (c if B is None else c @ B.transpose(0, 1))
            hp, slp, fp, lossp = propose(j, wp, w2j, f)
            gUp = tK * grad_unit(slp, fp, w2j) + Dj * (wp - sj)
            back = -c + torch.cholesky_solve((gUp if B is None else gUp @ B).unsqueeze(-1), Lm).squeeze(-1)
            quad = (Lm.transpose(-1, -2) @ back.unsqueeze(-1)).squeeze(-1)
            log_a = finite(t * (loss - lossp) + 0.5 * (Dj * ((wj - sj) ** 2 - (wp - sj) ** 2)).sum(-1)
                           - 0.5 * (quad ** 2).sum(-1) + 0.5 * (xi ** 2).sum(-1), lossp)
            ok = torch.log(torch.rand(K, generator=gen, dtype=dtype, device=device)) < log_a
            f, loss = settle(j, ok, wp, hp, fp, lossp, f, loss)
            rate[:, j] = torch.exp(log_a.clamp(max=0.0))
            if kink is None:
                continue
            R = kink[0]                                                      # (k, p): the kinks' inputs
            wj = W[:, j, :].clone()
            # normal move: w + U s, U = P⁻¹ Rᵀ (R P⁻¹ Rᵀ)⁻¹ (moves the kinks' z by s, least in P's norm)
            PiR = torch.cholesky_solve(R.transpose(0, 1).expand(K, -1, -1), Lc)                # (K, p, k)
            U = PiR @ torch.linalg.inv(R @ PiR)
            sig = torch.exp(log_kink[:, l, j]).repeat_interleave(C).reshape(K, 1)
            # in the unit's scale on its rescaling orbit, read off the next layer (fixed during this move: the
            # walk stays symmetric): ‖ŵ*_j‖ max_i ‖x̂_i‖ / √ρ_j
            zscale = (R.norm(dim=1).max() * sj.norm(dim=1, keepdim=True)) / rho_u[:, j:j + 1].sqrt()
            s_ = sig * zscale * torch.randn((K, R.shape[0]), generator=gen, dtype=dtype, device=device)
            wp = wj + (U @ s_.unsqueeze(-1)).squeeze(-1)
            hp, slp, fp, lossp = propose(j, wp, w2j, f)
            log_n = finite(t * (loss - lossp) + 0.5 * (Dj * ((wj - sj) ** 2 - (wp - sj) ** 2)).sum(-1), lossp)
            ok = torch.log(torch.rand(K, generator=gen, dtype=dtype, device=device)) < log_n
            f, loss = settle(j, ok, wp, hp, fp, lossp, f, loss)
            if sweep < burn:      # the normal step towards an acceptance of 0.44, per temperature
                log_kink[:, l, j] = walk_step(log_kink[:, l, j], sweep,
                                              torch.exp(log_n.clamp(max=0.0)).reshape(T, C).mean(1), low=1e-16)
        params[l] = W
        hs[l + 1] = hcur
        return loss, rate.reshape(T, C, -1).mean(1)

    n_rec = n_sweeps - burn
    energy = torch.empty((K, n_rec), dtype=dtype, device=device)
    burn_energy = torch.empty((K, burn), dtype=dtype, device=device)
    sq = torch.empty((K, n_rec), dtype=dtype, device=device)
    acc_sum = torch.zeros((T, L), dtype=dtype, device=device)
    needs_mc = [not spec.linear_after(l) for l in range(L)]
    rowwise = [needs_mc[l] and rowwise_ok(l) for l in range(L)]
    # the last hidden layer before a linear output layer: one move per unit (see `unit_sweep`)
    unitwise = [UNIT_MOVES and rowwise[l] and l == L - 2 and spec.layers[l + 1].activation is None for l in range(L)]
    row_avg: list = [None] * L
    row_chol: list = [None] * L
    row_n = [0] * L
    # data points on a unit's kink at w* (an exact minimum of a ReLU network lies on such creases, see
    # slt.relu): per unit of a unit-wise first layer, the rows x̂_i with z*_ij = 0 (inputs shared by all walkers)
    kinks: list = [None] * L
    for l in range(L):
        if KINK_MOVES and unitwise[l] and l == 0 and spec.layers[l].homogeneous:
            xa = augment(x, spec.layers[l].has_bias, cs[l])
            zs = xa @ star[l][0].transpose(0, 1)                               # (n, out)
            tol = 1e-9 * zs.abs().amax(0).clamp(min=1e-300)
            basis = []
            for j in range(zs.shape[1]):
                r = xa[(zs[:, j].abs() <= tol[j]).nonzero().flatten()]             # (k, p): the kinks' inputs
                q = torch.linalg.qr(r.transpose(0, 1), mode="complete")[0] if 0 < r.shape[0] < r.shape[1] else None
                basis.append(None if q is None else (r, q[:, r.shape[0]:]))       # and the tangent basis (p, p - k)
            kinks[l] = basis if any(b is not None for b in basis) else None
    log_kink = torch.full((T, L, max(lay.out_features for lay in spec.layers)), math.log(1e-3), dtype=dtype,
                          device=device)
    # with linear downstream maps everywhere (deep linear networks) every state is evaluated once:
    # a proposal's backward pass also gives the later layers' gradients, carried to their updates
    carrying = not any(needs_mc)
    current_loss = None
    sweep = 0
    try:
        for sweep in tqdm(range(n_sweeps), disable=not progress, desc=desc, leave=False):
            carry: _Eval | None = None
            for l, lay in enumerate(spec.layers):
                h = hs[l]
                W = params[l]
                tt = t.reshape(K, 1, 1)
                D = gam[l]
                if rowwise[l]:
                    # the proposal's curvature: the mean of the unit-wise blocks over the states of the
                    # burn-in (restarted half-way), then fixed, so that it is the same at W and W'
                    learning = sweep < burn
                    if sweep == burn // 2:
                        row_n[l] = 0                 # restart the average half-way through the burn-in
                    # the blocks (K out (in+1)² n operations) on every CURVATURE_EVERY-th state of the burn-in
                    measure = learning and (sweep % CURVATURE_EVERY == 0 or row_avg[l] is None)
                    cur = (evaluate_rows(l, h, W, params, curvature=measure) if measure or not unitwise[l] else None)
                    rho = orbit_scale(l, params)
                    if measure:
                        row_n[l] += 1
                        now = (cur.blocks / rho, cur.metric / rho)
                        if row_n[l] == 1:
                            row_avg[l] = now
                        else:
                            row_avg[l] = tuple(a + (b - a) / row_n[l] for a, b in zip(row_avg[l], now))
                    if learning or row_chol[l] is None or l + 1 < L:     # ρ moves with the next layer
                        if unitwise[l] and UNIT_DAMPING:
                            nu = lay.out_features
                            delta = torch.exp(log_damp_u[:, l, :nu]).repeat_interleave(C, dim=0).reshape(K, nu, 1)
                        else:
                            delta = torch.exp(log_damp[:, l]).repeat_interleave(C).reshape(K, 1, 1)
                        row_chol[l] = row_precision(l, tt, delta, rho)
                    if unitwise[l]:
                        current_loss, rate = unit_sweep(l, row_chol[l], sweep)
                        carry = None
                        if UNIT_DAMPING:
                            adapt_units(l, sweep, rate)
                        else:
                            adapt(l, sweep, rate.mean(1))
                        continue
                    prop, Wp, log_fwd, log_bwd = row_move(l, h, W, cur, tt, row_chol[l], D)
                else:
                    # Levenberg–Marquardt damping in units of the localization, adapted during burn-in
                    damp = gbar[l] * (1.0 + torch.exp(log_damp[:, l]).repeat_interleave(C).reshape(K, 1, 1))
                    if l == 0:
                        a, Ua = a0.expand(K, -1), U0.expand(K, *U0.shape)
                    else:
                        hh = augment(h, lay.has_bias, cs[l])
                        if hh.shape[-2] <= 4 * hh.shape[-1]:
                            a, Ua = _gram_eig(hh / math.sqrt(n))
                        else:                                  # many rows: the Gram matrix is far cheaper
                            a, Ua = torch.linalg.eigh(hh.transpose(-1, -2) @ hh / n)
                            a = a.clamp(min=0)
                    u = None
                    if needs_mc[l]:
                        shape = (K, n, spec.layers[-1].out_features) if kind == "mse" else (K, n)
                        u = (torch.randn(shape, generator=gen, dtype=dtype, device=device) if kind == "mse"
                             else torch.rand(shape, generator=gen, dtype=dtype, device=device))
                    if carry is not None and not needs_mc[l]:
                        # carried from the previous update (same state): only the factor is new
                        s_val, s_vec = linear_factor(l, params, carry.acts[-1])
                        cur = _Eval(carry.loss, carry.g_rest[0], s_val, s_vec, carry.acts,
                                    carry.g_rest[1:])
                    else:
                        cur = evaluate(l, h, W, params, u, with_rest=carrying)
                    P = tt * cur.s_val.unsqueeze(-1) * a.unsqueeze(-2) + damp
                    gU = tt * cur.grad + D * (W - star[l])
                    g_rot = cur.s_vec.transpose(-1, -2) @ gU @ Ua
                    xi = torch.randn(P.shape, generator=gen, dtype=dtype, device=device)
                    step_rot = -g_rot / P + xi / torch.sqrt(P)
                    Wp = W + cur.s_vec @ step_rot @ Ua.transpose(-1, -2)
                    # with a linear downstream map and a loss Hessian independent of the state (mse), the
                    # output factor depends on the later layers only: the same at W and W'
                    same = cur if (u is None and kind == "mse") else None
                    prop = evaluate(l, h, Wp, params[:l] + [Wp] + params[l + 1:], u, reuse=same, with_rest=carrying)
                    Pp = tt * prop.s_val.unsqueeze(-1) * a.unsqueeze(-2) + damp
                    gUp = tt * prop.grad + D * (Wp - star[l])
                    g_rot_p = prop.s_vec.transpose(-1, -2) @ gUp @ Ua
                    back_rot = prop.s_vec.transpose(-1, -2) @ (W - Wp) @ Ua
                    log_fwd = -0.5 * (xi ** 2).sum(dim=(1, 2)) + 0.5 * torch.log(P).sum(dim=(1, 2))
                    log_bwd = (-0.5 * (Pp * (back_rot + g_rot_p / Pp) ** 2).sum(dim=(1, 2))
                               + 0.5 * torch.log(Pp).sum(dim=(1, 2)))
                check_finite(cur.loss, sweep, l)
                dU = (t * (cur.loss - prop.loss)
                      + 0.5 * (D * ((W - star[l]) ** 2 - (Wp - star[l]) ** 2)).sum(dim=(1, 2)))
                log_a = dU + log_bwd - log_fwd
                log_a = torch.where(torch.isfinite(log_a) & torch.isfinite(prop.loss), log_a,
                                    torch.full_like(log_a, -math.inf))
                accept = torch.log(torch.rand(K, generator=gen, dtype=dtype, device=device)) < log_a
                acc3 = accept.reshape(K, 1, 1)
                params[l] = torch.where(acc3, Wp, W)
                for j, (ac, ap) in enumerate(zip(cur.acts[:-1], prop.acts[:-1])):
                    hs[l + 1 + j] = torch.where(acc3, ap, ac)
                current_loss = torch.where(accept, prop.loss, cur.loss)
                carry = None
                if carrying and l + 1 < L:
                    carry = _Eval(current_loss, cur.grad, cur.s_val, cur.s_vec,
                                  [torch.where(acc3, ap, ac) for ac, ap in zip(cur.acts[1:], prop.acts[1:])],
                                  tuple(torch.where(acc3, gp, gc) for gc, gp in zip(cur.g_rest, prop.g_rest)))
                adapt(l, sweep, torch.exp(log_a.clamp(max=0.0)).reshape(T, C).mean(1))
            for l in range(L):
                if scalable[l]:
                    rescale_move(l, sweep)
            e = current_loss - l_star
            dist = sum((g * (p - s) ** 2).sum(dim=(1, 2)) for g, p, s in zip(gam, params, star))
            if sweep < burn:
                burn_energy[:, sweep] = e
            else:
                energy[:, sweep - burn] = e
                sq[:, sweep - burn] = dist
            if callback is not None:
                callback(sweep)
    except torch.linalg.LinAlgError as exc:      # a factorisation failed: name the sweep, keep the trace
        partial = energy[:, :max(sweep - burn, 0)].reshape(T, C, -1).cpu().numpy()
        raise EstimatorDivergenceError(f"ladder: a linear-algebra step failed at sweep {sweep} ({exc})", step=sweep,
                                       partial=partial) from exc
    final = flatten_params(spec, model, params, cs).reshape(T, C, -1)
    return SamplerRun(energy.reshape(T, C, -1).cpu().numpy(), burn_energy.reshape(T, C, -1).cpu().numpy(),
                     (acc_sum / max(n_rec, 1)).cpu().numpy(), torch.exp(log_damp).cpu().numpy(), final,
                     sq.reshape(T, C, -1).cpu().numpy())


def _rescale_exponent(layer: Layer, after: Layer) -> int:
    """``k`` in the Jacobian ``α^k`` of scaling a unit's incoming weights (and bias) by ``α`` and its
    outgoing weights by ``1/α``: ``in + has_bias − out`` of the next layer."""
    return layer.in_features + int(layer.has_bias) - after.out_features


def forward_all(spec: MLPSpec, x: torch.Tensor, params: list[torch.Tensor],
                bias_scale: list[float] | None = None) -> torch.Tensor:
    """The network output (K, n, N) for walker-batched augmented weights."""
    h = x
    for i, (lay, W) in enumerate(zip(spec.layers, params)):
        c = 1.0 if bias_scale is None else bias_scale[i]
        z = torch.matmul(augment(h, lay.has_bias, c), W.transpose(-1, -2))
        h = z if lay.activation is None else lay.activation(z)
    return h if h.ndim == 3 else h.unsqueeze(0)
