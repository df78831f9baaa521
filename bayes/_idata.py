"""ArviZ containers for our samplers, following ArviZ's conventions so that its functions read them right.

- ``posterior[var_name]``: dims ``(chain, draw, param)``;
- ``log_likelihood[var_name]``: dims ``(chain, draw, obs)``, the log likelihood of each observation
  at each draw (``arviz.waic``/``arviz.loo`` sum over ``obs``); only when the model knows its
  observations. The total log likelihood is never put in ``sample_stats``: ArviZ < 1 falls back
  to ``sample_stats.log_likelihood`` and would read it as one observation (a wrong WAIC);
- ``observed_data[var_name]``: dims ``(obs,)``;
- ``sample_stats``: per-draw scalars (``lp``, ``energy``, ``log_prior``, ``loss``...).

The result is ``arviz.InferenceData`` on arviz < 1 and an ``xarray.DataTree`` on arviz >= 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Name of the parameter dimension and of the observation dimension.
PARAM_DIM, OBS_DIM = "param", "obs"


def _arviz_major() -> int:
    import arviz as az

    try:
        return int(str(az.__version__).split(".")[0])
    except ValueError:  # pragma: no cover
        return 0


def make_idata(groups: dict[str, Any]) -> Any:
    """InferenceData (arviz < 1) or DataTree (arviz >= 1) from a dict of xarray Datasets."""
    import arviz as az

    if _arviz_major() < 1 and hasattr(az, "InferenceData"):
        return az.InferenceData(**groups)
    import xarray as xr  # pragma: no cover - arviz 1.x

    return xr.DataTree.from_dict({f"/{k}": v for k, v in groups.items()})  # pragma: no cover


def to_idata(draws: np.ndarray, *, var_name: str = "w", stats: dict[str, np.ndarray] | None = None,
             attrs: dict[str, Any] | None = None, log_likelihood: np.ndarray | None = None,
             observed: np.ndarray | None = None) -> Any:
    """ArviZ container of draws ``(chain, draw, d)`` with per-draw `stats` ``(chain, draw)``,
    the pointwise `log_likelihood` ``(chain, draw, n)`` and the `observed` data ``(n,)``."""
    import xarray as xr

    k, m, d = draws.shape
    coords = {"chain": np.arange(k), "draw": np.arange(m)}
    attrs = dict(attrs or {})
    groups = {"posterior": xr.Dataset({var_name: (("chain", "draw", PARAM_DIM), draws)},
                                      coords={**coords, PARAM_DIM: np.arange(d)}, attrs=attrs)}
    if stats:
        groups["sample_stats"] = xr.Dataset({name: (("chain", "draw"), v) for name, v in stats.items()},
                                            coords=coords, attrs=dict(attrs))
    if log_likelihood is not None:
        n_obs = log_likelihood.shape[-1]
        groups["log_likelihood"] = xr.Dataset({var_name: (("chain", "draw", OBS_DIM), log_likelihood)},
                                              coords={**coords, OBS_DIM: np.arange(n_obs)})
    if observed is not None:
        groups["observed_data"] = xr.Dataset({var_name: ((OBS_DIM,), np.asarray(observed))},
                                             coords={OBS_DIM: np.arange(np.shape(observed)[0])})
    return make_idata(groups)
