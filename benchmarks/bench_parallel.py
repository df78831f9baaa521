"""Dask: ``pathdep verify --full -j 2`` against ``-j 1``, and a 16-point SGD Lyapunov sweep on 2
local workers against the same sweep in one process.

Each side runs as its own ``python -m pathdep ...`` process (start-up and the cluster's start
included), interleaved.  Needs 2 free cores to mean anything: the table states the load.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks import BenchResult, interleaved


def _cmd(args: list[str], fresh: Path | None = None):
    """A callable running ``python -m pathdep ARGS``; ``fresh``: a sweep store removed first (sweeps resume)."""
    def go():
        if fresh is not None:
            for p in (fresh, fresh.with_name(fresh.name + ".parts")):
                shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
        proc = subprocess.run([sys.executable, "-m", "pathdep", *args], capture_output=True, text=True)
        if proc.returncode not in (0, 1):
            raise RuntimeError(f"pathdep {' '.join(args)} failed: {proc.stderr[-2000:]}")
        return proc.stdout
    return go


def run(quick: bool) -> list[BenchResult]:
    results = []
    mode = [] if quick else ["--full"]
    t = interleaved(_cmd(["verify", *mode, "-j", "2", "--out", "", "--no-progress", "--json"]),
                    _cmd(["verify", *mode, "--out", "", "--no-progress", "--json"]), repeat=1, warmup=False)
    import json

    same = ([c["measured"] for c in json.loads(t.ours_value)["claims"]]
            == [c["measured"] for c in json.loads(t.peer_value)["claims"]])
    results.append(t.result(f"pathdep verify{' --full' if not quick else ''}, -j 2", "-j 1 (one process)",
                            note=f"measured values identical: {same}"))
    import xarray as xr

    # the speed-up grows with the work per point (the cluster's start is paid once): two point sizes
    for steps in ((60,) if quick else (150, 600)):
        tmp = Path(tempfile.mkdtemp())
        grid = ["--grid", "lr=0.03,0.05,0.1,0.2", "--seeds", "0", "1", "2", "3", "--set", f"steps={steps}",
                "--set", "width=32", "--set", "k=4", "--no-progress", "--plot", ""]
        t2 = interleaved(_cmd(["sweep", "lyapunov", *grid, "-j", "2", "--out", str(tmp / "par.nc")], tmp / "par.nc"),
                         _cmd(["sweep", "lyapunov", *grid, "--out", str(tmp / "seq.nc")], tmp / "seq.nc"),
                         repeat=2, warmup=False)
        a = xr.open_dataset(tmp / "par.nc", engine="h5netcdf")
        b = xr.open_dataset(tmp / "seq.nc", engine="h5netcdf")
        diff = float(abs(a["exponents"] - b["exponents"]).max())
        a.close()
        b.close()
        results.append(t2.result(f"16-point SGD Lyapunov sweep (4 lr x 4 seeds, digits MLP 64-32-10, {steps} steps), "
                                 "2 workers", "same sweep in one process",
                                 note=f"max |difference| of the exponents {diff:.1e}"))
    return results
