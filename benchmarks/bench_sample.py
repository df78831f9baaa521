"""Overhead of ``bayes.sample`` over driving emcee directly on the same log density.

Both runs use the same :class:`~bayes.posterior.PosteriorDensity` (vectorised), the same
walkers, steps and seed. ``bayes.sample`` additionally records the energy and log prior of
every draw (logged evaluations matched to the accepted moves), builds the InferenceData and
computes the diagnostics
(acceptance, autocorrelation time). Target: < 10 % overhead. A third row adds
``bayes.diagnostics`` (ArviZ's rank-normalised ESS and R-hat, computed on demand).
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks import BenchResult, Timing


def _cpu(fn) -> float:
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def _case(model, n_steps: int, n_walkers: int, repeat: int, with_diagnostics: bool = False,
          pointwise: bool = True) -> BenchResult:
    import emcee

    from bayes.sample import diagnostics, sample

    dens = model.density(1.0)
    d = model.dim
    p0 = np.random.default_rng(0).standard_normal((n_walkers, d)) * 0.1 + model.posterior(1.0).mean

    def direct():
        s = emcee.EnsembleSampler(n_walkers, d, dens, vectorize=True)
        s.random_state = np.random.RandomState(1).get_state()
        s.run_mcmc(p0, n_steps, progress=False)
        return s.get_chain(discard=n_steps // 4)

    def ours():
        idata = sample(dens, p0, n_steps, seed=1, progress=False, quiet=True, pointwise=pointwise)
        if with_diagnostics:
            diagnostics(idata)       # + ArviZ rank-normalised ESS and R-hat
        return idata

    ours(); direct()   # warm-up (imports, caches)
    # interleaved best-of-`repeat` of the process CPU time: the machine is shared, and wall time
    # mostly measures the other processes' load; CPU time of this (single-threaded) process does not
    t_o, t_p = [], []
    for _ in range(repeat):
        t_p.append(_cpu(direct))
        t_o.append(_cpu(ours))
    timing = Timing(t_o, t_p)
    overhead = 1.0 / timing.result("", "").ratio - 1.0
    extra = (" + diagnostics()" if with_diagnostics else "") + ("" if pointwise else " (pointwise=False)")
    name = f"sample{extra}: {type(model).__name__} n={model.n} d={d}, {n_walkers} walkers x {n_steps} steps"
    return timing.result(name, "emcee EnsembleSampler.run_mcmc",
                         note=f"overhead {100 * overhead:+.1f} % (CPU time)"
                              + (" (target < 10 %)" if not (with_diagnostics or pointwise) else
                                 "; includes each observation's log likelihood of every draw" if pointwise else ""),
                         overhead=overhead)


def run(quick: bool) -> list[BenchResult]:
    from bayes.conjugate import LinearRegressionModel, NormalMeanModel

    steps = 1000 if quick else 5000
    rep = 5 if quick else 9
    return [
        _case(NormalMeanModel.simulate(100, seed=0), steps, 32, rep, pointwise=False),
        _case(LinearRegressionModel.simulate(1000, 5, seed=0), steps, 32, rep, pointwise=False),
        _case(LinearRegressionModel.simulate(1000, 5, seed=0), steps, 32, rep),
        _case(LinearRegressionModel.simulate(1000, 5, seed=0), steps, 32, rep, with_diagnostics=True),
    ]


if __name__ == "__main__":  # pragma: no cover
    for r in run(quick=True):
        print(f"{r.name}: ours {r.ours:.3f} s, {r.peer_name} {r.peer:.3f} s, ratio {r.ratio:.3f}; {r.note}")
