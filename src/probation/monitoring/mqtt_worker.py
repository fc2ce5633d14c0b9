"""The MQTT ingest worker (``probation em ingest``): telemetry from the broker into the database,
acknowledged only once stored.

Issue 11: ingest "acknowledges (MQTT QoS 1, manual acknowledgement) only what is durably stored
... and scales out by running more workers on a shared subscription". So:

- MQTT 5 with ``manual_ack``: paho does not acknowledge a message on arrival; the worker calls
  ``client.ack(mid, qos)`` for each message of a batch after :func:`store_batch` has committed.
  A worker killed before that leaves its messages unacknowledged, and the broker delivers them
  again (a duplicate is then a no-op, the insert being idempotent);
- a persistent session (``clean_start`` false, a session expiry) under a FIXED client id per
  worker (``--client-id``): the broker keeps the worker's unacknowledged and queued messages
  while it is down and hands them back when it reconnects under the same id. Two workers must
  never share an id (the broker would disconnect the first);
- the shared subscription ``$share/<group>/em/devices/+/telemetry`` (QoS 1): the broker spreads
  the devices' messages over the group's workers; each message goes to one of them;
- ``Receive Maximum`` at least twice the batch size, so that the broker keeps sending while a
  batch waits for its acknowledgements;
- a database error: nothing is acknowledged, the worker reconnects (the broker redelivers only
  on a new connection) and tries again after a pause, longer each time up to 30 seconds; any
  other error (a bug): the batch is stored again message by message, and a message that still
  fails is kept as a dead letter and acknowledged, so that it cannot block all the others;
- Ctrl-C or SIGTERM: no new batch is started, the batch in hand is stored and acknowledged,
  then the worker disconnects (a second signal stops it at once; what it held comes back).

Every minute (``sweep_every``) the worker also runs the no-signal sweep (any number of workers
may: its alerts are idempotent), and every ``report_every`` seconds it prints its counters.
"""

from __future__ import annotations

import logging
import queue
import signal
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType
from typing import Any
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from django.db import InterfaceError, OperationalError, close_old_connections, connection
from django.utils import timezone
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from probation.monitoring.detection import no_signal_sweep
from probation.monitoring.ingest import (
    IncomingMessage,
    IngestResult,
    dead_letter_messages,
    store_batch,
)

logger = logging.getLogger(__name__)

TOPIC_FILTER = "em/devices/+/telemetry"
DEFAULT_GROUP = "ingest"
DEFAULT_SESSION_EXPIRY_SECONDS = 7 * 24 * 3600
MAX_RECEIVE = 65_535
MAX_BACKOFF_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Broker:
    """Where the broker is, from ``MQTT_URL`` (``mqtt://`` or ``mqtts://``, optional
    ``user:password@``)."""

    host: str
    port: int
    tls: bool
    username: str | None
    password: str | None

    @classmethod
    def from_url(cls, url: str) -> Broker:
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise ValueError(
                f"MQTT_URL: must be mqtt://host:port or mqtts://host:port, got {url!r}"
            )
        tls = parts.scheme == "mqtts"
        return cls(
            parts.hostname,
            parts.port or (8883 if tls else 1883),
            tls,
            unquote(parts.username) if parts.username else None,
            unquote(parts.password) if parts.password else None,
        )


@dataclass
class WorkerCounters:
    """What the worker has done since it started."""

    batches: int = 0
    failures: int = 0
    sweeps: int = 0
    no_signal_alerts: int = 0
    totals: IngestResult = field(default_factory=IngestResult)

    def line(self) -> str:
        t = self.totals
        return (
            f"{t.messages:,} message(s) in {self.batches:,} batch(es): {t.fixes_stored:,} fix(es) "
            f"and {t.events_stored:,} event(s) stored, {t.duplicates:,} duplicate(s), "
            f"{t.dead_letters:,} dead letter(s), {t.alerts_raised + self.no_signal_alerts:,} "
            f"alert(s); {self.failures:,} failed batch(es)."
        )


@dataclass(frozen=True, slots=True)
class _Received:
    generation: int
    topic: str
    payload: bytes
    mid: int
    qos: int


