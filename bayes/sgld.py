"""Stochastic-gradient Langevin dynamics (SGLD) and its Metropolis-adjusted variant (MALA), vmapped over chains.

The target is the localized tempered posterior of Lau et al. (2023),

    p(w) ∝ exp(−n β L(w) − (γ/2) |w − w*|²) φ(w),

where ``L`` is the average loss over the data, ``n`` the number of data points,
``β`` the inverse temperature, ``γ`` the localization strength and ``φ`` an
optional prior density.  All chains are advanced together: the loss is evaluated for every
chain in one ``torch.func.vmap`` call and differentiated in one reverse pass,
never a Python loop over chains.

The sampler reads in three parts, like :func:`bayes.sample`:

- set-up, :func:`_setup`: every argument checked before any work (memory included), the
  vmapped loss and potential gradient built once, the loss at the start (a :class:`_Config`);
- step, :func:`_step`: one SGLD or MALA move of all chains, ``(config, state, gen) -> (state, info)``
  on the :class:`_State` and :class:`_Info` tuples;
- diagnostics, :func:`_check_step`: a non-finite or exploding chain raises
  :class:`~bayes.errors.SamplerDivergenceError` naming the chain and the step, with the draws so far.

:func:`sgld` is the loop that strings them together and records the draws.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Callable, NamedTuple, Sequence

import torch
from torch.func import vmap

from pdcheck import (MIN_DRIFT_LENGTH, as_torch_generator, check_bool, check_callable, check_choice, check_int,
                     check_memory, check_positive, drift_check)
from bayes.errors import SamplerDivergenceError

__all__ = ["SGLDResult", "ChainDrift", "sgld"]


class ChainDrift(NamedTuple):
    """Per-chain drift of a recorded trace (see :meth:`SGLDResult.drift`).

    Attributes
    ----------
    drift : torch.Tensor
        Shape ``(n_chains,)``: change of the running mean of the loss over the last half.
    drift_stderr : torch.Tensor
        Its standard error under stationarity (batch means, von Neumann variance).
    drifting : torch.Tensor of bool
        Chains flagged (beyond a Student-t widened 3 standard errors).
    n_draws : int
        Draws per chain in the trace.
    """

    drift: torch.Tensor
    drift_stderr: torch.Tensor
    drifting: torch.Tensor
    n_draws: int


class SGLDResult(NamedTuple):
    """Draws of :func:`sgld` with the loss at every draw.

    Attributes
    ----------
    draws : torch.Tensor
        Shape ``(n_chains, n_draws, d)``: the chain states after each kept step.
    loss : torch.Tensor
        Shape ``(n_chains, n_draws)``: the loss L(w) at each draw (the mini-batch loss
        of the step that produced the draw, evaluated where that step started, or the
        full-batch loss at the draw itself with ``record="full"``).
    init_loss : torch.Tensor
        Shape ``(n_chains,)``: the full-batch loss at each chain's initial point.
    acceptance : torch.Tensor or None
        Shape ``(n_chains,)``: Metropolis acceptance rate per chain (``mala=True`` only).
    step_size : torch.Tensor
        Shape ``(n_chains,)``: the step size ε used by each chain.
    beta : torch.Tensor
        Shape ``(n_chains,)``: the inverse temperature of each chain.
    n : float
        The number of data points that scales the loss.
    localization : float
        The localization strength γ.
    n_steps : int
        The number of steps taken (including burn-in).
    """

    draws: torch.Tensor
    loss: torch.Tensor
    init_loss: torch.Tensor
    acceptance: torch.Tensor | None
    step_size: torch.Tensor
    beta: torch.Tensor
    n: float
    localization: float
    n_steps: int

    def mean_loss(self) -> torch.Tensor:
        """Per-chain mean of the recorded loss, shape ``(n_chains,)``."""
        return self.loss.mean(dim=1)

    def drift(self, *, z: float = 3.0, warn: bool = True) -> "ChainDrift":
        """Is each chain's loss trace still drifting? (:func:`pdcheck.drift_check` per chain.)

        The loss averages that estimators read from these draws (``mean_loss``, the LLC)
        assume a stationary chain; a chain whose running mean still moves over the last half
        of its draws has not equilibrated (step size, burn-in or chain length).

        Parameters
        ----------
        z : float, default 3.0
            Flag level in standard errors (Student-t widened).
        warn : bool, default True
            Emit a RuntimeWarning naming the drifting chains.

        Returns
        -------
        ChainDrift
            ``drift``, ``drift_stderr`` and ``drifting``, one per chain (NaN and not flagged
            with fewer than 16 draws).

        Examples
        --------
        >>> import torch
        >>> res = sgld(lambda w: 0.5 * (w ** 2).sum(-1), torch.zeros(1, dtype=torch.float64), n_chains=4,
        ...            n_steps=2000, burn=500, step_size=1e-3, beta=1.0, n=100, localization=0.0, seed=0,
        ...            progress=False)
        >>> res.drift().drifting.tolist()
        [False, False, False, False]
        """
        warn = check_bool("warn", warn)
        loss = self.loss.detach().to("cpu", torch.float64).numpy()
        c, n = loss.shape
        drift, se = [math.nan] * c, [math.nan] * c
        flags = [False] * c
        if n >= MIN_DRIFT_LENGTH:
            for i in range(c):
                if float(loss[i].max() - loss[i].min()) == 0.0:
                    drift[i] = se[i] = 0.0
                    continue
                r = drift_check(loss[i], z=z)
                drift[i], se[i], flags[i] = r.drift, r.drift_stderr, r.drifting
        out = ChainDrift(torch.tensor(drift, dtype=torch.float64), torch.tensor(se, dtype=torch.float64),
                         torch.tensor(flags), n)
        if warn and any(flags):
            bad = [i for i, f in enumerate(flags) if f]
            warnings.warn(f"SGLD chain(s) {bad} of {c} still drifting: the loss of chain {bad[0]} moved by "
                          f"{drift[bad[0]]:+.3g} over the last half of its {n} draws (standard error "
                          f"{se[bad[0]]:.2g}); averages of these draws are not equilibrium values: lower the step "
                          "size or run longer", RuntimeWarning, stacklevel=2)
        return out

    def to_inference_data(self, *, var_name: str = "w", log_likelihood: Callable[[Any], Any] | None = None,
                          observed: Any = None) -> Any:
        """The draws as ArviZ InferenceData (DataTree on arviz >= 1), with ArviZ's conventions.

        Parameters
        ----------
        var_name : str, default "w"
        log_likelihood : callable, optional
            ``w -> (..., n)``: the log likelihood of each observation at parameters ``w`` (numpy,
            shape ``(m, d)``). Evaluated at every draw and stored in the ``log_likelihood`` group
            (dims chain, draw, obs), which ``arviz.waic``/``arviz.loo`` read.
        observed : array_like, shape (n,), optional
            The observations (``observed_data``).

        Returns
        -------
        InferenceData or DataTree
            ``posterior[var_name]`` (chain, draw, param); ``sample_stats``: ``loss`` and ``beta``;
            attrs: step sizes, ``n``, ``localization``, acceptance (MALA).

        Examples
        --------
        >>> import numpy as np
        >>> pot = lambda w: 0.5 * (w ** 2).sum()
        >>> res = sgld(pot, torch.zeros(1, dtype=torch.float64), n_chains=2, n_steps=50, step_size=0.01,
        ...            beta=1.0, n=10, seed=0, progress=False)
        >>> y = np.array([0.1, -0.2, 0.3])
        >>> idata = res.to_inference_data(log_likelihood=lambda w: -0.5 * (y - w[..., :1]) ** 2, observed=y)
        >>> idata.log_likelihood["w"].dims, idata.log_likelihood["w"].shape
        (('chain', 'draw', 'obs'), (2, 50, 3))
        """
        import numpy as np

        from bayes._idata import to_idata

        if not isinstance(var_name, str) or not var_name.isidentifier():
            raise ValueError(f"`var_name` must be a Python identifier, got {var_name!r}")
        check_callable("log_likelihood", log_likelihood, optional=True)
        draws = self.draws.detach().cpu().to(torch.float64).numpy()
        k, m, d = draws.shape
        loss = self.loss.detach().cpu().to(torch.float64).numpy()
        beta = np.broadcast_to(self.beta.detach().cpu().to(torch.float64).numpy()[:, None], (k, m))
        ll = None
        if log_likelihood is not None:
            ll = np.asarray(log_likelihood(draws.reshape(-1, d)), dtype=float)
            if ll.ndim != 2 or ll.shape[0] != k * m:
                raise ValueError(f"`log_likelihood` must return one row of per-observation values per draw: "
                                 f"shape ({k * m}, n), got {ll.shape}")
            ll = ll.reshape(k, m, -1)
        obs = None
        if observed is not None:
            from pdcheck import check_array

            obs = check_array("observed", observed, ndim=1, finite=False)
            if ll is not None and obs.shape[0] != ll.shape[-1]:
                raise ValueError(f"`observed` has {obs.shape[0]} entries but `log_likelihood` gives "
                                 f"{ll.shape[-1]} per draw")
        attrs = {"sampler": "bayes.sgld", "step_size": self.step_size.detach().cpu().tolist(), "n": self.n,
                 "localization": self.localization, "n_steps": self.n_steps}
        if self.acceptance is not None:
            attrs["acceptance"] = self.acceptance.detach().cpu().tolist()
        return to_idata(draws, var_name=var_name, stats={"loss": loss, "beta": np.array(beta)}, attrs=attrs,
                        log_likelihood=ll, observed=obs)


class _Config(NamedTuple):
    """Everything :func:`_step` needs, fixed by :func:`_setup`: the checked options and the vmapped pieces."""

    init: torch.Tensor            # (n_chains, d) start
    init_loss: torch.Tensor       # (n_chains,) full-batch loss at the start
    eps: torch.Tensor             # (n_chains,) step sizes
    betas: torch.Tensor           # (n_chains,) inverse temperatures
    n: float
    gamma: float
    tensors: tuple | None         # the data
    n_data: int
    batch_size: int | None
    mala: bool
    noise: bool
    record: str
    limit: float                  # a |loss| above it is an explosion
    grad_batch: Callable          # (w, *batch) -> (gradient of the potential, (potential, loss))
    grad_full: Callable           # (w) -> the same on the full data
    loss_full: Callable           # (w) -> full-batch loss, (n_chains,)


class _State(NamedTuple):
    """The chains between steps; MALA keeps the full-batch gradient and potential at `w`."""

    w: torch.Tensor               # (n_chains, d)
    loss: torch.Tensor            # (n_chains,)
    grad: torch.Tensor | None = None
    u: torch.Tensor | None = None


class _Info(NamedTuple):
    """What one step reports: the loss to record and, for MALA, which proposals were accepted."""

    loss: torch.Tensor
    accepted: torch.Tensor | None


def _per_chain(name: str, value: Any, n_chains: int, dtype: torch.dtype, device: Any, *,
               allow_zero: bool) -> torch.Tensor:
    """A positive scalar or a length-``n_chains`` sequence, as a tensor of shape ``(n_chains,)``."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().reshape(-1).tolist()
        if len(value) == 1:
            value = value[0]
    elif hasattr(value, "tolist") and not isinstance(value, (list, tuple)):  # numpy arrays and scalars
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        if len(value) != n_chains:
            raise ValueError(f"`{name}` must be a number or have one entry per chain ({n_chains}), "
                             f"got {len(value)} entries")
        vals = [check_positive(name, v, allow_zero=allow_zero) for v in value]
        return torch.tensor(vals, dtype=dtype, device=device)
    v = check_positive(name, value, allow_zero=allow_zero)
    return torch.full((n_chains,), v, dtype=dtype, device=device)


