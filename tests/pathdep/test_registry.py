"""The registry: registration, unique ids, pattern selection, the Python API."""

import pytest

import pathdep
from pathdep.claims.registry import Claim, Context, Registry, claim, load_builtin
from pathdep.claims.verdict import HOLDS, compare


def _fn(ctx):
    return compare(1.0, 1.0, atol=0)


def _reg(*ids):
    reg = Registry()
    for i in ids:
        reg.add(Claim(i, "statement", "source", "method", _fn))
    return reg


def test_register_with_decorator_into_private_registry():
    reg = Registry()

    @claim("user.demo.one", statement="1 = 1", source="arithmetic", registry=reg)
    def verifier(ctx):
        return compare(1.0, 1.0, atol=0)

    assert "user.demo.one" in reg and len(reg) == 1
    assert reg["user.demo.one"].verifier is verifier
    assert reg["user.demo.one"].verifier(Context()).verdict == HOLDS


def test_duplicate_id_rejected_with_clear_error():
    reg = _reg("a.b.c")
    with pytest.raises(ValueError, match="'a.b.c' is already registered"):
        reg.add(Claim("a.b.c", "s", "src", "", _fn))


@pytest.mark.parametrize("bad", ["nodots", "Upper.case", "a..b", "a.b.", "", "a b.c"])
def test_malformed_ids_rejected(bad):
    with pytest.raises(ValueError, match="claim id"):
        Registry().add(Claim(bad, "s", "src", "", _fn))


def test_empty_statement_rejected():
    with pytest.raises(ValueError, match="`statement`"):
        Registry().add(Claim("a.b", " ", "src", "", _fn))


def test_pattern_selection_glob_prefix_exact_and_order():
    reg = _reg("p.k.one", "p.k.two", "p.w.one", "q.x.y")
    assert [c.id for c in reg.select()] == ["p.k.one", "p.k.two", "p.w.one", "q.x.y"]
    assert [c.id for c in reg.select(["p.k"])] == ["p.k.one", "p.k.two"]
    assert [c.id for c in reg.select(["*.one"])] == ["p.k.one", "p.w.one"]
    assert [c.id for c in reg.select(["q.x.y", "p.k.two"])] == ["p.k.two", "q.x.y"]
    # prefix must stop at a dot: "p.k" does not select "p.kx..."
    assert [c.id for c in _reg("p.k.a", "p.kx.b").select(["p.k"])] == ["p.k.a"]


def test_pattern_matching_nothing_is_an_error():
    with pytest.raises(ValueError, match="matches no claim"):
        _reg("a.b").select(["zzz"])


def test_unknown_id_lookup():
    with pytest.raises(KeyError, match="no claim with id"):
        _reg("a.b")["c.d"]


def test_builtin_catalogue_loads_and_has_every_area():
    reg = load_builtin()
    assert len(reg) >= 1
    assert "puzzles.kempner.block_count" in reg
    for c in reg:
        assert c.statement and c.source and c.area in {"puzzles", "dynsys", "bayes", "slt"}


def test_python_api():
    assert any(c.id == "puzzles.kempner.block_count" for c in pathdep.claims())
    assert [c.id for c in pathdep.claims("puzzles.kempner.block_count")] == ["puzzles.kempner.block_count"]
    v = pathdep.verify("puzzles.kempner.block_count")
    assert v.verdict == HOLDS


def test_context_pick():
    assert Context(full=False).pick(1, 2) == 1
    assert Context(full=True).pick(1, 2) == 2


def test_counterfactual_must_name_keyword_parameters():
    reg = Registry()

    def verifier(ctx, *, value=1.0):
        return compare(value, 1.0, atol=0)

    reg.add(Claim("a.b.ok", "s", "src", "", verifier, counterfactual={"value": 2.0}))
    assert reg["a.b.ok"].run(Context(), counterfactual=True).verdict == "REFUTED"
    with pytest.raises(ValueError, match="not keyword parameters"):
        reg.add(Claim("a.b.bad", "s", "src", "", verifier, counterfactual={"nope": 1}))
    with pytest.raises(ValueError, match="corrected_by"):
        reg.add(Claim("a.b.bad2", "s", "src", "", verifier, corrected_by=("Not An Id",)))
    with pytest.raises(ValueError, match="no counterfactual"):
        Claim("a.b.none", "s", "src", "", verifier).run(Context(), counterfactual=True)


def test_shipped_claims_pin_torch_to_one_thread():
    import torch

    from pathdep.claims._common import claim as builtin_claim

    reg_before = torch.get_num_threads()
    seen = []

    @builtin_claim("zz.threads.probe", statement="s", source="src", registry=None)
    def probe(ctx):
        seen.append(torch.get_num_threads())
        return compare(1.0, 1.0)

    try:
        from pathdep.claims.registry import REGISTRY

        REGISTRY["zz.threads.probe"].verifier(Context())
        assert seen == [1] and torch.get_num_threads() == reg_before
    finally:
        REGISTRY.remove("zz.threads.probe")
