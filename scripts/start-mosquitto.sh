#!/usr/bin/env bash
# Mosquitto, the MQTT broker that electronic monitoring telemetry arrives on (MQTT_URL, default
# mqtt://127.0.0.1:1883; docs/how-to/publish-telemetry.md): start it if nothing answers there,
# installing it from Debian if it is missing. Used by `make run`, `make test` and .ci/run, as
# PostgreSQL and Redis are started there.
set -euo pipefail

HOST="${MQTT_HOST:-127.0.0.1}"
PORT="${MQTT_PORT:-1883}"
CONF=/etc/mosquitto/mosquitto.conf

answers() { (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; }

answers && exit 0
if ! command -v mosquitto >/dev/null 2>&1 && ! test -x /usr/sbin/mosquitto; then
  echo "Installing Mosquitto (the MQTT broker for electronic monitoring telemetry)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mosquitto >/dev/null) \
    || { echo "Could not install Mosquitto: run 'apt-get install mosquitto' as root"; exit 1; }
fi
echo "Starting Mosquitto"
# Its pid file lives under /run/mosquitto, which a fresh container may not have.
mkdir -p /run/mosquitto 2>/dev/null && chown mosquitto: /run/mosquitto 2>/dev/null || true
PATH="$PATH:/usr/sbin" mosquitto -d -c "$CONF"
for _ in $(seq 1 10); do answers && exit 0; sleep 1; done
echo "Mosquitto did not start: see /var/log/mosquitto/mosquitto.log"
exit 1