def _as_data(data: Any, like: torch.Tensor) -> tuple[torch.Tensor, ...] | None:
    """The data as a tuple of tensors on the device of `like`; numpy arrays are converted (floating
    ones to the dtype of `like`, so the loss sees one dtype)."""
    if data is None:
        return None
    if isinstance(data, torch.Tensor) or hasattr(data, "__array_interface__"):
        data = (data,)
    if not isinstance(data, (tuple, list)):
        raise TypeError(f"`data` must be None, a tensor or a tuple of tensors, got {type(data).__name__}")
    out = []
    for i, t in enumerate(data):
        if not isinstance(t, torch.Tensor):
            if not hasattr(t, "__array_interface__"):
                raise TypeError(f"`data` must be None, a tensor or a tuple of tensors (or numpy arrays), but "
                                f"entry {i} is {type(t).__name__}")
            try:
                t = torch.as_tensor(t, device=like.device)
            except (TypeError, RuntimeError) as exc:
                raise TypeError(f"`data` entry {i} cannot be converted to a tensor: {exc}") from None
            if t.is_floating_point():
                t = t.to(like.dtype)
        elif t.device != like.device:
            raise ValueError(f"`data` entry {i} is on device {t.device} but `params` on {like.device}")
        out.append(t)
    if len(out) == 0:
        raise ValueError("`data` must hold at least one tensor, got an empty tuple")
    sizes = {int(t.shape[0]) if t.ndim else -1 for t in out}
    if len(sizes) != 1 or -1 in sizes:
        raise ValueError(f"`data` tensors must share their leading (data-point) dimension, got shapes "
                         f"{[tuple(t.shape) for t in out]}")
    if sizes.pop() < 1:
        raise ValueError("`data` must hold at least one data point")
    return tuple(out)


