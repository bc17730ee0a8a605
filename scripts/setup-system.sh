#!/usr/bin/env bash
# Installs the Debian packages the project needs beyond Python (chromium for browser tests,
# PostGIS for the PostgreSQL store, Mosquitto for MQTT) and starts the local services if they are installed but down.
# Idempotent: does nothing when everything is already there.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v mosquitto >/dev/null 2>&1 || need+=(mosquitto)  # the MQTT tests' private brokers
if command -v pg_config >/dev/null 2>&1 || [ -d /usr/lib/postgresql ]; then
  pgver=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
  if [ -n "$pgver" ] && ! ls /usr/share/postgresql/"$pgver"/extension/postgis.control >/dev/null 2>&1; then
    need+=("postgresql-$pgver-postgis-3")
  fi
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup-system: installing ${need[*]}" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "setup-system: please install ${need[*]} (needs root)" >&2
  fi
fi

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if ! port_open 5432 && command -v pg_ctlcluster >/dev/null 2>&1; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi
if ! port_open 1883 && command -v mosquitto >/dev/null 2>&1; then
  # the project's broker settings (persistent sessions, deep queues): config/mosquitto/twin.conf
  bash "$(dirname "$0")/broker.sh" --port 1883 --daemon || true
fi
exit 0
