"""The README's Python examples run as written and print what their comments say.

Every ``print(...)`` in a README Python block carries its expected output in a comment
``# => SPEC`` (on the same line, or on the next line), optionally followed by two
spaces and a note in parentheses.  SPEC and the printed line are split into tokens:
numbers and words (punctuation is ignored).  The numbers are compared position by
position, and SPEC must account for every printed number:

- ``x`` (plain): the printed value rounded to x's decimals equals x;
- ``x...``: the printed digits start with x's digits;
- ``~x``: within 10 % of x (0.1 absolute when |x| < 1);
- ``*``: any number;
- ``a/b`` is the two numbers a and b (as sympy prints a Rational).

Every word of SPEC must appear in the printed line.
"""

import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def test_readme_has_examples():
    assert len(BLOCKS) >= 5


def _specs(block: str) -> list[str]:
    """The expected-output specs of the block's print calls, in order."""
    lines = block.splitlines()
    specs = []
    for i, line in enumerate(lines):
        code = line.split("#", 1)[0]
        if not re.match(r"\s*print\(", code):
            continue
        m = re.search(r"#\s*=>\s*(.*)$", line)
        if m is None and i + 1 < len(lines):
            m = re.match(r"\s*#\s*=>\s*(.*)$", lines[i + 1])
        assert m is not None, f"README print without a '# => expected' comment: {line.strip()}"
        specs.append(m.group(1).split("  (")[0].strip())
    return specs


def _tokens(text: str, spec: bool) -> tuple[list[str], list[str]]:
    pattern = rf"(~?{_NUM}(?:\.\.\.)?|\*|[A-Za-z_]+)" if spec else rf"({_NUM}|[A-Za-z_]+)"
    toks = re.findall(pattern, text)
    nums = [t for t in toks if not re.fullmatch(r"[A-Za-z_]+", t)]
    words = [t for t in toks if re.fullmatch(r"[A-Za-z_]+", t)]
    return nums, words


def _matches(spec: str, value: str) -> bool:
    if spec == "*":
        return True
    if spec.endswith("..."):
        return value.lstrip("+").startswith(spec[:-3].lstrip("+"))
    v = float(value)
    if spec.startswith("~"):
        x = float(spec[1:])
        return abs(v - x) <= (0.1 * abs(x) if abs(x) >= 1 else 0.1)
    mantissa = spec.lower().split("e")[0]
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    exponent = int(spec.lower().split("e")[1]) if "e" in spec.lower() else 0
    return abs(v - float(spec)) <= 0.5 * 10.0 ** (exponent - decimals) * (1 + 1e-9)


def check_line(spec: str, printed: str) -> list[str]:
    """Mismatches between a ``# =>`` spec and a printed line (empty when they agree)."""
    s_nums, s_words = _tokens(spec, True)
    p_nums, p_words = _tokens(printed, False)
    problems = [f"word {w!r} not printed" for w in s_words if w not in p_words]
    if len(s_nums) != len(p_nums):
        problems.append(f"{len(p_nums)} numbers printed, the comment describes {len(s_nums)}")
    problems += [f"number {i}: printed {v}, comment says {s}"
                 for i, (s, v) in enumerate(zip(s_nums, p_nums)) if not _matches(s, v)]
    return problems


@pytest.mark.parametrize("spec, printed, ok", [
    ("22.92067661926415034816... True", "22.920676619264150348163657 True", True),
    ("0.9516", "0.9515668447476129", True),
    ("0.9516", "0.9514", False),
    ("[~19 ~19]", "[20.7 17.3]", True),
    ("[~19 ~19]", "[20.7 16.9]", False),
    ("(1/3, 1)", "(1/3, 1)", True),
    ("(1/3, 1)", "(1/2, 1)", False),
    ("~0.25 * 2", "0.2485 0.0011 2", True),
    ("~0.25 2", "0.2485 0.0011 2", False),
    ("x True", "x False", False),
])
def test_spec_checker(spec, printed, ok):
    assert (not check_line(spec, printed)) == ok


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_block_runs_and_prints_what_it_says(index):
    from pathdep.claims.registry import REGISTRY, load_builtin

    load_builtin()
    before = {c.id for c in REGISTRY}
    namespace: dict = {"__name__": f"readme_block_{index}"}
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(BLOCKS[index], f"README.md[python block {index}]", "exec"), namespace)
        for name, fn in list(namespace.items()):
            if name.startswith("test_") and callable(fn):
                fn()                     # the property-test example defines tests: run them
        added = {c.id for c in REGISTRY} - before
        for cid in added:                # the user-claim example registers a claim: verify it
            from pathdep import verify

            assert verify(cid).verdict == "HOLDS"
    finally:
        for cid in {c.id for c in REGISTRY} - before:
            REGISTRY.remove(cid)
    printed = [line for line in out.getvalue().splitlines() if line.strip()]
    specs = _specs(BLOCKS[index])
    assert len(printed) == len(specs), f"block {index}: {len(printed)} printed lines, {len(specs)} '# =>' comments"
    problems = [f"print {i}: {p}" for i, (s, line) in enumerate(zip(specs, printed)) for p in check_line(s, line)]
    assert not problems, f"README block {index}:\n" + "\n".join(problems) + "\n--- printed:\n" + out.getvalue()