def _initial_point(params: Any, n_chains: int) -> torch.Tensor:
    if not isinstance(params, torch.Tensor):
        raise TypeError(f"`params` must be a torch.Tensor, got {type(params).__name__}")
    if params.ndim == 1:
        init = params.detach().clone().unsqueeze(0).expand(n_chains, -1).clone()
    elif params.ndim == 2 and params.shape[0] == n_chains:
        init = params.detach().clone()
    else:
        raise ValueError(f"`params` must have shape (d,) or (n_chains, d) = ({n_chains}, d), "
                         f"got {tuple(params.shape)}")
    if init.shape[1] < 1:
        raise ValueError("`params` must have at least one component")
    if not init.is_floating_point():
        raise TypeError(f"`params` must be a floating-point tensor, got dtype {init.dtype}")
    if not torch.isfinite(init).all():
        raise ValueError("`params` must be finite (no NaN or inf)")
    return init


def _potential(loss_fn: Callable, log_prior: Callable | None, n_t: int, with_data: bool, vectorized: bool,
               gamma: float, center: torch.Tensor) -> tuple[Callable, Callable, Callable]:
    """The vmapped loss and the gradient of the potential U = n beta L + (gamma/2)|w - w*|^2 - log phi.

    The forward pass is vmapped over chains; one reverse pass over the sum of the chains'
    potentials gives every chain's gradient (chains do not interact). This is several times
    faster than ``vmap(grad(...))`` for small models and gives the same numbers.
    """
    def _loss(w, *batch):
        return loss_fn(w, *batch) if with_data else loss_fn(w)

    if vectorized:
        loss_batch = loss_full = _loss
        prior = log_prior
    else:
        loss_batch = vmap(_loss, in_dims=(0,) + (0,) * n_t)
        loss_full = vmap(_loss, in_dims=(0,) + (None,) * n_t)
        prior = vmap(log_prior) if log_prior is not None else None

    def make_grad(v_loss: Callable) -> Callable:
        def grad(w, nb, *batch):
            with torch.enable_grad():
                wr = w.detach().requires_grad_(True)
                loss = v_loss(wr, *batch)
                if loss.shape != (w.shape[0],):
                    raise ValueError(f"`loss_fn` must return one scalar per parameter vector, got shape "
                                     f"{tuple(loss.shape)} for {w.shape[0]} chains")
                u = nb * loss + 0.5 * gamma * ((wr - center) ** 2).sum(1)
                if prior is not None:
                    u = u - prior(wr)
                (g,) = torch.autograd.grad(u.sum(), wr)
            return g.detach(), (u.detach(), loss.detach())
        return grad

    return loss_full, make_grad(loss_batch), make_grad(loss_full)


