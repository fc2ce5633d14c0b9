"""``probation worker`` (probation/ops/worker.py): it sweeps for reminders, runs the queued tasks
and says what it does; Ctrl-C or SIGTERM stops it cleanly, restoring the signal handlers."""

from __future__ import annotations

import datetime as dt
import os
import signal
import threading
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from typer.testing import CliRunner

from probation.cli import app
from probation.ops.worker import run_worker
from probation.supervision.models import MessageStatus, ReminderMessage
from probation.supervision.reminder_services import reminder_preference_set
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def due_appointment(crc_order_case: Any, crc_practitioner: Any) -> Any:
    reminder_preference_set(
        case=crc_order_case,
        by_user=crc_practitioner,
        email="sam@example.com",
        mobile="",
        email_opted_out=False,
        sms_opted_out=False,
    )
    return ContactFactory(
        case=crc_order_case,
        starts_at=(timezone.now() + dt.timedelta(hours=5)).replace(second=0, microsecond=0),
    )


@pytest.fixture(autouse=True)
def connections_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker closes old database connections between rounds (as a request does); in a test
    that would close the test's own transaction (PostgreSQL), so it keeps it here."""
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )
    monkeypatch.setattr("probation.ops.worker.close_old_connections", lambda: None)


class Stopper:
    """A ``say`` that records the worker's words and stops it after ``after`` lines."""

    def __init__(self, stop: threading.Event, after: str) -> None:
        self.lines: list[str] = []
        self.stop = stop
        self.after = after

    def __call__(self, message: str) -> None:
        self.lines.append(message)
        if message.startswith(self.after):
            self.stop.set()


def test_the_worker_sweeps_sends_and_says_so(due_appointment):
    stop = threading.Event()
    say = Stopper(stop, after="Task ")

    stats = run_worker(say=say, stop=stop, poll=0.01, handle_signals=False)

    assert (stats.sweeps, stats.queued, stats.not_sent, stats.tasks) == (1, 1, 1, 1)
    assert stats.task_outcomes == {"sent": 1}
    [sent] = mail.outbox
    assert sent.to == ["sam@example.com"]
    assert ReminderMessage.objects.get(channel="email").status == MessageStatus.SENT
    assert say.lines[0].startswith("Worker started")
    assert any(
        "1 appointment(s) due, 1 message(s) queued, 1 not sent" in line for line in say.lines
    )
    assert say.lines[-1] == "Worker stopped: 1 sweep(s), 1 reminder(s) queued, 1 task(s) run."


def test_sigterm_stops_the_worker_cleanly_and_restores_the_handlers(due_appointment):
    before = signal.getsignal(signal.SIGTERM)
    lines: list[str] = []

    def say(message: str) -> None:
        lines.append(message)
        if message.startswith("Worker started"):
            os.kill(os.getpid(), signal.SIGTERM)

    stats = run_worker(say=say, poll=0.01)

    assert any(line.startswith("Terminated: finishing the current task") for line in lines)
    assert lines[-1].startswith("Worker stopped")
    assert stats.sweeps == 0  # stopped before its first sweep: nothing half done
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_failing_sweep_does_not_end_the_worker(due_appointment, monkeypatch):
    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr("probation.ops.worker.reminders_queue_due", broken)
    stop = threading.Event()
    say = Stopper(stop, after="The reminder sweep failed")

    run_worker(say=say, stop=stop, poll=0.01, handle_signals=False)

    assert say.lines[-1].startswith("Worker stopped")


def test_the_worker_command_is_listed() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "worker" in result.output
    assert "--with-worker" in CliRunner().invoke(app, ["serve", "--help"]).output


class FakeProcess:
    """Stands in for the worker's process: records how ``probation serve`` starts and stops it."""

    events: list[Any] = []

    def __init__(self, args: list[str], **kwargs: Any) -> None:
        self.events.append(("start", args[-2:], kwargs.get("start_new_session")))

    def poll(self) -> None:
        return None

    def terminate(self) -> None:
        self.events.append("terminate")

    def wait(self, timeout: float | None = None) -> int:
        self.events.append("wait")
        return 0


@pytest.fixture
def fake_server(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    from probation import cli
    from probation.ops import serve

    FakeProcess.events = []
    monkeypatch.setattr(cli.subprocess, "Popen", FakeProcess)
    monkeypatch.setattr(serve, "serve_production", lambda **kw: FakeProcess.events.append("serve"))
    monkeypatch.setattr(serve, "serve_development", lambda **kw: FakeProcess.events.append("dev"))
    monkeypatch.delenv("RUN_MAIN", raising=False)
    return FakeProcess.events


def test_serve_with_worker_starts_the_worker_and_stops_it_after(fake_server):
    result = CliRunner().invoke(app, ["serve", "--with-worker"])

    assert result.exit_code == 0, result.output
    assert fake_server == [
        ("start", ["probation.cli", "worker"], True),
        "serve",
        "terminate",
        "wait",
    ]
    assert "Starting the background worker" in result.output


def test_serve_stops_the_worker_when_the_server_fails(fake_server, monkeypatch):
    from probation.ops import serve

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("port in use")

    monkeypatch.setattr(serve, "serve_production", broken)
    result = CliRunner().invoke(app, ["serve", "--with-worker"])
    assert result.exit_code != 0
    assert fake_server[-2:] == ["terminate", "wait"]


def test_serve_without_the_flag_or_in_the_reloaded_child_starts_no_worker(fake_server, monkeypatch):
    assert CliRunner().invoke(app, ["serve"]).exit_code == 0
    monkeypatch.setenv("RUN_MAIN", "true")  # Django's reloader runs the command again
    assert CliRunner().invoke(app, ["serve", "--dev", "--with-worker"]).exit_code == 0
    assert fake_server == ["serve", "dev"]


def test_the_worker_refuses_to_start_on_an_unmigrated_database(monkeypatch):
    from probation.ops import serve

    monkeypatch.setattr(serve, "unapplied_migrations", lambda: 3)
    result = CliRunner().invoke(app, ["worker"])
    assert result.exit_code == 1
    assert "needs 3 migration(s)" in result.output
