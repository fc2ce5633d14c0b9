"""One audit vocabulary and one writer: nothing but probation.core.audit creates audit rows, and
the writer refuses anything that is not an AuditAction."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import probation
from probation.core.audit import AuditAction, AuditRecord, audit, audit_many
from probation.core.models import AuditEvent

SRC = Path(probation.__file__).parent
WRITER = SRC / "core" / "audit.py"
SOURCES = sorted(p for p in SRC.rglob("*.py") if "migrations" not in p.parts and p != WRITER)


WRITING_METHODS = (
    ".create",
    ".bulk_create",
    ".get_or_create",
    ".update_or_create",
    ".update",
    ".delete",
    ".raw",
)


def _creates_audit_rows(tree: ast.AST) -> list[int]:
    """Lines that build an AuditEvent, call a manager's create/bulk_create on it, or name its
    table in SQL."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            text = ast.unparse(node.func)
            if text == "AuditEvent" or (
                text.startswith("AuditEvent.objects.") and text.endswith(WRITING_METHODS)
            ):
                lines.append(node.lineno)
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and "core_auditevent" in node.value.lower()
            and any(verb in node.value.upper() for verb in ("INSERT", "COPY", "UPDATE", "DELETE"))
        ):
            lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(SRC)))
def test_only_the_writer_creates_audit_events(path: Path) -> None:
    lines = _creates_audit_rows(ast.parse(path.read_text(encoding="utf-8")))
    assert not lines, f"{path.relative_to(SRC)}:{lines} writes audit rows: use core.audit"


def test_the_check_finds_a_hand_built_event() -> None:
    source = (
        "from x import AuditEvent\nAuditEvent.objects.create(action='x')\nAuditEvent(a=1)\n"
        "sql = 'INSERT INTO core_auditevent VALUES (1)'\ntable = 'core_auditevent'\n"
    )
    assert _creates_audit_rows(ast.parse(source)) == [2, 3, 4]


def test_free_string_actions_are_refused(db) -> None:
    with pytest.raises(TypeError):
        audit(None, "case.viewed")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        audit_many([AuditRecord(action="tier.recalculated")])  # type: ignore[arg-type]
    assert not AuditEvent.objects.exists()


def test_every_action_has_words_for_the_auditor() -> None:
    for action in AuditAction:
        assert action.label and action.label != action.value
        assert action.label[0].isupper(), action


def test_audit_many_writes_every_record_with_system_as_the_actor(db) -> None:
    written = audit_many(
        [
            AuditRecord(action=AuditAction.TIER_RECALCULATED, crn="X000001", after={"tier": "B2"}),
            AuditRecord(action=AuditAction.TIER_RECALCULATED, crn="X000002", after={"tier": "C1"}),
        ]
    )
    assert written == 2
    events = AuditEvent.objects.order_by("crn")
    assert [e.crn for e in events] == ["X000001", "X000002"]
    assert {e.actor_label for e in events} == {"system"}
    assert events[0].after == {"tier": "B2"}


@pytest.mark.django_db
def test_audited_update_saves_only_the_changes_and_records_before_and_after():
    from probation.core.audit import audited_update
    from probation.workforce.models import Team
    from tests.factories import organisation

    team = Team.objects.create(organisation=organisation("NPS"), name="Bootle")
    Team.objects.filter(pk=team.pk).update(name="Changed elsewhere")  # not in the update
    team.name = "Bootle"  # stale in memory: must not be written back

    def snapshot(t):
        return {"office": t.office_id}

    audited_update(
        team,
        by_user=None,
        action=AuditAction.USER_CHANGED,
        crn="",
        snapshot=snapshot,
        details={"why": "test"},
        office=None,
    )
    assert Team.objects.get(pk=team.pk).name == "Changed elsewhere"
    event = AuditEvent.objects.filter(action=AuditAction.USER_CHANGED).latest("pk")
    assert (event.before, event.after, event.details) == (
        {"office": None},
        {"office": None},
        {"why": "test"},
    )
    assert event.subject_id == str(team.pk)
