"""The shipped claims catalogue: decided, pinned, able to fail, corrected, cited.

One test runs every shipped claim once in quick mode (seed 0) and then every claim's
counterfactual: expensive computations are cached on the run's context, so the
counterfactuals reuse them and the catalogue runs once.  It checks, collecting every
failure before reporting:

- no verifier errors and no claim is INCONCLUSIVE (every claim decided in the default run);
- each verdict equals the pinned one below (a change of verdict changes this test);
- each claim's counterfactual (a deliberately wrong statement) comes out REFUTED;
- each REFUTED claim gives a corrected statement and names claims registering it
  (``corrected_by``), and those claims HOLD.

The cheap structural checks (sources, ids, counts) are separate tests.
"""

from __future__ import annotations

import re

import pytest

from pathdep.claims.registry import Context, load_builtin
from pathdep.runner import run_claim

#: Quick-mode verdicts (seed 0) of every shipped claim. Regenerate deliberately, never to make a test pass.
QUICK_VERDICTS = {
    "dynsys.pathdep.train_loss_by_eps": "HOLDS",
    "dynsys.pathdep.init_outweighs_schedule": "HOLDS",
    "dynsys.pathdep.normalized_curvature_by_lr": "HOLDS",
    "dynsys.pathdep.momentum_curvature": "HOLDS",
    "dynsys.pathdep.dw_slope_per_lr_peaks": "HOLDS",
    "dynsys.pathdep.width_slope_decreases": "HOLDS",
    "dynsys.lyapunov.adam_subefold": "HOLDS",
    "puzzles.kempner.block_count": "HOLDS",
    "puzzles.kempner.note_bound": "REFUTED",
    "puzzles.kempner.textbook_bound": "HOLDS",
    "puzzles.kempner.series_as_written": "REFUTED",
    "puzzles.kempner.with9_log_growth": "HOLDS",
    "puzzles.kempner.note_block_range": "REFUTED",
    "puzzles.kempner.block_overlap": "REFUTED",
    "puzzles.kempner.level_sums_partition": "HOLDS",
    "puzzles.kempner.note_geometric": "HOLDS",
    "puzzles.kempner.value": "HOLDS",
    "puzzles.kempner.digit_strings": "HOLDS",
    "puzzles.walk.rms_distance": "HOLDS",
    "puzzles.walk.dimension_visits": "HOLDS",
    "puzzles.walk.one_dim_gaussian": "HOLDS",
    "puzzles.walk.reduction": "REFUTED",
    "puzzles.walk.poissonized_reduction": "HOLDS",
    "puzzles.walk.mean_distance": "REFUTED",
    "puzzles.walk.mean_distance_chi": "HOLDS",
    "puzzles.walk.note_chi_mean": "REFUTED",
    "puzzles.walk.code_indexing": "REFUTED",
    "puzzles.walk.code_indexing_corrected": "HOLDS",
    "puzzles.walk.polya": "HOLDS",
    "dynsys.init.kaiming_shell_moments": "HOLDS",
    "dynsys.init.shell_thickness": "REFUTED",
    "dynsys.init.shell_thickness_corrected": "HOLDS",
    "dynsys.init.shell_thickness_var_reading": "HOLDS",
    "dynsys.init.thickness_vanishes": "HOLDS",
    "dynsys.init.muller_uniform": "HOLDS",
    "dynsys.init.torch_default_eps_ratio": "HOLDS",
    "dynsys.init.torch_default_eps_ratio_widths": "REFUTED",
    "dynsys.init.torch_default_norm": "HOLDS",
    "dynsys.perturb.intersection_radius": "REFUTED",
    "dynsys.perturb.intersection_radius_sin": "HOLDS",
    "dynsys.perturb.intersection_offset": "HOLDS",
    "dynsys.perturb.sampler_on_both_spheres": "HOLDS",
    "dynsys.perturb.householder": "REFUTED",
    "dynsys.perturb.householder_corrected": "HOLDS",
    "dynsys.perturb.note_recipe": "REFUTED",
    "dynsys.perturb.recipe_corrected": "HOLDS",
    "dynsys.perturb.sphere_dimension_labels": "REFUTED",
    "dynsys.perturb.intersection_dimension": "HOLDS",
    "dynsys.perturb.naive_thickening": "HOLDS",
    "dynsys.perturb.eps_conventions": "REFUTED",
    "dynsys.perturb.eps_conventions_norms": "HOLDS",
    "dynsys.perturb.same_distribution": "HOLDS",
    "dynsys.symmetry.permutation": "HOLDS",
    "dynsys.symmetry.relu_rescaling": "HOLDS",
    "dynsys.symmetry.rescaling_note004": "REFUTED",
    "dynsys.symmetry.rescaling_l2": "REFUTED",
    "dynsys.symmetry.rescaling_l2_footnote": "HOLDS",
    "dynsys.symmetry.rescaling_l2_penalty": "HOLDS",
    "dynsys.symmetry.sign_flip_sum_zero": "HOLDS",
    "dynsys.symmetry.degenerate_neurons": "HOLDS",
    "dynsys.distance.permutation_dw_misleading": "HOLDS",
    "dynsys.distance.symmetrised_kl_metric": "REFUTED",
    "dynsys.distance.js_sqrt_metric": "HOLDS",
    "dynsys.distance.same_performance_identical": "REFUTED",
    "dynsys.distance.pseudometric_zero_on_data": "HOLDS",
    "dynsys.distance.lp_integral_metric": "REFUTED",
    "dynsys.distance.lp_root_metric": "HOLDS",
    "dynsys.schedule.epoch_indexing": "REFUTED",
    "dynsys.schedule.epoch_blocks": "HOLDS",
    "dynsys.schedule.batches_disjoint": "HOLDS",
    "dynsys.flow.training_is_flow": "REFUTED",
    "dynsys.flow.cocycle": "HOLDS",
    "dynsys.optim.state_function_of_b_h": "REFUTED",
    "dynsys.optim.state_function_of_w0_b_h": "HOLDS",
    "dynsys.autocorr.ar1_tau": "HOLDS",
    "dynsys.autocorr.mean_stationary_lag_only": "REFUTED",
    "dynsys.autocorr.stationary_lag_only": "HOLDS",
    "dynsys.autocorr.lyapunov_timescale": "HOLDS",
    "dynsys.pathdep.exp_then_linear": "REFUTED",
    "dynsys.pathdep.first_epoch_growth": "HOLDS",
    "dynsys.pathdep.late_growth_by_lr": "HOLDS",
    "dynsys.pathdep.eps10_function_space": "REFUTED",
    "dynsys.pathdep.eps10_agreement_by_lr": "HOLDS",
    "dynsys.pathdep.eps10_function_space_throughout": "REFUTED",
    "dynsys.pathdep.train_loss_imperceptible": "REFUTED",
    "dynsys.pathdep.variance_batch_schedule": "REFUTED",
    "dynsys.pathdep.aligned_barrier": "HOLDS",
    "dynsys.pathdep.weight_decay_shrinks": "HOLDS",
    "dynsys.pathdep.weight_decay_normalized_curves_down": "REFUTED",
    "dynsys.pathdep.momentum_dw_small_large": "REFUTED",
    "dynsys.pathdep.momentum_dw_monotone": "HOLDS",
    "dynsys.pathdep.momentum_curves_down": "REFUTED",
    "dynsys.pathdep.lr_corrected_slopes_dw": "REFUTED",
    "dynsys.pathdep.width_slope_linear": "REFUTED",
    "dynsys.wide.gp_limit": "HOLDS",
    "dynsys.wide.ntk_linearisation": "HOLDS",
    "dynsys.response.implicit_function": "HOLDS",
    "dynsys.pathdep.depth_more_exponential": "HOLDS",
    "dynsys.pathdep.adam_exponential_dw": "REFUTED",
    "dynsys.pathdep.adam_sublinear_dw": "HOLDS",
    "dynsys.pathdep.conv_slower": "HOLDS",
    "dynsys.lyapunov.henon_sprott": "HOLDS",
    "dynsys.lyapunov.lorenz63_volume": "HOLDS",
    "dynsys.lyapunov.lorenz63_sprott": "HOLDS",
    "dynsys.lyapunov.logistic_ln2": "HOLDS",
    "dynsys.lyapunov.linear_and_area_preserving": "HOLDS",
    "dynsys.lyapunov.gd_quadratic": "HOLDS",
    "dynsys.lyapunov.momentum_roots": "HOLDS",
    "dynsys.lyapunov.positive_exponent_diverges": "HOLDS",
    "dynsys.lyapunov.separation_rate": "HOLDS",
    "dynsys.lyapunov.positive_exponent_chaotic": "REFUTED",
    "dynsys.lyapunov.positive_exponent_bounded_chaos": "HOLDS",
    "dynsys.lyapunov.kaplan_yorke": "HOLDS",
    "dynsys.lyapunov.lyapunov_dimension_fractal": "HOLDS",
    "dynsys.optim.joint_space_exponents": "HOLDS",
    "dynsys.lyapunov.lr_corrected_slopes": "HOLDS",
    "dynsys.lyapunov.momentum_small_converges_large_diverges": "REFUTED",
    "dynsys.lyapunov.momentum_exponent_increases": "HOLDS",
    "dynsys.lyapunov.adam_exponential": "HOLDS",
    "dynsys.lyapunov.adam_efold": "REFUTED",
    "bayes.tempered.proper_beta_le_1": "HOLDS",
    "bayes.tempered.proper_beta_gt_1": "REFUTED",
    "bayes.tempered.proper_beta_le_1_any_prior": "REFUTED",
    "bayes.tempered.proper_bounded_likelihood": "HOLDS",
    "bayes.tempered.scaling_bits": "HOLDS",
    "bayes.tempered.exp_minus_beta_i_bits": "REFUTED",
    "bayes.tempered.bits_base_two": "HOLDS",
    "bayes.l2.gaussian_mle": "HOLDS",
    "bayes.l2.argmax_as_written": "REFUTED",
    "bayes.weight_decay.gaussian_prior": "REFUTED",
    "bayes.weight_decay.map_penalty_sigma": "HOLDS",
    "bayes.gibbs.squared_loss_is_gaussian": "HOLDS",
    "bayes.gibbs.mean_risk_reading": "HOLDS",
    "bayes.gibbs.any_loss_normalizable": "REFUTED",
    "bayes.gibbs.proper_prior_normalizable": "HOLDS",
    "bayes.gibbs.likelihood_normaliser_reading": "REFUTED",
    "bayes.gibbs.normaliser_free_losses": "HOLDS",
    "bayes.tempered.prior_to_mle": "HOLDS",
    "bayes.free_energy.thermodynamic_integration": "HOLDS",
    "slt.estimators.llc_normal_crossing_low": "HOLDS",
    "slt.estimators.log_bias_multiplicity": "HOLDS",
    "slt.estimators.scaling_within_5pct": "HOLDS",
    "slt.networks.llc_shortfall_log_law": "REFUTED",
    "slt.networks.llc_is_localized_posterior": "HOLDS",
    "slt.networks.dln_rlct_aoyagi": "HOLDS",
    "slt.networks.relu_rescaling_invariance": "HOLDS",
    "slt.networks.relu_kink_lambda": "HOLDS",
    "slt.expfam.generic_symmetry": "HOLDS",
    "slt.expfam.degeneracy": "HOLDS",
    "slt.expfam.base_measure_free": "REFUTED",
    "slt.expfam.rho_star_homomorphism": "REFUTED",
    "slt.expfam.contragredient": "HOLDS",
    "slt.expfam.degeneracy_dimension": "REFUTED",
    "slt.expfam.rank_drop_fisher_kernel": "HOLDS",
    "slt.expfam.rank_bound_quarter_dim_g": "REFUTED",
    "slt.expfam.rank_bound_fisher_kernel": "HOLDS",
    "slt.expfam.theta2_equivariant_lower": "REFUTED",
    "slt.expfam.theta2_cos3x_lower": "HOLDS",
    "slt.geometry.behaviour_manifold_dim": "HOLDS",
    "slt.geometry.submersion_note000": "REFUTED",
    "slt.geometry.full_rank_immersion": "HOLDS",
    "slt.geometry.relu_rank_deficit": "HOLDS",
    "slt.geometry.full_rank_image_embedded": "REFUTED",
    "slt.geometry.local_injectivity": "HOLDS",
    "slt.geometry.hessian_eq1": "HOLDS",
    "slt.geometry.hessian_eq2_minimum": "HOLDS",
    "slt.geometry.hessian_eq2_mean_reading": "HOLDS",
    "slt.geometry.loss_star_hessian_identity": "HOLDS",
    "slt.geometry.loss_star_mean_reading": "REFUTED",
    "slt.geometry.hessian_rank_equals_jacobian_rank": "HOLDS",
    "slt.geometry.local_min_residual": "REFUTED",
    "slt.geometry.low_rank_inputs_free_weights": "HOLDS",
    "slt.exact.lau_normal_crossing_table": "HOLDS",
    "slt.exact.deep_linear_reduces_to_reduced_rank": "HOLDS",
    "slt.exact.hessian_rank_bound_holds": "HOLDS",
    "slt.posterior.lower_rlct_more_mass": "HOLDS",
    "slt.posterior.global_rlct_is_minimum": "HOLDS",
    "slt.rlct.prior_regular_irrelevant": "HOLDS",
    "slt.rlct.prior_any_irrelevant": "REFUTED",
}


