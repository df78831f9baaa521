"""``pathdep perturb-run``: note 000's perturbation experiment on the digits (or a dataset file), end to end."""

from __future__ import annotations

import argparse
import os


def _run(args: argparse.Namespace) -> int:
    from pathlib import Path

    import torch

    from dynsys.experiments import run_experiment
    from pathdep._cli_support import check_figure, save_figure

    if not args.out:
        raise ValueError(f"`--out` must be a directory name, got {args.out!r}")
    cpus = os.cpu_count() or 1
    if not 1 <= args.threads <= cpus:     # torch/OpenMP aborts the process on a huge count
        raise ValueError(f"`--threads` must be between 1 and the number of CPUs ({cpus}), got {args.threads}")
    # options that do not apply are refused, not ignored
    if args.momentum is not None and args.optimizer not in ("momentum", "nesterov"):
        raise ValueError(f"`--momentum` applies to --optimizer momentum or nesterov, not {args.optimizer!r}")
    if args.sampler is not None and args.kind != "init":
        raise ValueError(f"`--sampler` applies to --kind init (perturbed initial weights), not {args.kind!r}")
    momentum = 0.0 if args.momentum is None else args.momentum
    sampler = "sphere" if args.sampler is None else args.sampler
    check_figure("--dpi", 6.4, 4.8, args.dpi)      # matplotlib's default figure size, as res.plot draws
    torch.set_num_threads(args.threads)
    data = {}
    if args.data is not None:
        from dynsys.data import load_dataset

        d = load_dataset(args.data, seed=args.seed)
        data = dict(X=d.X_train, y=d.y_train, X_test=d.X_test, y_test=d.y_test)
    res = run_experiment(**data, hidden=tuple(args.hidden), init=args.init, kind=args.kind, eps=args.eps,
                         n_copies=args.copies, sampler=sampler, optimizer=args.optimizer,
                         lr=args.lr, momentum=momentum, weight_decay=args.weight_decay,
                         n_epochs=args.epochs, batch_size=args.batch_size,
                         align=False if args.no_align else None, seed=args.seed,
                         progress=not args.no_progress)
    missing = [m for m in args.metrics if m not in res.data]
    if missing:
        raise ValueError(f"`--metrics` entries {missing} are not recorded; available: {sorted(res.data)}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [res.save(out / "result.npz")]
    for metric in args.metrics:
        wide = max(args.eps) > 10 * max(min(args.eps), 1e-300)
        fig = res.plot(metric, fit=metric.startswith("d_w"), logy=metric.startswith("d_w") and wide)
        paths.append(save_figure(fig, out / f"{metric}.png", dpi=args.dpi))
    print(f"{args.kind} perturbation, {args.optimizer} lr={args.lr}, {args.epochs} epochs, "
          f"{res.config['n_params']} parameters, |w0| = {res.config['w0_norm']:.4f}")
    print(f"{'eps':>8} {'d_w end':>10} {'d_w/|w|':>9} {'cf. test acc':>13} {'first epoch':>14} "
          f"{'after':>14} {'power p':>8}")
    final = {e: c[-1] for e, c in res.mean_curve("d_w").items()}
    rel = res.mean_curve("d_w_rel")
    cf = res.mean_curve("cf_test_acc")
    try:
        phases = res.fit_phases("d_w")
    except ValueError:
        phases = {}
    for e in final:
        early, late = phases.get(e, (None, None))
        p = late.laws["power"].params[2] if late is not None and "power" in late.laws else float("nan")
        print(f"{e:>8g} {final[e]:>10.4g} {rel[e][-1]:>9.4g} {cf[e][-1]:>13.4f} "
              f"{early.best if early else '-':>14} {late.best if late else '-':>14} {p:>8.3g}")
    for path in paths:
        print(f"wrote {path}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "perturb-run", help="train perturbed copies of a digits MLP and plot d_w vs steps",
        description="Note 000's experiment: a baseline one-hidden-layer MLP on scikit-learn's digits "
                    "and perturbed copies trained with the identical batch schedule (one vmapped "
                    "ensemble); writes result.npz and one figure per metric, with growth-law fits "
                    "of the first epoch and the rest.")
    p.add_argument("--data", default=None, metavar="NPZ",
                   help="dataset file (.npz with X, y and optionally X_test, y_test; e.g. MNIST, see "
                        "dynsys.data) instead of scikit-learn's digits")
    p.add_argument("--eps", type=float, nargs="+", default=[0.01, 0.1, 1.0], help="perturbation sizes")
    p.add_argument("--kind", default="init", choices=["init", "lr", "momentum", "weight_decay",
                                                       "batch_order"], help="what is perturbed")
    p.add_argument("--sampler", default=None, choices=["sphere", "gaussian"],
                   help="--kind init: on the sphere |w| = |w0|, or an isotropic kick (default sphere)")
    p.add_argument("--init", default="torch", choices=["torch", "kaiming", "shell"],
                   help="initialisation of the MLP (default: PyTorch's)")
    p.add_argument("--copies", type=int, default=10, help="perturbed copies per eps (default 10)")
    p.add_argument("--hidden", type=int, nargs="+", default=[100], help="hidden widths (default 100)")
    p.add_argument("--optimizer", default="sgd", choices=["sgd", "momentum", "nesterov", "adam"],
                   help="optimizer (torch.optim conventions)")
    p.add_argument("--lr", type=float, default=0.1, help="learning rate")
    p.add_argument("--momentum", type=float, default=None,
                   help="momentum coefficient, --optimizer momentum/nesterov only (default 0)")
    p.add_argument("--weight-decay", type=float, default=0.0, help="L2 weight decay")
    p.add_argument("--epochs", type=int, default=25, help="training epochs")
    p.add_argument("--batch-size", type=int, default=64, help="mini-batch size")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument("--metrics", nargs="+", default=["d_w", "d_w_rel", "d_w_perm", "train_loss",
                                                    "cf_test_acc"], help="metrics to plot, one figure each")
    p.add_argument("--no-align", action="store_true", help="skip weight matching and interpolation")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    p.add_argument("--out", default="perturb-run", help="output directory (default ./perturb-run); a "
                   "divergence saves the run so far there as partial.npz")
    p.add_argument("--dpi", type=int, default=100, help="figure resolution")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=_run, output_kinds={"out": "dir"},
                   partial_path=lambda a: (f"{a.out}/partial.npz" if a.out else None))
