"""Electronic monitoring (``docs/domain/electronic-monitoring.md``).

- ``EmOrder`` and what it monitors: curfew windows at an address, zones, victim proximity,
  trail and alcohol monitoring, made from a requirement, a licence condition or a bail condition;
- ``Device`` and its ``Fitting``s: the tag's lifecycle (in stock → fitted → removed / lost /
  faulty), every step audited;
- telemetry: ``Fix`` and ``DeviceEvent`` (partitioned by day on PostgreSQL, 64-bit keys,
  idempotent on the device's sequence number), ``DeadLetter`` for what could not be stored;
- detection: ``RuleState`` (the last known state of each rule of an order, so that one violation
  raises one alert) and ``Alert`` (acknowledged and resolved, never deleted);
- billing: ``PersonStatus`` (custody, death, removal from the country, from other systems),
  ``ProviderClaim`` and ``ClaimDay`` (a provider's claimed device-days, each judged against the
  ledger with its reasons), and ``LedgerMonth`` (a provider's month as the ledger judged it,
  stored for the contract managers' totals).

The decisions are in ``docs/adr/0020-electronic-monitoring.md``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

# --- Orders --------------------------------------------------------------------------------


class OrderSource(models.TextChoices):
    REQUIREMENT = "requirement", "Sentence requirement"
    LICENCE_CONDITION = "licence_condition", "Licence condition"
    BAIL_CONDITION = "bail_condition", "Bail condition"


class OrderStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ENDED = "ended", "Ended"
    REVOKED = "revoked", "Revoked"


class EmOrder(models.Model):
    """What a person is monitored for, from when to when, and why."""

    id = models.BigAutoField(primary_key=True)
    case = models.ForeignKey("people.Case", on_delete=models.PROTECT, related_name="em_orders")
    source = models.CharField(max_length=20, choices=OrderSource.choices)
    # The requirement the order enforces (curfew, exclusion, alcohol abstinence monitoring), or
    # the words of the licence or bail condition.
    requirement = models.ForeignKey(
        "courts.Requirement", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    condition = models.CharField(max_length=500, blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField()
    status = models.CharField(max_length=10, choices=OrderStatus.choices, default="active")
    # The curfew address and its buffer: a GPS fix further than the buffer is absent.
    curfew_address = models.ForeignKey(
        "people.Address", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    curfew_latitude = models.FloatField(null=True, blank=True)
    curfew_longitude = models.FloatField(null=True, blank=True)
    curfew_buffer_m = models.PositiveIntegerField(default=50)
    trail_monitoring = models.BooleanField(default=False)
    alcohol_monitoring = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["case", "status"], name="em_order_case_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="em_order_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(source="requirement", requirement__isnull=False)
                | ~Q(source="requirement"),
                name="em_order_requirement_named",
            ),
        ]

    def __str__(self) -> str:
        return f"EM order {self.id} ({self.starts_on} to {self.ends_on})"


class CurfewWindow(models.Model):
    """One window of the weekly curfew timetable (``ends`` ≤ ``starts`` runs past midnight)."""

    order = models.ForeignKey(EmOrder, on_delete=models.CASCADE, related_name="curfew_windows")
    weekday = models.PositiveSmallIntegerField(help_text="0 Monday … 6 Sunday")
    starts = models.TimeField()
    ends = models.TimeField()

    class Meta:
        ordering = ["order_id", "weekday", "starts"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="curfew_window_weekday")
        ]

    def __str__(self) -> str:
        return f"Curfew {self.weekday} {self.starts}-{self.ends}"


class ZoneKind(models.TextChoices):
    EXCLUSION = "exclusion", "Exclusion zone (must not enter)"
    INCLUSION = "inclusion", "Inclusion zone (must stay inside)"


class Zone(models.Model):
    """An exclusion or inclusion zone: a GeoJSON polygon or a circle, with a buffer and an
    optional weekly timetable (empty: always in force)."""

    order = models.ForeignKey(EmOrder, on_delete=models.CASCADE, related_name="zones")
    kind = models.CharField(max_length=10, choices=ZoneKind.choices)
    name = models.CharField(max_length=100)
    # GeoJSON geometry (Polygon or MultiPolygon, WGS84), or a circle: {"type": "Circle",
    # "coordinates": [lon, lat], "radius_m": 200} (probation.rules.geo).
    geometry = models.JSONField()
    buffer_m = models.PositiveIntegerField(default=0)
    # [[weekday, "HH:MM", "HH:MM"], ...]; empty: always in force.
    timetable = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["order_id", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"


class VictimProximity(models.Model):
    """A victim's protection: their linked device or a fixed address, with an exclusion radius
    and a hysteresis margin (the alert clears only beyond radius + hysteresis)."""

    order = models.ForeignKey(EmOrder, on_delete=models.CASCADE, related_name="proximities")
    victim_device = models.ForeignKey(
        "monitoring.Device", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    radius_m = models.PositiveIntegerField()
    hysteresis_m = models.PositiveIntegerField(default=100)

    class Meta:
        ordering = ["order_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(victim_device__isnull=False)
                | (Q(latitude__isnull=False) & Q(longitude__isnull=False)),
                name="victim_proximity_has_a_place",
            )
        ]

    def __str__(self) -> str:
        return f"Victim proximity {self.radius_m} m"


# --- Devices -------------------------------------------------------------------------------


class DeviceKind(models.TextChoices):
    GPS = "gps", "GPS tag"
    RF = "rf", "Radio frequency tag with home unit"
    ALCOHOL = "alcohol", "Transdermal alcohol tag"
    VICTIM = "victim", "Victim's device"


class DeviceState(models.TextChoices):
    IN_STOCK = "in_stock", "In stock"
    FITTED = "fitted", "Fitted"
    REMOVED = "removed", "Removed"
    LOST = "lost", "Lost"
    FAULTY = "faulty", "Faulty"


class Device(models.Model):
    """A tag (or a victim's device) and where it is in its lifecycle."""

    id = models.BigAutoField(primary_key=True)
    serial = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=10, choices=DeviceKind.choices)
    state = models.CharField(max_length=10, choices=DeviceState.choices, default="in_stock")
    provider = models.ForeignKey(
        "workforce.Organisation", on_delete=models.PROTECT, related_name="devices"
    )
    # The order the device is fitted to now (None unless fitted).
    order = models.ForeignKey(
        EmOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="devices"
    )
    # The last message stored from it, for the no-signal check.
    last_seen_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["serial"]
        indexes = [models.Index(fields=["state", "last_seen_at"], name="device_state_seen")]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="fitted", order__isnull=False) | ~Q(state="fitted"),
                name="device_fitted_to_an_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.serial}"


