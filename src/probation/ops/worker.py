"""The background worker: runs queued tasks (django-tasks, database backend) and, every minute,
the appointment reminder sweep (``probation.supervision.reminder_services.reminders_queue_due``).

One process does both so that a small installation runs one extra command, ``probation
worker``; a large one runs several (tasks are claimed with ``SKIP LOCKED``, and the sweep skips
appointments another sweep holds). Ctrl-C or SIGTERM stops it cleanly: the task running finishes
and is recorded, then the worker exits; a second signal ends it at once.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from django.db import close_old_connections
from django.utils.crypto import get_random_string
from django_tasks import TaskResultStatus
from django_tasks.signals import task_finished
from django_tasks_db.management.commands.db_worker import Worker

from probation.supervision.models import MessageStatus
from probation.supervision.reminder_services import SWEEP_BATCH, reminders_queue_due

logger = logging.getLogger(__name__)

SWEEP_EVERY_SECONDS = 60.0
POLL_SECONDS = 1.0


@dataclass
class WorkerStats:
    """What a worker did, for its last words and for tests."""

    sweeps: int = 0
    queued: int = 0
    not_sent: int = 0
    tasks: int = 0
    task_outcomes: dict[str, int] = field(default_factory=dict)


def sweep_reminders(*, say: Callable[[str], None], stats: WorkerStats) -> None:
    """Queue every reminder now due, a batch (one transaction) at a time."""
    while True:
        messages = reminders_queue_due(by_user=None)
        queued = sum(1 for m in messages if m.status == MessageStatus.QUEUED)
        stats.queued += queued
        stats.not_sent += len(messages) - queued
        if messages:
            appointments = len({m.contact_id for m in messages})
            say(
                f"Reminders: {appointments} appointment(s) due, {queued} message(s) queued, "
                f"{len(messages) - queued} not sent (opted out or no address)."
            )
        if len({m.contact_id for m in messages}) < SWEEP_BATCH:
            break
    stats.sweeps += 1


class _Signals:
    """Ctrl-C and SIGTERM set ``stop`` (and stop the task loop after its current task); a second
    signal ends the worker at once. The previous handlers come back on exit."""

    def __init__(self, *, stop: threading.Event, tasks: Worker, say: Callable[[str], None]) -> None:
        self.stop, self.tasks, self.say = stop, tasks, say
        self.previous: dict[signal.Signals, Any] = {}

    def handle(self, signum: int, frame: FrameType | None) -> None:
        if self.stop.is_set():  # a second Ctrl-C: stop now
            raise KeyboardInterrupt
        self.say(f"{signal.strsignal(signum)}: finishing the current task, then stopping.")
        self.stop.set()
        self.tasks.running = False

    def install(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            self.previous[signum] = signal.signal(signum, self.handle)

    def restore(self) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)


def _task_reporter(stats: WorkerStats, say: Callable[[str], None]) -> Callable[..., None]:
    def finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
        if task_result.status == TaskResultStatus.SUCCESSFUL:
            outcome = str(task_result.return_value)
        else:  # the task raised: its traceback is on its row (django_tasks_database)
            outcome = f"task {str(task_result.status).lower()}"
        stats.tasks += 1
        stats.task_outcomes[outcome] = stats.task_outcomes.get(outcome, 0) + 1
        say(f"Task {task_result.task.name} ({task_result.id}): {outcome}.")

    return finished


def _sweep_safely(*, say: Callable[[str], None], stats: WorkerStats) -> None:
    try:
        sweep_reminders(say=say, stats=stats)
    except Exception:  # a database hiccup must not end the worker: it sweeps again next time
        logger.exception("The reminder sweep failed; it runs again next time")
        say("The reminder sweep failed (see the log); it runs again next time.")


def run_worker(
    *,
    say: Callable[[str], None],
    sweep_every: float = SWEEP_EVERY_SECONDS,
    poll: float = POLL_SECONDS,
    stop: threading.Event | None = None,
    handle_signals: bool = True,
) -> WorkerStats:
    """Run tasks and the reminder sweep (every ``sweep_every`` seconds) until ``stop`` is set,
    by Ctrl-C or SIGTERM when ``handle_signals``; return what was done."""
    stop = stop or threading.Event()
    stats = WorkerStats()
    tasks = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,  # run what is ready, then come back here
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=get_random_string(32),
        excluded_queue_names=[],
    )
    signals = _Signals(stop=stop, tasks=tasks, say=say)
    if handle_signals:
        signals.install()
    uid = f"probation-worker-{id(stats)}"
    task_finished.connect(_task_reporter(stats, say), dispatch_uid=uid, weak=False)
    say(
        "Worker started: running queued tasks, and queueing appointment reminders every "
        f"{sweep_every:g} seconds. Press Ctrl-C to stop."
    )
    next_sweep = time.monotonic()
    try:
        while not stop.is_set():
            close_old_connections()
            if time.monotonic() >= next_sweep:
                next_sweep = time.monotonic() + sweep_every
                _sweep_safely(say=say, stats=stats)
            tasks.running = not stop.is_set()
            tasks.run()
            stop.wait(poll)
    finally:
        task_finished.disconnect(dispatch_uid=uid)
        signals.restore()
        close_old_connections()
    say(
        f"Worker stopped: {stats.sweeps} sweep(s), {stats.queued} reminder(s) queued, "
        f"{stats.tasks} task(s) run."
    )
    return stats
