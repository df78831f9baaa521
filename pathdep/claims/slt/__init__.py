"""Claims checked with `slt`: exact RLCTs, geometry (notes 002, 004), the estimators, and
RLCTs of networks (``networks.py``).

Every module of this package registers its claims on import; importing the package imports
them all (in name order), so a new module of claims here needs no import line of its own.
"""

import importlib
import pkgutil

for _mod in sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")):
    importlib.import_module(f"{__name__}.{_mod}")
del _mod