class Fitting(models.Model):
    """A device fitted to an order, and when and why it came off (the billing ledger's facts)."""

    id = models.BigAutoField(primary_key=True)
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="fittings")
    order = models.ForeignKey(EmOrder, on_delete=models.PROTECT, related_name="fittings")
    fitted_at = models.DateTimeField()
    fitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    # Why it came off: removed, lost or faulty (DeviceState values).
    ended_because = models.CharField(max_length=10, choices=DeviceState.choices, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["device_id", "fitted_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("fitted_at")),
                name="fitting_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["device"], condition=Q(ended_at__isnull=True), name="fitting_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"Device {self.device_id} on order {self.order_id} from {self.fitted_at}"


# --- Telemetry (partitioned by day on PostgreSQL: see the migration) --------------------------


class Fix(models.Model):
    """A position fix. Stored once per (device, sequence): a retransmission is ignored."""

    id = models.BigAutoField(primary_key=True)
    device = models.ForeignKey(Device, on_delete=models.DO_NOTHING, db_constraint=False)
    sequence = models.BigIntegerField()
    recorded_at = models.DateTimeField()
    received_at = models.DateTimeField()
    latitude = models.FloatField()
    longitude = models.FloatField()
    accuracy_m = models.FloatField(null=True, blank=True)

    class Meta:
        managed = True
        ordering = ["device_id", "recorded_at"]
        indexes = [models.Index(fields=["device", "recorded_at"], name="fix_device_time")]
        constraints = [
            models.UniqueConstraint(
                fields=["device", "sequence", "recorded_at"], name="fix_device_sequence"
            )
        ]

    def __str__(self) -> str:
        return f"Fix {self.device_id}#{self.sequence}"


class DeviceEventKind(models.TextChoices):
    HEARTBEAT = "heartbeat", "Heartbeat"
    STRAP_TAMPER = "strap_tamper", "Strap tamper"
    STRAP_RESTORED = "strap_restored", "Strap restored"
    BATTERY_LOW = "battery_low", "Battery low"
    CHARGING = "charging", "Charging"
    NO_SIGNAL = "no_signal", "No signal"
    SIGNAL_RESTORED = "signal_restored", "Signal restored"
    HOME_UNIT_OUT = "home_unit_out", "Out of range of the home unit"
    HOME_UNIT_IN = "home_unit_in", "In range of the home unit"
    ALCOHOL_READING = "alcohol_reading", "Alcohol reading"


class DeviceEvent(models.Model):
    """A device event (tamper, battery, signal, home unit range, alcohol reading)."""

    id = models.BigAutoField(primary_key=True)
    device = models.ForeignKey(Device, on_delete=models.DO_NOTHING, db_constraint=False)
    sequence = models.BigIntegerField()
    recorded_at = models.DateTimeField()
    received_at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=DeviceEventKind.choices)
    value = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["device_id", "recorded_at"]
        indexes = [models.Index(fields=["device", "recorded_at"], name="device_event_device_time")]
        constraints = [
            models.UniqueConstraint(
                fields=["device", "sequence", "recorded_at"], name="device_event_sequence"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.device_id}#{self.sequence}"


class DeadLetter(models.Model):
    """A message, or a part of one, that could not be stored, with the reason. Counted, kept for
    review, never blocking the rest of its batch."""

    id = models.BigAutoField(primary_key=True)
    received_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=200, help_text="MQTT topic or HTTP path")
    device_serial = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=300)
    payload = models.TextField(help_text="The message or item, truncated to 4,000 characters.")

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["received_at"], name="dead_letter_received")]

    def __str__(self) -> str:
        return f"Dead letter {self.id}: {self.reason}"


