"""The puzzles claims run and reach the verdicts their computations support."""

from __future__ import annotations

import pytest

import pathdep.claims.puzzles  # noqa: F401  (registers the puzzles claims only)
from pathdep.claims.registry import REGISTRY, Context

EXPECTED = {
    "puzzles.kempner.block_count": "HOLDS",
    "puzzles.kempner.note_bound": "REFUTED",
    "puzzles.kempner.textbook_bound": "HOLDS",
    "puzzles.kempner.series_as_written": "REFUTED",
    "puzzles.kempner.value": "HOLDS",
    "puzzles.kempner.digit_strings": "HOLDS",
    "puzzles.walk.reduction": "REFUTED",
    "puzzles.walk.polya": "HOLDS",
}


@pytest.mark.parametrize("claim_id", sorted(EXPECTED))
def test_claim_verdicts(claim_id):
    v = REGISTRY[claim_id].verifier(Context(seed=0))
    assert v.verdict == EXPECTED[claim_id], v.evidence
    if v.verdict == "REFUTED":
        assert v.corrected


def test_all_puzzles_claims_registered():
    ids = {c.id for c in REGISTRY.select(["puzzles"])}
    assert set(EXPECTED) <= ids
    assert {"puzzles.walk.rms_distance", "puzzles.walk.mean_distance"} <= ids
