#!/usr/bin/env bash
# Least privilege, end to end on PostgreSQL (docs/security.md): the owner role migrates; the
# application role, which owns nothing, builds a small demo world and verifies the audit trail;
# then the application role tries to erase the audit and must be refused.
# Needs a PostgreSQL superuser at $PGADMIN_URL (default: postgres@127.0.0.1:5432, trust auth).
set -euo pipefail
cd "$(dirname "$0")/.."

ADMIN="${PGADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
DB="${ROLES_CHECK_DB:-probation_roles_check}"
HOSTPORT=127.0.0.1:5432

psql -q "$ADMIN" -v ON_ERROR_STOP=1 2>/dev/null <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'probation_owner') THEN CREATE ROLE probation_owner LOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'probation_app') THEN CREATE ROLE probation_app LOGIN; END IF;
END \$\$;
DROP DATABASE IF EXISTS $DB;
CREATE DATABASE $DB OWNER probation_owner;
SQL

export DATABASE_URL="postgres://probation_app@$HOSTPORT/$DB"
export MIGRATION_DATABASE_URL="postgres://probation_owner@$HOSTPORT/$DB"
export DATABASE_APP_ROLE=probation_app

.venv/bin/probation demo --people 200 --seed 7 > /dev/null
.venv/bin/probation audit verify

for statement in "TRUNCATE core_auditevent" "DELETE FROM core_auditevent" \
                 "ALTER TABLE core_auditevent DISABLE TRIGGER ALL"; do
  if psql -q "$DATABASE_URL" -c "$statement" 2>/dev/null; then
    echo "FAILED: the application role could run: $statement"; exit 1
  fi
done
# Telemetry partitions (docs/how-to/publish-telemetry.md): made by the owner, and the
# application role may add to and read them, including days made after the migration.
.venv/bin/probation em partitions --ahead 10 > /dev/null
LATEST="monitoring_fix_p$(date -u -d '+10 days' +%Y%m%d)"
psql -q "$DATABASE_URL" -v ON_ERROR_STOP=1 > /dev/null <<SQL
SELECT count(*) FROM $LATEST;
SELECT count(*) FROM monitoring_fix_default;
INSERT INTO monitoring_fix (device_id, sequence, recorded_at, received_at, latitude, longitude)
  VALUES (0, 0, now() + interval '10 days', now(), 0, 0);
DELETE FROM monitoring_fix WHERE device_id = 0;
SQL
# Ingest as the application role: COPY into its temporary tables, insert into the partitions.
.venv/bin/python - <<'PY'
import time
from probation.cli import setup_django
setup_django()
from probation.monitoring.ingest import IncomingMessage, store_batch
from probation.monitoring.models import Device
from probation.workforce.models import Organisation
Device.objects.create(serial="ROLES-CHECK", kind="gps", provider=Organisation.objects.get(code="EMS"))
payload = f"EM1,ROLES-CHECK\nF,1,{time.time():.0f},53.4,-2.9,5\n".encode()
result = store_batch([IncomingMessage("em/devices/ROLES-CHECK/telemetry", payload)])
assert result.fixes_stored == 1, result
PY
if psql -q "$DATABASE_URL" -c "DROP TABLE $LATEST" 2>/dev/null; then
  echo "FAILED: the application role could drop a telemetry partition"; exit 1
fi

echo "Database roles: the application role owns nothing and cannot erase or edit the audit."
psql -q "$ADMIN" -c "DROP DATABASE $DB"
