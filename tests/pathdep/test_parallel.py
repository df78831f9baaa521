"""``pathdep verify -j N`` and ``--scheduler``: the same report as one process, lost workers reported.

These start real Dask clusters (a LocalCluster, and ``dask scheduler`` + ``dask worker``
processes on 127.0.0.1); every process is stopped in a ``finally``, and each wait is bounded.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pathdep import report, runner
from pathdep.claims.registry import REGISTRY

FAST = ["puzzles.kempner.block_count", "puzzles.kempner.value", "puzzles.walk.rms_distance",
        "dynsys.lyapunov.henon_sprott"]

CRASHING = '''
import os
from pathdep import claim, compare

@claim("testpar.crash.worker_dies", statement="kills its worker process", source="test")
def _(ctx):
    os._exit(3)

@claim("testpar.ok.value", statement="one equals one", source="test")
def _(ctx):
    return compare(1.0, 1.0)
'''


def _comparable(outcomes, tmp: Path, name: str) -> tuple[dict, str, dict]:
    paths = report.write_report(outcomes, tmp / name, seed=0)
    js = json.loads(paths["json"].read_text())
    js.pop("created")
    for c in js["claims"]:
        c.pop("seconds")
    md = "\n".join(line for line in paths["markdown"].read_text().splitlines() if not line.startswith("- **Time**"))
    figs = {p.name: p.read_bytes() for p in sorted((tmp / name / "figures").glob("*.png"))}
    return js, md, figs


def test_local_cluster_gives_the_same_report_and_reports_a_lost_worker(tmp_path, monkeypatch):
    (tmp_path / "testpar_claims.py").write_text(CRASHING)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    import testpar_claims  # noqa: F401  (registers the two test claims here; the workers import it too)

    try:
        seq = runner.run(FAST, seed=0, progress=False)
        par = runner.run(FAST + ["testpar"], seed=0, progress=False, jobs=2, imports=["testpar_claims"])
        order = [c.id for c in REGISTRY.select(FAST + ["testpar"])]
    finally:
        for cid in ("testpar.crash.worker_dies", "testpar.ok.value"):
            REGISTRY.remove(cid)
    by_id = {o.claim.id: o for o in par}
    assert [o.claim.id for o in par] == order                     # registration order, not finishing order
    assert _comparable(seq, tmp_path, "seq") == _comparable([by_id[c] for c in FAST], tmp_path, "par")
    lost = by_id["testpar.crash.worker_dies"].verdict
    assert lost.verdict == "ERROR" and "worker" in lost.evidence.lower()
    assert by_id["testpar.ok.value"].verdict.verdict == "HOLDS"   # the other claims still ran


def _wait_for(path: Path, seconds: float) -> None:
    t0 = time.monotonic()
    while not path.exists():
        if time.monotonic() - t0 > seconds:
            raise TimeoutError(f"{path} did not appear within {seconds} s")
        time.sleep(0.2)


def test_verify_against_dask_scheduler_and_worker_processes(tmp_path, capsys):
    dask = Path(sys.executable).parent / "dask"
    if not dask.exists():  # pragma: no cover - the `dask` console script comes with distributed
        pytest.skip("no `dask` command next to this Python")
    sched_file = tmp_path / "scheduler.json"
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    procs = []
    try:
        procs.append(subprocess.Popen([str(dask), "scheduler", "--host", "127.0.0.1", "--port", "0",
                                       "--no-dashboard", "--scheduler-file", str(sched_file)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                                      start_new_session=True))
        _wait_for(sched_file, 60)
        address = json.loads(sched_file.read_text())["address"]
        procs.append(subprocess.Popen([str(dask), "worker", address, "--nthreads", "1", "--nworkers", "1",
                                       "--no-dashboard", "--host", "127.0.0.1"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                                      start_new_session=True))
        from distributed import Client

        with Client(address, timeout=30) as c:
            c.wait_for_workers(1, timeout=90)
        from pathdep.cli import main

        code = main(["verify", "puzzles.kempner.block_count", "puzzles.walk.rms_distance", "--scheduler", address,
                     "--out", "", "--no-progress", "--json"])
        out = json.loads(capsys.readouterr().out)
        assert code == 0
        assert [c["verdict"] for c in out["claims"]] == ["HOLDS", "HOLDS"]
    finally:
        for p in reversed(procs):
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=10)


def test_unreachable_scheduler_is_a_clean_error():
    from pathdep.parallel import dask_client

    with pytest.raises(ValueError, match=r"`scheduler` 'tcp://127.0.0.1:9' could not be reached within 2 s"):
        with dask_client(scheduler="tcp://127.0.0.1:9", timeout=2):
            pass
    with pytest.raises(ValueError, match="`jobs` must be a positive integer"):
        with dask_client(0):
            pass


def test_dask_stays_in_the_application_layer():
    # ARCHITECTURE.md: parallel and distributed execution belongs to pathdep; the libraries stay
    # plain functions of their inputs and a seed
    import ast

    root = Path(__file__).resolve().parents[2]
    for lib in ("dynsys", "bayes", "slt", "puzzles", "pdcheck"):
        for path in (root / lib).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            mods = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
            mods |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
            assert not mods & {"dask", "distributed"}, path


def test_pin_threads_sets_one_torch_thread_and_the_blas_variables(monkeypatch):
    import torch

    from pathdep.parallel import THREAD_ENV, pin_threads

    old = torch.get_num_threads()
    try:
        for key in THREAD_ENV:
            monkeypatch.delenv(key, raising=False)
        pin_threads(1)
        assert torch.get_num_threads() == 1
        assert all(os.environ[k] == "1" for k in THREAD_ENV)
    finally:
        torch.set_num_threads(old)


def test_torch_threads_sets_and_restores_also_after_an_error():
    import torch

    from pathdep.parallel import torch_threads

    old = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == old
    with pytest.raises(KeyError), torch_threads(1):
        raise KeyError("x")
    assert torch.get_num_threads() == old
    with pytest.raises(ValueError, match="`n`"), torch_threads(0):
        pass
    assert torch.get_num_threads() == old


def test_prestart_starts_one_fork_server_with_one_thread_and_leaves_our_environment(monkeypatch):
    """`pathdep verify/sweep -j N` start the fork server first, so its imports overlap the command's."""
    import multiprocessing
    from multiprocessing import forkserver

    from pathdep.parallel import THREAD_ENV, prestart

    assert prestart(1) is False
    assert prestart(2, "tcp://127.0.0.1:8786") is False
    with pytest.raises(ValueError, match="jobs"):
        prestart(0)
    if "forkserver" not in multiprocessing.get_all_start_methods():  # pragma: no cover
        pytest.skip("no fork server on this platform")
    for key in THREAD_ENV:
        monkeypatch.delenv(key, raising=False)
    assert prestart(2) is True
    pid = forkserver._forkserver._forkserver_pid
    assert pid is not None and all(k not in os.environ for k in THREAD_ENV)
    env = dict(kv.split("=", 1) for kv in open(f"/proc/{pid}/environ").read().split("\0") if "=" in kv)
    assert all(env.get(k) == "1" for k in THREAD_ENV)
    assert prestart(2) is True and forkserver._forkserver._forkserver_pid == pid  # one server