def _setup(loss_fn: Callable, params: Any, data: Any, *, n_chains: int, n_steps: int, step_size: Any, beta: Any,
           n: float, localization: float, center: Any, batch_size: int | None, log_prior: Callable | None,
           mala: bool, noise: bool, burn: int, thin: int, record: str, max_loss: float | None,
           vectorized: bool, seed: Any) -> tuple[_Config, torch.Generator]:
    """Check every argument (before any work) and build the sampler's fixed pieces and its generator."""
    check_callable("loss_fn", loss_fn)
    n_chains = check_int("n_chains", n_chains, low=1)
    n_steps = check_int("n_steps", n_steps, low=1)
    burn = check_int("burn", burn, low=0, high=n_steps - 1)
    thin = check_int("thin", thin, low=1)
    n = check_positive("n", n)
    gamma = check_positive("localization", localization, allow_zero=True)
    record = check_choice("record", record, ("batch", "full"))
    for name, flag in (("mala", mala), ("noise", noise), ("vectorized", vectorized)):
        check_bool(name, flag)
    if isinstance(params, torch.Tensor) and params.ndim in (1, 2):
        d = int(params.shape[-1])
        n_keep = (n_steps - burn + thin - 1) // thin
        check_memory(f"sgld with {n_chains} chains x {n_keep} kept draws of dimension {d}",
                     params.element_size() * n_chains * (n_keep * (d + 1) + 8 * d))
    init = _initial_point(params, n_chains)
    dtype, device = init.dtype, init.device
    eps = _per_chain("step_size", step_size, n_chains, dtype, device, allow_zero=False)
    betas = _per_chain("beta", beta, n_chains, dtype, device, allow_zero=True)
    if center is None:
        c = init[0].clone()
    else:
        if not isinstance(center, torch.Tensor) or center.shape != init.shape[1:]:
            raise ValueError(f"`center` must be a tensor of shape {tuple(init.shape[1:])}, got "
                             f"{getattr(center, 'shape', type(center).__name__)}")
        c = center.detach().to(dtype=dtype, device=device)
        if not torch.isfinite(c).all():
            raise ValueError("`center` must be finite (no NaN or inf)")
    tensors = _as_data(data, init)
    n_data = int(tensors[0].shape[0]) if tensors is not None else 0
    if batch_size is not None:
        if tensors is None:
            raise ValueError("`batch_size` needs `data`; got data=None")
        batch_size = check_int("batch_size", batch_size, low=1, high=n_data)
    if mala and batch_size is not None and batch_size < n_data:
        raise ValueError(f"`mala=True` needs full batches: `batch_size` must be None or {n_data}, "
                         f"got {batch_size}")
    check_callable("log_prior", log_prior, optional=True)
    if max_loss is not None:
        max_loss = check_positive("max_loss", max_loss)
    per_point = sum(int(t[0].numel()) * t.element_size() for t in tensors) if tensors is not None else 0
    check_memory(f"sgld mini-batches of {n_chains} chains x {batch_size} points",
                 n_chains * (batch_size or 0) * per_point * 3)

    gen = as_torch_generator(seed, device)
    loss_full, grad_batch, grad_full = _potential(loss_fn, log_prior, len(tensors or ()), tensors is not None,
                                                  vectorized, gamma, c)
    try:
        with torch.no_grad():
            init_loss = loss_full(init, *(tensors or ())).detach()
    except (TypeError, ValueError, RuntimeError, IndexError) as exc:   # the user's loss failed: say where
        raise ValueError(f"`loss_fn` failed at `params`{' on `data`' if tensors is not None else ''}: "
                         f"{type(exc).__name__}: {exc}") from exc
    if not torch.isfinite(init_loss).all():
        bad = int((~torch.isfinite(init_loss)).nonzero()[0, 0])
        raise SamplerDivergenceError(f"the loss is not finite at the initial point of chain {bad} (step 0)",
                                     chain=bad, step=0, partial=None)
    limit = max_loss if max_loss is not None else 1e12 * (1.0 + float(init_loss.abs().max()))
    full = tensors or ()
    return _Config(init, init_loss, eps, betas, n, gamma, tensors, n_data, batch_size, mala, noise, record, limit,
                   grad_batch, lambda w, nb: grad_full(w, nb, *full), lambda w: loss_full(w, *full)), gen


