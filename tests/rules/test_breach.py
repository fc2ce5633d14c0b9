"""The court outcomes of a breach (``docs/domain/enforcement.md``; for post-sentence supervision
``docs/domain/sentences.md``), one row per case, edges included."""

from __future__ import annotations

import datetime as dt

import pytest

from probation.rules.breach import (
    OUTCOMES,
    BreachOutcomeFacts,
    breach_kind,
    breach_outcome_refusals,
    outcomes_for,
)


@pytest.mark.parametrize(
    ("kind", "outcome", "figures", "refused"),
    [
        # Breach of a community or suspended sentence order.
        ("order", "continues", {}, []),
        ("order", "continues_amended", {}, []),
        ("order", "continues_fine", {"fine_pounds": 1}, []),
        ("order", "continues_fine", {"fine_pounds": 2500}, []),
        ("order", "continues_fine", {"fine_pounds": 2501}, ["fine_pounds_range"]),
        ("order", "continues_fine", {"fine_pounds": 0}, ["fine_pounds_range"]),
        ("order", "continues_fine", {}, ["fine_pounds_missing"]),
        ("order", "revoked_custody", {"custody_days": 1}, []),
        ("order", "revoked_custody", {"custody_days": 730}, []),
        ("order", "revoked_custody", {"custody_days": 0}, ["custody_days_range"]),
        ("order", "revoked_custody", {}, ["custody_days_missing"]),
        ("order", "revoked_new_order", {}, []),
        ("order", "continues", {"fine_pounds": 50}, ["fine_pounds_not_taken"]),
        # Post-sentence supervision: sentences.md's limits at their edges.
        ("pss", "pss_custody", {"custody_days": 14}, []),
        ("pss", "pss_custody", {"custody_days": 1}, []),
        ("pss", "pss_custody", {"custody_days": 15}, ["custody_days_range"]),
        ("pss", "pss_custody", {"custody_days": 0}, ["custody_days_range"]),
        ("pss", "pss_fine", {"fine_pounds": 1000}, []),
        ("pss", "pss_fine", {"fine_pounds": 1001}, ["fine_pounds_range"]),
        ("pss", "pss_sdo_unpaid_work", {"unpaid_work_hours": 20}, []),
        ("pss", "pss_sdo_unpaid_work", {"unpaid_work_hours": 60}, []),
        ("pss", "pss_sdo_unpaid_work", {"unpaid_work_hours": 19}, ["unpaid_work_hours_range"]),
        ("pss", "pss_sdo_unpaid_work", {"unpaid_work_hours": 61}, ["unpaid_work_hours_range"]),
        ("pss", "pss_sdo_unpaid_work", {}, ["unpaid_work_hours_missing"]),
        ("pss", "pss_sdo_curfew", {"curfew_hours_a_day": 2, "curfew_days": 20}, []),
        ("pss", "pss_sdo_curfew", {"curfew_hours_a_day": 16, "curfew_days": 90}, []),
        (
            "pss",
            "pss_sdo_curfew",
            {"curfew_hours_a_day": 1, "curfew_days": 20},
            ["curfew_hours_a_day_range"],
        ),
        (
            "pss",
            "pss_sdo_curfew",
            {"curfew_hours_a_day": 17, "curfew_days": 19},
            ["curfew_hours_a_day_range", "curfew_days_range"],
        ),
        ("pss", "pss_sdo_curfew", {"curfew_hours_a_day": 8}, ["curfew_days_missing"]),
        ("pss", "pss_no_action", {}, []),
        # An outcome of the other kind of breach.
        ("pss", "revoked_custody", {"custody_days": 10}, ["outcome_kind"]),
        ("order", "pss_custody", {"custody_days": 10}, ["outcome_kind"]),
        ("order", "pss_no_action", {}, ["outcome_kind"]),
    ],
)
def test_breach_outcome_refusals(kind, outcome, figures, refused):
    facts = BreachOutcomeFacts(kind=kind, outcome=outcome, **figures)
    assert [r.rule for r in breach_outcome_refusals(facts)] == refused