def _catalogue():
    return list(load_builtin())


def test_catalogue_size_and_pins_cover_every_claim():
    ids = [c.id for c in _catalogue()]
    assert len(ids) >= 90
    assert set(ids) == set(QUICK_VERDICTS), (
        f"claims without a pinned verdict: {sorted(set(ids) - set(QUICK_VERDICTS))}; "
        f"pins for unknown claims: {sorted(set(QUICK_VERDICTS) - set(ids))}")


def test_every_claim_has_a_counterfactual_and_valid_corrections():
    reg = load_builtin()
    for c in reg:
        assert c.counterfactual, f"{c.id} has no counterfactual"
        assert c.counterfactual_text.strip(), f"{c.id} does not say what its counterfactual states"
        for other in c.corrected_by:
            assert other in reg and other != c.id, f"{c.id}: corrected_by names unknown claim {other!r}"
        if QUICK_VERDICTS.get(c.id) == "REFUTED":
            assert c.corrected_by, f"{c.id} is refuted but names no claim registering its corrected statement"


def test_sources_cite_the_notes_or_the_literature_never_files_outside_the_repository():
    notes = re.compile(r"\b00[0-4]_[0-9a-f]{16}\.txt\b")
    for c in _catalogue():
        src = c.source
        assert "REFERENCE" not in src and "shared" not in src, f"{c.id} cites a file outside the repository: {src}"
        assert not re.search(r"\b[\w./-]+\.md\b", src), f"{c.id} cites a Markdown file: {src}"
        assert notes.search(src) or re.search(r"\(\d{4}\)|\d{4}\)|\b(19|20)\d\d\b|arXiv|documentation", src), \
            f"{c.id}: the source names neither a note nor a publication: {src}"