# --- Detection and alerts ------------------------------------------------------------------


class RuleState(models.Model):
    """The last known state of one rule of an order (``rule``: e.g. ``zone:12``, ``curfew``,
    ``proximity:3``, ``tamper``, ``battery``, ``signal``), so that one violation raises one
    alert and a late fix is judged against what was known at its own time."""

    id = models.BigAutoField(primary_key=True)
    order = models.ForeignKey(EmOrder, on_delete=models.CASCADE, related_name="rule_states")
    rule = models.CharField(max_length=40)
    state = models.JSONField(default=dict)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "rule"], name="rule_state_unique")]

    def __str__(self) -> str:
        return f"{self.rule} of order {self.order_id}"


class AlertKind(models.TextChoices):
    EXCLUSION_ENTERED = "exclusion_entered", "Entered an exclusion zone"
    INCLUSION_LEFT = "inclusion_left", "Left an inclusion zone"
    CURFEW_ABSENT = "curfew_absent", "Absent during curfew"
    VICTIM_PROXIMITY = "victim_proximity", "Too close to a protected victim"
    TAMPER = "tamper", "Strap tampered with"
    BATTERY_LOW = "battery_low", "Battery low"
    NO_SIGNAL = "no_signal", "No signal"


#: How serious each kind is: the queue shows the most serious first (1 is the most serious).
ALERT_SEVERITY = {
    AlertKind.VICTIM_PROXIMITY: 1,
    AlertKind.EXCLUSION_ENTERED: 1,
    AlertKind.TAMPER: 2,
    AlertKind.INCLUSION_LEFT: 2,
    AlertKind.CURFEW_ABSENT: 2,
    AlertKind.NO_SIGNAL: 3,
    AlertKind.BATTERY_LOW: 4,
}


class AlertState(models.TextChoices):
    NEW = "new", "New"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


class AlertOutcome(models.TextChoices):
    BREACH_ACTION = "breach_action", "Referred for enforcement action"
    EXPLAINED = "explained", "Explained: no further action"
    EQUIPMENT_FAULT = "equipment_fault", "Equipment fault"
    FALSE_ALARM = "false_alarm", "False alarm"
    POLICE_INFORMED = "police_informed", "Police informed"


