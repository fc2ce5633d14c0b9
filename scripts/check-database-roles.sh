#!/usr/bin/env bash
# Least privilege, end to end on PostgreSQL (docs/security.md): the owner role migrates; the
# application role, which owns nothing, builds a small demo world and verifies the audit trail;
# then the application role tries to erase the audit and must be refused.
# Needs a PostgreSQL superuser at $PGADMIN_URL (default: postgres@127.0.0.1:5432, trust auth).
set -euo pipefail
cd "$(dirname "$0")/.."

ADMIN="${PGADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
DB=probation_roles_check
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
echo "Database roles: the application role owns nothing and cannot erase or edit the audit."
psql -q "$ADMIN" -c "DROP DATABASE $DB"