def test_quick_catalogue_decided_pinned_falsifiable_and_corrected():
    ctx = Context(seed=0, full=False, progress=False)
    claims = _catalogue()
    outcomes = {c.id: run_claim(c, ctx) for c in claims}
    failures = []
    for c in claims:
        v = outcomes[c.id].verdict
        if v.verdict in ("ERROR", "INCONCLUSIVE"):
            failures.append(f"{c.id}: {v.verdict}: {v.evidence[:300]}")
            continue
        if v.verdict != QUICK_VERDICTS.get(c.id):
            failures.append(f"{c.id}: {v.verdict}, pinned {QUICK_VERDICTS.get(c.id)}")
        if v.verdict == "REFUTED" and not v.corrected:
            failures.append(f"{c.id}: REFUTED without a corrected statement")
        try:
            cf = c.run(ctx, counterfactual=True)
        except Exception as exc:  # noqa: BLE001 - reported with the others
            failures.append(f"{c.id}: counterfactual raised {type(exc).__name__}: {exc}")
        else:
            if cf.verdict != "REFUTED":
                failures.append(f"{c.id}: counterfactual ({c.counterfactual_text}) came out {cf.verdict}")
    for c in claims:
        if outcomes[c.id].verdict.verdict == "REFUTED":
            for other in c.corrected_by:
                got = outcomes[other].verdict.verdict
                if got != "HOLDS":
                    failures.append(f"{c.id}: its corrected statement {other} is {got}, not HOLDS")
    assert not failures, f"{len(failures)} problem(s):\n" + "\n".join(failures)


@pytest.mark.slow
def test_full_catalogue_decided():
    ctx = Context(seed=0, full=True, progress=False)
    bad = [(c.id, o.verdict.verdict) for c in _catalogue()
           if (o := run_claim(c, ctx)).verdict.verdict in ("ERROR", "INCONCLUSIVE")]
    assert not bad, bad
