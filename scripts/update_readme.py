"""Regenerate the README's generated tables in place.

``python scripts/update_readme.py`` runs ``pathdep verify --markdown`` (quick mode,
seed 0) and puts its table between the ``<!-- claims:start -->`` and
``<!-- claims:end -->`` markers; it also copies ``benchmarks/results.md`` (written by
``python -m benchmarks --out benchmarks/results.md``) and ``benchmarks/rlct_table.md``
(written by ``python -m benchmarks rlct``) between their markers.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _replace(text: str, name: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.S)
    if not pattern.search(text):
        raise SystemExit(f"README.md has no {name} markers")
    return pattern.sub(lambda m: m.group(1) + body.rstrip() + "\n" + m.group(2), text)


def main() -> int:
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "pathdep", "verify", "--markdown", "--no-progress",
                           "--out", str(ROOT / "pathdep-report")], capture_output=True, text=True, cwd=ROOT)
    if proc.returncode not in (0, 1):
        sys.stderr.write(proc.stderr)
        return proc.returncode
    text = _replace(text, "claims", proc.stdout)
    for name, path in (("benchmarks", ROOT / "benchmarks" / "results.md"),
                       ("rlct", ROOT / "benchmarks" / "rlct_table.md")):
        if path.exists():
            text = _replace(text, name, path.read_text(encoding="utf-8"))
    readme.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
