"""Fill ``Case.awaiting_since`` and ``Case.assignment_due_on`` for the cases waiting for a
practitioner when the fields were added: since the latest sift, due by a confirmed
escalation's transfer-in day or else the latest sift's assignment clock (as the list ordered
them before; docs/adr/0017-allocation-clocks-and-notices.md, decision 8)."""

from django.db import migrations
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce

CHUNK = 5000


def fill(apps, schema_editor):
    Case = apps.get_model("people", "Case")
    SiftDecision = apps.get_model("allocation", "SiftDecision")
    Escalation = apps.get_model("allocation", "Escalation")
    latest = SiftDecision.objects.filter(case=OuterRef("pk")).order_by("-decided_at", "-id")
    confirmed = Escalation.objects.filter(case=OuterRef("pk"), state="confirmed").order_by(
        "-decided_at", "-id"
    )
    waiting = (
        Case.objects.filter(status="active", responsible_officer__isnull=True)
        .annotate(
            since=Subquery(latest.values("decided_at")[:1]),
            due=Coalesce(
                Subquery(confirmed.values("transfer_due_on")[:1]),
                Subquery(latest.values("assignment_due_on")[:1]),
            ),
        )
        .order_by("pk")
    )
    batch = []
    for case in waiting.iterator(chunk_size=CHUNK):
        case.awaiting_since, case.assignment_due_on = case.since, case.due
        batch.append(case)
        if len(batch) == CHUNK:
            Case.objects.bulk_update(batch, ["awaiting_since", "assignment_due_on"])
            batch = []
    if batch:
        Case.objects.bulk_update(batch, ["awaiting_since", "assignment_due_on"])


class Migration(migrations.Migration):
    dependencies = [
        ("allocation", "0003_escalations_transfers_first_appointments"),
        ("people", "0008_case_awaiting_assignment"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
