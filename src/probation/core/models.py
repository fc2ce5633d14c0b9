"""Shared models: the append-only audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditAction(models.TextChoices):
    """Everything the audit trail records, with the words an auditor reads.

    The single vocabulary of the trail: :func:`probation.core.audit.audit` refuses anything else.
    A new capability adds its members here (values are ``subject.verb`` in the past tense).
    """

    # Signing in and the service itself
    USER_SIGNED_IN = "user.signed_in", "Signed in"
    SESSION_EXPIRED = "user.session_expired", "Signed out by the session time limit"
    SIGN_IN_FAILED = "user.sign_in_failed", "Failed to sign in"
    SIGN_IN_LOCKED_OUT = "user.locked_out", "Sign-in locked after repeated failures"
    # Staff accounts (whatever the path: a service, the admin, a bulk command)
    USER_CREATED = "user.created", "Staff account created"
    USER_CHANGED = "user.changed", "Staff account changed"
    USER_DELETED = "user.deleted", "Staff account deleted"
    USER_ROLES_CHANGED = "user.roles_changed", "Roles changed"
    CSRF_REFUSED = "request.csrf_refused", "Refused a form that failed the security check (CSRF)"
    API_TOKEN_CREATED = "api_token.created", "Created an API token"
    API_TOKEN_REVOKED = "api_token.revoked", "API token revoked"
    SECOND_FACTOR_ENABLED = "user.second_factor_enabled", "Set up an authenticator app"
    SECOND_FACTOR_VERIFIED = "user.second_factor_verified", "Gave a correct sign-in code"
    SECOND_FACTOR_FAILED = "user.second_factor_failed", "Gave a wrong sign-in code"
    DEMO_BUILT = "demo.built", "Demo world built"
    # Reading case data
    CASE_VIEWED = "case.viewed", "Viewed a case page"
    CASE_ACCESS_REFUSED = "case.access_refused", "Refused access to a case"
    CASES_LISTED = "cases.listed", "Listed cases"
    CASES_SEARCHED = "cases.searched", "Searched for cases"
    PERSONS_LISTED = "persons.listed", "Listed people"
    API_UNAUTHENTICATED = "api.unauthenticated", "API request without valid credentials"
    # Reading the audit trail
    AUDIT_SEARCHED = "audit.searched", "Searched the audit log"
    AUDIT_EXPORTED = "audit.exported", "Exported audit events"
    AUDIT_SEARCH_REFUSED = "audit.search_refused", "Refused the audit log"
    # People and cases
    PERSON_CREATED = "person.created", "Person registered"
    CASE_OPENED = "case.opened", "Case opened"
    CASE_EXCLUSION_ADDED = "case.exclusion_added", "Added to a case's exclusion list"
    CASE_EXCLUSION_REMOVED = "case.exclusion_removed", "Removed from a case's exclusion list"
    CASE_RESTRICTION_ADDED = "case.restriction_added", "Added to a case's restriction list"
    CASE_RESTRICTION_REMOVED = "case.restriction_removed", "Removed from a case's restriction list"
    # Courts and risk
    SENTENCE_RECORDED = "sentence.recorded", "Sentence recorded"
    ASSESSMENT_RECORDED = "assessment.recorded", "Assessment recorded"
    REGISTRATION_ADDED = "registration.added", "Registration added"
    REGISTRATION_ENDED = "registration.ended", "Registration ended"
    TIER_RECALCULATED = "tier.recalculated", "Tier recalculated"
    # Allocation
    CASE_SIFTED = "case.sifted", "Case allocated to an organisation by the sift"
    CASE_ASSIGNED = "case.assigned", "Case assigned to a practitioner"
    ALLOCATION_SEEN = "case.allocation_seen", "New allocation seen by the practitioner"
    FIRST_APPOINTMENT_RECORDED = "case.first_appointment_recorded", "First appointment recorded"
    ESCALATION_REFERRED = "escalation.referred", "Risk escalation referred to the NPS"
    ESCALATION_REVIEW_STARTED = "escalation.review_started", "NPS review of an escalation started"
    ESCALATION_CONFIRMED = "escalation.confirmed", "Risk escalation confirmed: case to the NPS"
    ESCALATION_DECLINED = "escalation.declined", "Risk escalation declined"
    TRANSFER_REQUESTED = "transfer.requested", "Transfer to another contract area requested"
    TRANSFER_ACCEPTED = "transfer.accepted", "Transfer accepted: case moved"
    TRANSFER_REJECTED = "transfer.rejected", "Transfer rejected"
    TRANSFER_WITHDRAWN = "transfer.withdrawn", "Transfer request withdrawn"
    POLICY_COMPARED = (
        "allocation.policy_compared",
        "Compared an allocation policy over the caseload",
    )
    WORKLOAD_VIEWED = "workload.viewed", "Viewed a team's workload"
    CASE_POINTS_CHANGED = "reference.case_points_changed", "Workload points reference data changed"
    # Court intake
    COURT_EVENT_RECORDED = "court_event.recorded", "Court event and offences recorded"
    SENTENCE_ENDED = "sentence.ended", "Sentence ended or superseded by a new sentence"
    INTAKE_DUPLICATES_CHECKED = "person.duplicates_checked", "Checked for existing records"
    # Supervision: appointments, contacts, sentence plans, reminders
    APPOINTMENT_BOOKED = "appointment.booked", "Appointment booked"
    APPOINTMENT_CHANGED = "appointment.changed", "Appointment moved or cancelled"
    CONTACT_RECORDED = "contact.recorded", "Contact outcome recorded"
    ABSENCE_JUDGED = "contact.absence_judged", "Absence judged acceptable or unacceptable"
    SENTENCE_PLAN_CHANGED = "sentence_plan.changed", "Sentence plan created or changed"
    SENTENCE_PLAN_REVIEWED = "sentence_plan.reviewed", "Sentence plan reviewed"
    REMINDER_PREFERENCE_CHANGED = "reminder.preference_changed", "Reminder preferences changed"
    REMINDER_QUEUED = "reminder.queued", "Appointment reminder queued"
    REMINDER_SENT = "reminder.sent", "Appointment reminder sent"
    REMINDER_FAILED = "reminder.failed", "Appointment reminder failed or not sent"
    # Enforcement: warnings, breach, recall, serious further offences
    WARNING_ISSUED = "warning.issued", "Warning letter issued"
    WARNING_LETTER_VIEWED = "warning.letter_viewed", "Warning letter viewed or printed"
    BREACH_REFERRED = "breach.referred", "Breach referred to the NPS"
    BREACH_REVIEW_STARTED = "breach.review_started", "Enforcement review of a breach started"
    BREACH_PROCEEDINGS_STARTED = "breach.proceedings_started", "Breach proceedings started"
    BREACH_RETURNED = "breach.returned", "Breach referral returned with directions"
    BREACH_OUTCOME_RECORDED = "breach.outcome_recorded", "Court outcome of a breach recorded"
    SENTENCE_AMENDED = "sentence.amended", "Sentence requirements amended by the court"
    RECALL_REQUESTED = "recall.requested", "Recall requested"
    RECALL_REVIEW_STARTED = "recall.review_started", "NPS review of a recall started"
    RECALL_DECIDED = "recall.decided", "Recall decided"
    RECALL_SIGNED_OFF = "recall.signed_off", "Recall decision signed off by a manager"
    RECALL_SENT = "recall.sent", "Recall sent"
    SFO_NOTIFIED = "sfo.notified", "Serious further offence notified"
    SFO_REVIEW_STARTED = "sfo.review_started", "Serious further offence review started"
    SFO_REVIEW_COMPLETED = "sfo.review_completed", "Serious further offence review completed"
    # Payment by results and transparency
    PROVEN_OFFENCES_LOADED = "pbr.offences_loaded", "Proven offences loaded from an extract"
    BASELINE_LOADED = "pbr.baseline_loaded", "Baseline cohort of a contract area loaded"
    CONTRACT_TERMS_CHANGED = "pbr.terms_changed", "Contract prices changed"
    PBR_RUN_COMPLETED = "pbr.run_completed", "Quarter's results and payment statements computed"
    COHORT_LISTED = "pbr.cohort_listed", "Listed the people behind a payment figure"
    # Electronic monitoring
    EM_ORDER_CREATED = "em.order_created", "Electronic monitoring order made"
    EM_ORDER_CHANGED = "em.order_changed", "Electronic monitoring order changed"
    EM_ORDER_ENDED = "em.order_ended", "Electronic monitoring order ended"
    DEVICE_ADDED = "em.device_added", "Device taken into stock"
    DEVICE_FITTED = "em.device_fitted", "Device fitted"
    DEVICE_REMOVED = "em.device_removed", "Device removed"
    DEVICE_LOST = "em.device_lost", "Device reported lost"
    DEVICE_FAULTY = "em.device_faulty", "Device reported faulty"
    EM_ALERT_RAISED = "em.alert_raised", "Monitoring alert raised"
    EM_ALERT_VIEWED = "em.alert_viewed", "Viewed a monitoring alert and its evidence"
    EM_ALERTS_LISTED = "em.alerts_listed", "Listed monitoring alerts"
    EM_ALERT_ACKNOWLEDGED = "em.alert_acknowledged", "Monitoring alert acknowledged"
    EM_ALERT_RESOLVED = "em.alert_resolved", "Monitoring alert resolved"
    PERSON_STATUS_RECORDED = "em.person_status_recorded", "Custody, death or removal recorded"
    EM_CLAIM_RECONCILED = "em.claim_reconciled", "Monitoring provider's claim reconciled"
    TELEMETRY_DROPPED = "em.telemetry_dropped", "Telemetry past its retention dropped"
    # Refusals for lack of role
    ROLE_REFUSED = "access.role_refused", "Refused a page the role does not allow"


class AuditEvent(models.Model):
    """One thing that happened: who did what to which record, with before and after.

    Written by services in the same transaction as the change they record (never by a signal),
    so no change can exist without its record. Reads of case records and refusals are recorded
    too. Append-only: on PostgreSQL a trigger refuses UPDATE and DELETE, and the application's
    database role may only SELECT and INSERT (docs/security.md).

    Tamper-evident: events form a hash chain in ``seq`` order. Each event's ``hash`` covers its
    content, its time and the previous event's hash (``prev_hash``), so editing, deleting or
    inserting a row anywhere breaks every link after it; ``probation audit verify`` names the
    first broken link. The time is the database's clock, read by the writer
    (probation/core/audit_chain.py), and a trigger refuses a time far from it.
    """

    id = models.BigAutoField(primary_key=True)
    seq = models.BigIntegerField(
        unique=True, null=True, help_text="Position in the hash chain (1, 2, 3… with no gaps)."
    )
    at = models.DateTimeField(db_index=True, help_text="The database's clock when written.")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(
        max_length=200, help_text="Username at the time (kept if the user is renamed)."
    )
    action = models.CharField(max_length=80, db_index=True, choices=AuditAction.choices)
    subject_type = models.CharField(max_length=80, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    crn = models.CharField(
        "CRN", max_length=16, blank=True, db_index=True, help_text="Case the event concerns."
    )
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    details = models.JSONField(null=True, blank=True)
    path = models.CharField(max_length=500, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["actor", "at"], name="audit_actor_at"),
            models.Index(fields=["crn", "at"], name="audit_crn_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.subject_type}"


class FormSubmission(models.Model):
    """A form's one-use submission token, claimed in the transaction of the change it makes.

    A double click or a resubmitted page posts the same token twice: the second claim fails on
    the unique constraint (waiting for the first to commit), so the change is recorded once.
    A submission that fails validation rolls its claim back, and the corrected form, carrying
    the same token, can still be sent.
    """

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "token"], name="formsubmission_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.token}"