@dataclass
class IngestSettings:
    url: str
    client_id: str
    group: str = DEFAULT_GROUP
    batch_size: int = 500
    max_wait: float = 0.2
    session_expiry: int = DEFAULT_SESSION_EXPIRY_SECONDS
    sweep_every: float = 60.0
    report_every: float = 10.0


class IngestWorker:
    """One worker: a paho network thread putting messages on a queue, and this thread taking
    them off in batches, storing and acknowledging them."""

    def __init__(
        self,
        config: IngestSettings,
        *,
        say: Callable[[str], None],
        stop: threading.Event | None = None,
    ) -> None:
        self.config = config
        self.say = say
        self.stop = stop or threading.Event()
        self.counters = WorkerCounters()
        self.inbox: queue.Queue[_Received] = queue.Queue()
        self.generation = 0  # a new connection makes the unacknowledged messages of the old stale
        self.subscribed = threading.Event()
        self.broker = Broker.from_url(config.url)
        self.client = self._client()

    # ---- the connection (paho's thread) ----------------------------------------------------

    def _client(self) -> mqtt.Client:
        client = mqtt.Client(
            callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
            client_id=self.config.client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        if self.broker.username:
            client.username_pw_set(self.broker.username, self.broker.password)
        if self.broker.tls:
            client.tls_set(cert_reqs=ssl.CERT_REQUIRED)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        return client

    def _connect_properties(self) -> Properties:
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = self.config.session_expiry
        properties.ReceiveMaximum = min(MAX_RECEIVE, max(100, 2 * self.config.batch_size))
        return properties

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, *_: Any
    ) -> None:
        if reason.is_failure:
            self.say(f"The broker refused the connection: {reason}.")
            return
        self.generation += 1
        resumed = " (session resumed)" if flags.session_present else ""
        self.say(f"Connected to {self.broker.host}:{self.broker.port}{resumed}.")
        topic = f"$share/{self.config.group}/{TOPIC_FILTER}"
        client.subscribe(topic, options=SubscribeOptions(qos=1))

    def _on_subscribe(
        self, client: mqtt.Client, userdata: Any, mid: int, reasons: Any, *_: Any
    ) -> None:
        if any(r.is_failure for r in reasons):
            self.say(f"The broker refused the subscription: {reasons[0]}.")
            return
        self.say(f"Subscribed to $share/{self.config.group}/{TOPIC_FILTER} (QoS 1).")
        self.subscribed.set()

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, *_: Any
    ) -> None:
        self.subscribed.clear()
        if not self.stop.is_set():
            self.say(f"Disconnected from the broker ({reason}); reconnecting.")

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        self.inbox.put(
            _Received(self.generation, message.topic, message.payload, message.mid, message.qos)
        )

    def _connect(self) -> None:
        delay = 1.0
        while not self.stop.is_set():
            try:
                self.client.connect(
                    self.broker.host,
                    self.broker.port,
                    keepalive=30,
                    clean_start=False,
                    properties=self._connect_properties(),
                )
                break
            except OSError as error:
                self.say(f"Cannot reach the broker ({error}); trying again in {delay:.0f} s.")
                self.stop.wait(delay)
                delay = min(delay * 2, MAX_BACKOFF_SECONDS)
        self.client.loop_start()

    def _reconnect(self) -> None:
        """A new connection, so that the broker delivers again what was not acknowledged."""
        self.client.disconnect()
        self.client.loop_stop()
        self.generation += 1
        while True:  # what is in hand is stale: the broker will send it again
            try:
                self.inbox.get_nowait()
            except queue.Empty:
                break
        self._connect()

    # ---- batches (this thread) -------------------------------------------------------------

    def _next_batch(self) -> list[_Received]:
        try:
            first = self.inbox.get(timeout=0.25)
        except queue.Empty:
            return []
        batch = [first]
        deadline = time.monotonic() + self.config.max_wait
        while len(batch) < self.config.batch_size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                batch.append(self.inbox.get(timeout=remaining))
            except queue.Empty:
                break
        return [m for m in batch if m.generation == self.generation]

    def _store(self, batch: list[_Received]) -> bool:
        """Store and acknowledge ``batch``; False if the database failed (nothing acknowledged
        that was not stored).

        A batch that fails for another reason than the database's connection is stored again
        one message at a time, so that one message the code cannot handle (a bug) cannot block
        every other one: the others are stored, and that one is kept as a dead letter."""
        try:
            result = store_batch([IncomingMessage(m.topic, m.payload) for m in batch])
        except (OperationalError, InterfaceError):
            logger.exception("A telemetry batch could not be stored")
            return self._failed()
        except Exception:
            logger.exception("A telemetry batch failed; storing its messages one by one")
            return self._store_one_by_one(batch)
        self._acknowledge(batch, result)
        return True

    def _store_one_by_one(self, batch: list[_Received]) -> bool:
        for m in batch:
            message = IncomingMessage(m.topic, m.payload)
            try:
                try:
                    result = store_batch([message])
                except (OperationalError, InterfaceError):
                    raise
                except Exception as error:
                    logger.exception("A telemetry message could not be stored: a dead letter")
                    reason = f"could not be stored ({type(error).__name__}); see the worker's log"
                    result = IngestResult(
                        messages=1, dead_letters=dead_letter_messages([message], reason=reason)
                    )
            except (OperationalError, InterfaceError):
                logger.exception("A telemetry message could not be stored")
                return self._failed()
            self._acknowledge([m], result)
        return True

    def _acknowledge(self, batch: list[_Received], result: IngestResult) -> None:
        for m in batch:
            if m.generation == self.generation:
                self.client.ack(m.mid, m.qos)
        self.counters.batches += 1
        self.counters.totals.add(result)

    def _failed(self) -> bool:
        self.counters.failures += 1
        connection.close()  # a broken connection is not reused
        return False

    def _sweep(self) -> None:
        try:
            self.counters.no_signal_alerts += no_signal_sweep(timezone.now())
            self.counters.sweeps += 1
        except Exception:
            logger.exception("The no-signal sweep failed; it runs again next time")
            connection.close()

    def run(self) -> WorkerCounters:
        """Until ``stop`` is set: take batches, store them, acknowledge them."""
        self.say(
            f"Ingest worker {self.config.client_id}: batches of up to {self.config.batch_size} "
            f"message(s), waiting at most {self.config.max_wait * 1000:.0f} ms for one."
        )
        self._connect()
        next_sweep = time.monotonic()
        next_report = time.monotonic() + self.config.report_every
        backoff = 1.0
        reported = ""
        try:
            while not self.stop.is_set():
                batch = self._next_batch()
                if batch:
                    if self._store(batch):
                        backoff = 1.0
                    else:
                        self.say(f"Storing a batch failed; reconnecting in {backoff:.0f} s.")
                        self.stop.wait(backoff)
                        backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
                        self._reconnect()
                        continue
                now = time.monotonic()
                if now >= next_sweep:
                    self._sweep()
                    next_sweep = now + self.config.sweep_every
                if now >= next_report:
                    line = self.counters.line()
                    if line != reported:  # quiet while nothing arrives
                        self.say(line)
                        reported = line
                    next_report = now + self.config.report_every
                close_old_connections()
        finally:
            self.client.disconnect()
            self.client.loop_stop()
            self.say(f"Stopped. {self.counters.line()}")
        return self.counters


class _Signals:
    """Ctrl-C and SIGTERM: finish the batch in hand, then stop; a second signal: stop now."""

    def __init__(self, stop: threading.Event, say: Callable[[str], None]) -> None:
        self.stop, self.say = stop, say
        self.previous: dict[signal.Signals, Any] = {}

    def handle(self, signum: int, frame: FrameType | None) -> None:
        if self.stop.is_set():
            raise KeyboardInterrupt
        self.say(f"{signal.strsignal(signum)}: storing the batch in hand, then stopping.")
        self.stop.set()

    def __enter__(self) -> _Signals:
        for signum in (signal.SIGINT, signal.SIGTERM):
            self.previous[signum] = signal.signal(signum, self.handle)
        return self

    def __exit__(self, *exc: Any) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)


def run_ingest(config: IngestSettings, *, say: Callable[[str], None]) -> WorkerCounters:
    """Run a worker until Ctrl-C or SIGTERM."""
    stop = threading.Event()
    with _Signals(stop, say):
        return IngestWorker(config, say=say, stop=stop).run()