class Alert(models.Model):
    """A violation or device condition. One per episode of a rule (``rule`` and
    ``episode_started_at`` are unique per order, so a retransmitted or re-judged fix cannot raise
    it twice). Acknowledged and resolved, never deleted."""

    id = models.BigAutoField(primary_key=True)
    order = models.ForeignKey(EmOrder, on_delete=models.PROTECT, related_name="alerts")
    case = models.ForeignKey("people.Case", on_delete=models.PROTECT, related_name="em_alerts")
    device = models.ForeignKey(
        Device, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    severity = models.PositiveSmallIntegerField()
    rule = models.CharField(max_length=40)
    # When the violation began by the device's clock, and when the platform raised it.
    episode_started_at = models.DateTimeField()
    raised_at = models.DateTimeField(default=timezone.now)
    # The fix or event that raised it (device time) and what the operator should see.
    evidence = models.JSONField(default=dict)
    state = models.CharField(max_length=12, choices=AlertState.choices, default="new")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=20, choices=AlertOutcome.choices, blank=True)
    outcome_note = models.TextField(blank=True)
    # When the responsible officer was told (their to-do list shows it from then).
    officer_notified_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["severity", "-raised_at"]
        indexes = [
            models.Index(
                fields=["severity", "-raised_at"],
                condition=~Q(state="resolved"),
                name="alert_open_queue",
            ),
            models.Index(fields=["case", "-raised_at"], name="alert_case"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "rule", "episode_started_at"], name="alert_one_per_episode"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} (alert {self.id})"


# --- Billing -------------------------------------------------------------------------------


class StatusKind(models.TextChoices):
    IN_CUSTODY = "in_custody", "In custody"
    DECEASED = "deceased", "Deceased"
    REMOVED = "removed", "Removed from the country"


class PersonStatus(models.Model):
    """A fact from another system that stops a device-day being billable: a spell in custody
    (with its end, once released), a death, a removal from the country."""

    id = models.BigAutoField(primary_key=True)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=StatusKind.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=60, help_text="e.g. prison system, death register")
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["person_id", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=F("starts_at")),
                name="person_status_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.starts_at}"


class ProviderClaim(models.Model):
    """A provider's claim for a month's device-days (uploaded as CSV), and its reconciliation."""

    id = models.BigAutoField(primary_key=True)
    provider = models.ForeignKey(
        "workforce.Organisation", on_delete=models.PROTECT, related_name="em_claims"
    )
    month = models.DateField(help_text="The first day of the month claimed.")
    file_name = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    days_claimed = models.PositiveIntegerField(default=0)
    days_accepted = models.PositiveIntegerField(default=0)
    days_rejected = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-month", "-id"]

    def __str__(self) -> str:
        return f"Claim {self.id} for {self.month:%B %Y}"


class ClaimDay(models.Model):
    """One claimed device-day and the ledger's judgement of it."""

    id = models.BigAutoField(primary_key=True)
    claim = models.ForeignKey(ProviderClaim, on_delete=models.PROTECT, related_name="days")
    line = models.PositiveIntegerField(help_text="Line of the claim file.")
    device_serial = models.CharField(max_length=40)
    device = models.ForeignKey(
        Device, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField()
    accepted = models.BooleanField()
    reasons = models.JSONField(default=list, help_text="Why the day is not billable, in words.")

    class Meta:
        ordering = ["claim_id", "line"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "device_serial", "day"], name="claim_day_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.device_serial} on {self.day}"


class LedgerMonth(models.Model):
    """A provider's month as the billing ledger judged it, stored so that the contract
    managers' totals are read, not judged on every page load (judging a month of 20,000 tags
    takes seconds). Written only by ``monitoring.ledger_services.ledger_month_record``: nightly
    by ``probation em ledger`` and whenever a claim for the month is reconciled."""

    id = models.BigAutoField(primary_key=True)
    provider = models.ForeignKey(
        "workforce.Organisation", on_delete=models.PROTECT, related_name="em_ledger_months"
    )
    month = models.DateField(help_text="The first day of the month.")
    billable_days = models.PositiveIntegerField(help_text="Device-days the ledger finds billable.")
    device_days = models.PositiveIntegerField(
        help_text="Device-days on which a device was on someone for some of the day (judged)."
    )
    computed_at = models.DateTimeField(help_text="When the ledger was judged for these figures.")

    class Meta:
        ordering = ["-month", "provider_id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "month"], name="ledger_month_unique"),
            models.CheckConstraint(
                condition=Q(billable_days__lte=F("device_days")),
                name="ledger_month_billable_within_fitted",
            ),
        ]

    def __str__(self) -> str:
        return f"Ledger for {self.month:%B %Y}"
