"""Background tasks of supervision, run by ``probation worker`` (django-tasks, database backend).

A task carries only the id of its row: the row is the truth, read afresh and locked when the
task runs (a task's arguments are stored as JSON and may be run long after they were written).
"""

from __future__ import annotations

from django_tasks import task

from probation.supervision.reminder_services import reminder_send


@task()
def send_reminder(message_id: int) -> str:
    """Send one queued appointment reminder; return its status afterwards (sent, failed,
    not_sent), or ``gone`` if the message no longer exists. Safe to run twice."""
    message = reminder_send(message_id=message_id, by_user=None)
    return message.status if message is not None else "gone"