def test_claims_are_submitted_longest_first_by_the_packaged_hints(monkeypatch, tmp_path):
    """Only the order of work follows the hints: unknown claims first, then longest first; the
    hints file round-trips from two verify reports; a missing file means registration order."""
    claims = runner.load_builtin().select(["puzzles"])
    ids = [c.id for c in claims]
    assert len(ids) >= 3
    monkeypatch.setattr(runner, "duration_hints", lambda full: {ids[0]: 1.0, ids[1]: 30.0} if full else {})
    order = [c.id for c in runner.submission_order(claims, full=True)]
    assert sorted(order) == sorted(ids)
    assert order[-2:] == [ids[1], ids[0]] and order[:-2] == ids[2:]
    assert [c.id for c in runner.submission_order(claims, full=False)] == ids
    monkeypatch.undo()
    for mode in ("quick", "full"):
        (tmp_path / f"{mode}.json").write_text(json.dumps({"claims": [{"id": i, "seconds": k + 0.5}
                                                                        for k, i in enumerate(ids)]}))
    out = runner.write_duration_hints(str(tmp_path / "quick.json"), str(tmp_path / "full.json"),
                                      str(tmp_path / "hints.json"))
    data = json.loads(Path(out).read_text())
    assert data["quick"][ids[-1]] == len(ids) - 0.5 and set(data["full"]) == set(ids)


def test_packaged_hints_cover_the_builtin_claims():
    hints = runner.duration_hints(full=False)
    ids = {c.id for c in runner.load_builtin().select(None)}
    assert hints and set(hints) <= ids | set(hints)
    assert len(ids - set(hints)) <= 0.1 * len(ids), sorted(ids - set(hints))[:5]


def test_claims_sharing_a_memoised_computation_run_as_one_group(monkeypatch):
    """work_groups partitions the claims; claims reading one @cached run share a group (in
    registration order), others stay apart; groups come longest first by the hints."""
    claims = runner.load_builtin().select(["dynsys.lyapunov", "puzzles.kempner"])
    groups = runner.work_groups(claims, full=True)
    ids = [c.id for g in groups for c in g]
    assert sorted(ids) == sorted(c.id for c in claims) and len(ids) == len(set(ids))
    where = {c.id: k for k, g in enumerate(groups) for c in g}
    # the Hénon run is read by three claims, the batched Lorenz run by two (one through a figure closure)
    assert where["dynsys.lyapunov.kaplan_yorke"] == where["dynsys.lyapunov.henon_sprott"]
    assert where["dynsys.lyapunov.lorenz63_volume"] == where["dynsys.lyapunov.lorenz63_sprott"]
    assert where["dynsys.lyapunov.logistic_ln2"] != where["dynsys.lyapunov.henon_sprott"]
    order = [c.id for c in claims]
    for g in groups:
        assert [c.id for c in g] == sorted((c.id for c in g), key=order.index)
    # the order of the groups follows the hints: make a one-claim group the longest
    solo = next(g[0].id for g in groups if len(g) == 1)
    monkeypatch.setattr(runner, "duration_hints", lambda full: {c.id: (1e6 if c.id == solo else 1.0) for c in claims})
    assert runner.work_groups(claims, full=True)[0][0].id == solo