def _initial_state(cfg: _Config) -> _State:
    if not cfg.mala:
        return _State(cfg.init, cfg.init_loss)
    g, (u, loss) = cfg.grad_full(cfg.init, cfg.n * cfg.betas)   # MALA caches the full-batch gradient
    return _State(cfg.init, loss, g, u)


def _step(cfg: _Config, state: _State, gen: torch.Generator) -> tuple[_State, _Info]:
    """One move of every chain: an SGLD step, or a MALA proposal and its Metropolis-Hastings decision."""
    w, nb = state.w, cfg.n * cfg.betas
    half = (0.5 * cfg.eps).unsqueeze(1)
    sqrt_eps = cfg.eps.sqrt().unsqueeze(1)
    if not cfg.mala:
        if cfg.batch_size is not None:
            idx = torch.randint(0, cfg.n_data, (w.shape[0], cfg.batch_size), generator=gen, device=w.device)
            g, (_, loss) = cfg.grad_batch(w, nb, *(t[idx] for t in cfg.tensors))
        else:
            g, (_, loss) = cfg.grad_full(w, nb)
        w_new = w - half * g
        if cfg.noise:
            w_new = w_new + sqrt_eps * torch.randn(w.shape, generator=gen, dtype=w.dtype, device=w.device)
        w_new = w_new.detach()
        if cfg.record == "full":
            loss = cfg.loss_full(w_new)
        return _State(w_new, loss.detach()), _Info(loss.detach(), None)
    g, u = state.grad, state.u
    xi = (torch.randn(w.shape, generator=gen, dtype=w.dtype, device=w.device) if cfg.noise
          else torch.zeros_like(w))
    prop = (w - half * g + sqrt_eps * xi).detach()
    g_p, (u_p, loss_p) = cfg.grad_full(prop, nb)
    fwd = ((prop - w + half * g) ** 2).sum(1)
    bwd = ((w - prop + half * g_p) ** 2).sum(1)
    log_alpha = -(u_p - u) - (bwd - fwd) / (2 * cfg.eps)
    log_alpha = torch.where(torch.isfinite(log_alpha), log_alpha, torch.full_like(log_alpha, -math.inf))
    acc = torch.log(torch.rand(w.shape[0], generator=gen, dtype=w.dtype, device=w.device)) < log_alpha
    a = acc.unsqueeze(1)
    new = _State(torch.where(a, prop, w), torch.where(acc, loss_p, state.loss).detach(),
                 torch.where(a, g_p, g).detach(), torch.where(acc, u_p, u).detach())
    return new, _Info(new.loss, acc)


