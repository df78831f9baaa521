"""Perturbed training ensembles: one batched computation against sequential training loops.

The baseline is what one writes without the toolkit: for each of the n copies, an
``nn.Module`` and a ``torch.optim`` optimizer stepping through the same batch schedule.
All produce the same trajectories (checked here to float tolerance).  Ours is
:func:`dynsys.ensemble.train_ensemble`, which takes its hand-written MLP engine for these
models; the note also gives the time of its generic engine (``torch.func.vmap`` +
autograd + the pure update rule, what any other model uses) on the same run.
"""

from __future__ import annotations

import copy

import numpy as np
import torch

from benchmarks import BenchResult, interleaved, timeit


def _sequential(net, params, X, y, scheds, opt_name, kw):
    outs = []
    n = next(iter(params.values())).shape[0]
    for i in range(n):
        m = copy.deepcopy(net)
        with torch.no_grad():
            for k, p in m.named_parameters():
                p.copy_(params[k][i])
        opt = (torch.optim.Adam(m.parameters(), **kw) if opt_name == "adam"
               else torch.optim.SGD(m.parameters(), **kw))
        sched = scheds[i]
        for t in range(sched.shape[0]):
            idx = torch.as_tensor(sched[t])
            opt.zero_grad()
            torch.nn.functional.cross_entropy(m(X[idx]), y[idx]).backward()
            opt.step()
        outs.append(torch.cat([p.detach().reshape(-1) for p in m.parameters()]).double().numpy())
    return np.stack(outs)


def run(quick: bool) -> list[BenchResult]:
    import dynsys.ensemble as ensemble
    from dynsys.data import load_digits_tensors
    from dynsys.experiments import _unflatten, batch_schedule, mlp, train_ensemble

    torch.set_num_threads(1)
    d = load_digits_tensors(seed=0)
    X, y = d.X_train, d.y_train
    n_epochs = 2 if quick else 5
    results = []
    configs = [((64, 100, 10), 10, "sgd", dict(lr=0.05), False),
               ((64, 100, 10), 10, "momentum", dict(lr=0.05, momentum=0.9), False),
               ((64, 100, 10), 10, "adam", dict(lr=1e-3, weight_decay=1e-4), False),
               ((64, 100, 10), 10, "sgd", dict(lr=0.05), True),
               ((64, 32, 10), 10, "sgd", dict(lr=0.05), False),
               ((64, 100, 10), 30, "sgd", dict(lr=0.05), False)]
    for sizes, n_copies, opt_name, kw, per_copy in configs:
        net = mlp(sizes, seed=0)
        w0 = torch.cat([p.detach().reshape(-1) for p in net.parameters()]).double().numpy()
        flat = w0[None] + 0.01 * np.random.default_rng(0).standard_normal((n_copies, w0.size))
        params = _unflatten(net, flat, torch.float32)
        if per_copy:  # the batch-order perturbation: one schedule per copy
            scheds = [batch_schedule(X.shape[0], 64, n_epochs, seed=i) for i in range(n_copies)]
            sched = np.stack(scheds)
        else:
            sched = batch_schedule(X.shape[0], 64, n_epochs, seed=0)
            scheds = [sched] * n_copies
        n_steps = sched.shape[-2]

        def ours_fn():
            return train_ensemble(net, params, X, y, sched, optimizer=opt_name,
                                  checkpoints=[n_steps], progress=False, **kw)

        def generic_fn():
            spec = ensemble._mlp_spec
            ensemble._mlp_spec = lambda *args: None
            try:
                return ours_fn()
            finally:
                ensemble._mlp_spec = spec

        t = interleaved(ours_fn, lambda: _sequential(net, params, X, y, scheds, opt_name, kw), repeat=5)
        peer, run_, seq = t.peer_median, t.ours_value, t.peer_value
        generic, run_g = timeit(generic_fn, repeat=3)
        err = float(np.max(np.abs(run_.weights[:, -1] - seq)))
        err_g = float(np.max(np.abs(run_.weights[:, -1] - run_g.weights[:, -1])))
        arch = "-".join(str(s) for s in sizes)
        what = "own batch order per copy, " if per_copy else ""
        results.append(t.result(
            f"{n_copies} copies, MLP {arch}, {n_steps} steps, {what}{opt_name}",
            f"{n_copies} torch.optim loops",
            note=(f"max abs(w diff) = {err:.1e} (float32); generic vmap engine "
                  f"{generic * 1e3:.3g} ms ({peer / generic:.2g}x), diff {err_g:.1e}"),
            generic=generic))
    return results