def test_each_refusal_names_its_field_and_says_what_to_do():
    (refusal,) = breach_outcome_refusals(
        BreachOutcomeFacts(kind="pss", outcome="pss_fine", fine_pounds=5000)
    )
    assert refusal.field == "fine_pounds"
    assert refusal.message == "The fine must be between £1 and £1,000 (level 3)"


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (
            "order",
            (
                "continues",
                "continues_amended",
                "continues_fine",
                "revoked_custody",
                "revoked_new_order",
            ),
        ),
        (
            "pss",
            ("pss_custody", "pss_fine", "pss_sdo_unpaid_work", "pss_sdo_curfew", "pss_no_action"),
        ),
    ],
)
def test_outcomes_for_each_kind(kind, expected):
    assert outcomes_for(kind) == expected


@pytest.mark.parametrize(
    ("outcome", "effect"),
    [
        ("continues", "none"),
        ("continues_amended", "amend_requirements"),
        ("continues_fine", "none"),
        ("revoked_custody", "revoke_and_resentence"),
        ("revoked_new_order", "revoke_and_resentence"),
        ("pss_custody", "none"),
        ("pss_sdo_unpaid_work", "add_requirement"),
        ("pss_sdo_curfew", "add_requirement"),
    ],
)
def test_what_each_outcome_does_to_the_sentence(outcome, effect):
    kind = OUTCOMES[outcome].kind
    assert BreachOutcomeFacts(kind=kind, outcome=outcome).effect == effect


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "licence", "outcome": "continues"}, "kind"),
        ({"kind": "order", "outcome": "acquitted"}, "outcome"),
        ({"kind": "order", "outcome": "continues_fine", "fine_pounds": 10.5}, "fine_pounds"),
        ({"kind": "order", "outcome": "continues_fine", "fine_pounds": True}, "fine_pounds"),
        ({"kind": "pss", "outcome": "pss_custody", "custody_days": "14"}, "custody_days"),
    ],
)
def test_bad_input_is_refused_naming_the_field(kwargs, field):
    with pytest.raises(ValueError, match=f"^{field}:"):
        BreachOutcomeFacts(**kwargs)


def test_outcomes_for_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match=r"^kind:"):
        outcomes_for("licence")


def test_the_table_matches_the_models_choices():
    """The rule's outcomes are exactly the model's (rules stay pure, so checked here)."""
    from probation.enforcement.models import BreachKind, CourtOutcome

    assert set(OUTCOMES) == set(CourtOutcome.values)
    assert {rule.kind for rule in OUTCOMES.values()} == set(BreachKind.values)


LICENCE_END = dt.date(2026, 6, 30)
SUPERVISION_END = dt.date(2027, 6, 30)


@pytest.mark.parametrize(
    ("custodial", "failure_on", "expected"),
    [
        (False, dt.date(2026, 1, 1), "order"),
        (True, LICENCE_END, None),  # the last day of the licence: recall, not breach
        (True, LICENCE_END + dt.timedelta(days=1), "pss"),
        (True, SUPERVISION_END, "pss"),
        (True, SUPERVISION_END + dt.timedelta(days=1), None),
        (True, dt.date(2025, 1, 1), None),
    ],
)
def test_breach_kind(custodial, failure_on, expected):
    assert (
        breach_kind(
            custodial=custodial,
            failure_on=failure_on,
            licence_end=LICENCE_END,
            supervision_end=SUPERVISION_END,
        )
        == expected
    )


def test_a_custodial_sentence_without_supervision_has_no_breach():
    assert breach_kind(custodial=True, failure_on=dt.date(2026, 1, 1)) is None


def test_the_docstring_examples_run():
    import doctest

    from probation.rules import breach

    result = doctest.testmod(breach, verbose=False)
    assert result.attempted > 0 and result.failed == 0
