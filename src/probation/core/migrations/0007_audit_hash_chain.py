"""The audit trail becomes a hash chain, and its time the database's.

Adds ``seq``, ``prev_hash`` and ``hash``; seals the events already written, in id order (the
append-only trigger is suspended for that, by the table's owner, inside this migration only);
and on PostgreSQL adds a trigger that refuses an event whose time is more than a minute from
the database's clock, so that nobody can insert a back-dated event.
"""

import hashlib
import json

from django.db import migrations, models

TIME_TRIGGER = """
CREATE OR REPLACE FUNCTION core_auditevent_check_time() RETURNS trigger AS $$
BEGIN
  IF NEW.at IS NULL OR abs(extract(epoch FROM (NEW.at - clock_timestamp()))) > 60 THEN
    RAISE EXCEPTION 'An audit event carries the database''s time, not %', NEW.at
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditevent_database_time
  BEFORE INSERT ON core_auditevent
  FOR EACH ROW EXECUTE FUNCTION core_auditevent_check_time();
"""
DROP_TIME_TRIGGER = """
DROP TRIGGER IF EXISTS core_auditevent_database_time ON core_auditevent;
DROP FUNCTION IF EXISTS core_auditevent_check_time();
"""
SEALED_FIELDS = (
    "seq", "at", "actor_id", "actor_label", "action", "subject_type", "subject_id", "crn",
    "before", "after", "details", "path", "prev_hash",
)


def _digest(values):
    # The same canonical form as probation.core.audit_chain.event_digest, frozen here so that
    # this migration means the same thing whatever the module becomes.
    canonical = {name: values[name] for name in SEALED_FIELDS}
    canonical["at"] = canonical["at"].astimezone(__import__("datetime").UTC).isoformat(
        timespec="microseconds"
    )
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def seal_existing(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute(
            "ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only"
        )
    previous, seq = "0" * 64, 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        seq += 1
        event.seq, event.prev_hash = seq, previous
        event.hash = _digest({name: getattr(event, name) for name in SEALED_FIELDS})
        event.save(update_fields=["seq", "prev_hash", "hash"])
        previous = event.hash
    if postgres:
        schema_editor.execute(
            "ALTER TABLE core_auditevent ENABLE TRIGGER core_auditevent_append_only"
        )
        schema_editor.execute(TIME_TRIGGER, params=None)


def unseal(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TIME_TRIGGER, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0006_session_expired_action'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditevent',
            name='hash',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='prev_hash',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='seq',
            field=models.BigIntegerField(help_text='Position in the hash chain (1, 2, 3… with no gaps).', null=True, unique=True),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='at',
            field=models.DateTimeField(db_index=True, help_text="The database's clock when written."),
        ),
        migrations.RunPython(seal_existing, unseal),
    ]
