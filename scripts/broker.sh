#!/usr/bin/env bash
# Runs Mosquitto with the project's broker settings (config/mosquitto/twin.conf) on 127.0.0.1.
#
#   scripts/broker.sh [--port 1883] [--data DIR] [--daemon] [--conf FILE]
#
# Writes DIR/mosquitto.conf: the shipped file with only the listener port and the persistence
# directory replaced (DIR defaults to var/mosquitto/ in the repository, or $TWIN_BROKER_DATA), then
# execs mosquitto in the foreground (tests and benches keep its pid to stop or kill it), or with
# --daemon returns once it listens. Started as root, it keeps root (the data directory is ours).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
port=1883
data=${TWIN_BROKER_DATA:-$repo/var/mosquitto}
daemon=0
src=$repo/config/mosquitto/twin.conf  # --conf: another file (benches compare with defaults)
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --daemon) daemon=1; shift ;;
    --conf) src=$2; shift 2 ;;
    *) echo "broker.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
command -v mosquitto >/dev/null 2>&1 || { echo "broker.sh: mosquitto is not installed" >&2; exit 1; }
mkdir -p "$data"
data=$(cd "$data" && pwd)
conf="$data/mosquitto.conf"
sed -e "s|^listener .*|listener $port 127.0.0.1|" \
    -e "s|^persistence_location .*|persistence_location $data/|" \
    "$src" > "$conf"
[ "$(id -u)" = 0 ] && echo "user root" >> "$conf"
if [ "$daemon" = 0 ]; then
  exec mosquitto -c "$conf"
fi
sed -i -e "s|^log_dest .*|log_dest file $data/mosquitto.log|" "$conf"
mosquitto -d -c "$conf"
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && exit 0
  sleep 0.1
done
echo "broker.sh: mosquitto did not start listening on $port (see $data/mosquitto.log)" >&2
exit 1