def _check_step(cfg: _Config, state: _State, info: _Info, step: int, partial: Callable[[], "SGLDResult"]) -> None:
    """Diagnostics: a chain whose state or loss is not finite, or whose loss exceeds the limit, diverged."""
    loss = info.loss
    bad = ~(torch.isfinite(loss) & torch.isfinite(state.w).all(1) & (loss.abs() <= cfg.limit))
    if bool(bad.any()):
        chain = int(bad.nonzero()[0, 0])
        raise SamplerDivergenceError(
            f"SGLD chain {chain} diverged at step {step}: loss {float(loss[chain]):.3g} "
            f"(limit {cfg.limit:.3g}); reduce `step_size` (ε = {float(cfg.eps[chain]):.3g}) or raise "
            f"`localization`", chain=chain, step=step, partial=partial())


def sgld(loss_fn: Callable[..., torch.Tensor], params: torch.Tensor, data: Any = None, *,
         n_chains: int, n_steps: int, step_size: float | Sequence[float] | torch.Tensor,
         beta: float | Sequence[float] | torch.Tensor, n: float, localization: float = 0.0,
         center: torch.Tensor | None = None, batch_size: int | None = None,
         log_prior: Callable[[torch.Tensor], torch.Tensor] | None = None,
         mala: bool = False, noise: bool = True, burn: int = 0, thin: int = 1,
         record: str = "batch", max_loss: float | None = None, vectorized: bool = False,
         seed: Any = None, progress: bool = True) -> SGLDResult:
    r"""Sample the localized tempered posterior with SGLD (or MALA), all chains at once.

    Each step (Welling & Teh 2011; localized form of Lau et al. 2023) is

    .. math::
        w \leftarrow w + \tfrac{ε}{2}\big(−nβ\,∇\hat L_B(w) − γ(w − w^*) + ∇\log φ(w)\big)
        + \sqrt{ε}\,ξ,\qquad ξ \sim N(0, I),

    with :math:`\hat L_B` the mean loss over a mini-batch ``B`` drawn with replacement
    (the full data when ``batch_size`` is None).  With ``mala=True`` the same move is a
    proposal accepted with the Metropolis–Hastings probability on the full-batch target,
    which removes the discretisation bias (Roberts & Tweedie 1996).

    Parameters
    ----------
    loss_fn : callable
        ``loss_fn(w, *batch) -> scalar tensor``: the mean loss at one parameter vector
        ``w`` of shape ``(d,)`` on a batch (the tensors of `data` indexed along their first
        dimension).  With ``data=None`` it is ``loss_fn(w)``: a toy potential.  It must be
        written with torch operations that ``torch.func.vmap`` and ``grad`` can transform.
    params : torch.Tensor
        Initial point, shape ``(d,)`` (every chain starts there) or ``(n_chains, d)``.
    data : tensor, tuple of tensors or None
        The data set; all tensors share their leading dimension (the number of points).
        Numpy arrays are converted (floating ones to the dtype of `params`), on the device of `params`.
    n_chains, n_steps : int
        Number of chains and of steps per chain.
    step_size : float or sequence of floats
        ε, one value or one per chain.
    beta : float or sequence of floats
        Inverse temperature β >= 0, one value or one per chain (chains at several
        temperatures are advanced together).
    n : float
        The sample size that multiplies the loss (usually the number of data points).
    localization : float, default 0.0
        γ >= 0, the strength of the Gaussian pull towards `center`.
    center : torch.Tensor, optional
        w*, shape ``(d,)``; defaults to `params` (its first row when per-chain).
    batch_size : int, optional
        Mini-batch size; None means the full data (deterministic gradients).
    log_prior : callable, optional
        ``log_prior(w) -> scalar``: log φ(w) up to a constant; default flat.
    mala : bool, default False
        Metropolis-adjust every step (needs full batches).
    noise : bool, default True
        With False the injected noise is switched off: the iteration is gradient descent
        on nβL + (γ/2)|w − w*|² − log φ with learning rate ε/2 (a limit case used in tests).
    burn, thin : int
        Drop the first `burn` steps and keep every `thin`-th step after that.
    record : {"batch", "full"}, default "batch"
        Record the mini-batch loss of each step (free) or the full-batch loss at each draw.
    max_loss : float, optional
        A loss above this counts as an explosion; default ``1e12 * (1 + |L(w_0)|)``.
    vectorized : bool, default False
        True when `loss_fn` (and `log_prior`) already take a batch of parameter vectors
        ``(n_chains, d)`` and return ``(n_chains,)``; then it is called directly instead of
        through ``torch.func.vmap`` (fastest for toy potentials).
    seed : int, numpy or torch Generator, optional
        Randomness (noise, mini-batches, Metropolis decisions).
    progress : bool, default True
        Show a tqdm progress bar.

    Returns
    -------
    SGLDResult
        Draws ``(n_chains, n_draws, d)``, the loss per draw, acceptance (MALA) and settings.

    Raises
    ------
    ValueError, TypeError
        For bad input, and for draws whose memory estimate exceeds :func:`pdcheck.memory_limit`;
        before any sampling.
    SamplerDivergenceError
        If a chain's state or loss becomes non-finite or exceeds `max_loss`; ``.chain``
        and ``.step`` say where and ``.partial`` holds the :class:`SGLDResult` so far.

    Notes
    -----
    SGLD with a fixed step size samples a perturbed distribution: on a Gaussian target
    with precision h the stationary variance is 1/(h(1 − εh/4)) instead of 1/h
    (exact for the unadjusted Langevin iteration with full gradients).

    References
    ----------
    .. [1] M. Welling, Y. W. Teh, "Bayesian learning via stochastic gradient Langevin
       dynamics", ICML 2011.
    .. [2] E. Lau, Z. Furman, G. Wang, D. Murfet, S. Wei, "The local learning
       coefficient: a singularity-aware complexity measure", arXiv:2308.12108 (2023).
    .. [3] G. O. Roberts, R. L. Tweedie, "Exponential convergence of Langevin
       distributions and their discrete approximations", Bernoulli 2 (1996).

    Examples
    --------
    >>> import torch
    >>> pot = lambda w: 0.5 * (w ** 2).sum()
    >>> res = sgld(pot, torch.zeros(2, dtype=torch.float64), n_chains=4, n_steps=200,
    ...            step_size=0.01, beta=1.0, n=100, seed=0, progress=False)
    >>> tuple(res.draws.shape), tuple(res.loss.shape)
    ((4, 200, 2), (4, 200))
    """
    cfg, gen = _setup(loss_fn, params, data, n_chains=n_chains, n_steps=n_steps, step_size=step_size, beta=beta,
                      n=n, localization=localization, center=center, batch_size=batch_size, log_prior=log_prior,
                      mala=mala, noise=noise, burn=burn, thin=thin, record=record, max_loss=max_loss,
                      vectorized=vectorized, seed=seed)
    progress = check_bool("progress", progress)
    burn, thin = int(burn), int(thin)
    n_keep = (n_steps - burn + thin - 1) // thin
    n_chains, d = cfg.init.shape
    dtype, device = cfg.init.dtype, cfg.init.device
    draws = torch.empty((n_chains, n_keep, d), dtype=dtype, device=device)
    losses = torch.empty((n_chains, n_keep), dtype=dtype, device=device)
    accepted = torch.zeros(n_chains, dtype=dtype, device=device)
    k = 0

    def result(steps: int) -> SGLDResult:
        return SGLDResult(draws[:, :k].clone(), losses[:, :k].clone(), cfg.init_loss,
                          (accepted / max(steps, 1)) if mala else None, cfg.eps, cfg.betas, cfg.n, cfg.gamma, steps)

    from tqdm.auto import tqdm

    state = _initial_state(cfg)
    for step in tqdm(range(n_steps), disable=not progress, desc="sgld", leave=False):
        state, info = _step(cfg, state, gen)
        if info.accepted is not None:
            accepted += info.accepted.to(dtype)
        _check_step(cfg, state, info, step, lambda: result(step))
        if step >= burn and (step - burn) % thin == 0:
            draws[:, k] = state.w
            losses[:, k] = info.loss
            k += 1
    return result(n_steps)
