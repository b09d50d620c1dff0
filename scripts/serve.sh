#!/usr/bin/env bash
# What `make run` runs after set-up: guidewatch on one machine, watching on schedule.
#
# Starts a Prefect server (embedded SQLite under the data folder) on 127.0.0.1, the process
# work pool, the deployments of prefect.yaml, a worker, and one immediate run of every
# document; then stays up until Ctrl-C and stops everything it started.
#
# Settings (environment): GUIDEWATCH_DATA_DIR (default ./data), GUIDEWATCH_PREFECT_PORT
# (default 4200), and every GUIDEWATCH_* setting the flows read (SMTP, rewrites...), which
# the worker passes on to each flow run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"

DATA_DIR="$(mkdir -p "${GUIDEWATCH_DATA_DIR:-data}" && cd "${GUIDEWATCH_DATA_DIR:-data}" && pwd)"
PORT="${GUIDEWATCH_PREFECT_PORT:-4200}"
POOL=guidewatch
export GUIDEWATCH_DATA_DIR="$DATA_DIR"
export PREFECT_HOME="$DATA_DIR/prefect"
export PREFECT_API_URL="http://127.0.0.1:$PORT/api"
export PREFECT_SERVER_ANALYTICS_ENABLED="${PREFECT_SERVER_ANALYTICS_ENABLED:-false}"
# `prefect deploy` stores this folder in the deployments' pull step (prefect.yaml).
export PWD="$ROOT"
mkdir -p "$PREFECT_HOME/logs"
LOGS="$PREFECT_HOME/logs"
PREFECT=("$ROOT/.venv/bin/prefect")
[ -x "${PREFECT[0]}" ] || PREFECT=(uv run --frozen prefect)

pids=()
stop() {
  trap - INT TERM EXIT
  if [ ${#pids[@]} -gt 0 ]; then
    echo
    echo "guidewatch: stopping the worker and the Prefect server..."
    # Newest first: the worker before the server it talks to.
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
      kill -TERM "${pids[i]}" 2>/dev/null || true
      for _ in $(seq 1 300); do
        kill -0 "${pids[i]}" 2>/dev/null || break
        sleep 0.1
      done
      kill -KILL "${pids[i]}" 2>/dev/null || true
      wait "${pids[i]}" 2>/dev/null || true
    done
    echo "guidewatch: stopped."
  fi
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

healthy() {
  "$ROOT/.venv/bin/python" - "$PREFECT_API_URL/health" <<'EOF' 2>/dev/null
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as answer:
    sys.exit(0 if answer.read().strip() == b"true" else 1)
EOF
}

if healthy; then
  echo "guidewatch: something already answers on $PREFECT_API_URL; stop it or set GUIDEWATCH_PREFECT_PORT" >&2
  exit 1
fi

echo "guidewatch: starting the Prefect server on 127.0.0.1:$PORT (log: $LOGS/server.log)"
"${PREFECT[@]}" server start --host 127.0.0.1 --port "$PORT" >"$LOGS/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do
  healthy && break
  if ! kill -0 "${pids[0]}" 2>/dev/null; then
    echo "guidewatch: the Prefect server exited; last lines of $LOGS/server.log:" >&2
    tail -n 20 "$LOGS/server.log" >&2
    exit 1
  fi
  sleep 1
done
healthy || { echo "guidewatch: the Prefect server did not become healthy in 120 s" >&2; exit 1; }

if ! "${PREFECT[@]}" work-pool inspect "$POOL" >/dev/null 2>&1; then
  "${PREFECT[@]}" work-pool create "$POOL" --type process >/dev/null
fi
echo "guidewatch: deploying prefect.yaml"
"${PREFECT[@]}" --no-prompt deploy --all >"$LOGS/deploy.log" 2>&1 || {
  cat "$LOGS/deploy.log" >&2
  exit 1
}

echo "guidewatch: starting a worker for the '$POOL' pool (log: $LOGS/worker.log)"
"${PREFECT[@]}" worker start --pool "$POOL" --name "guidewatch-$(hostname)" >"$LOGS/worker.log" 2>&1 &
pids+=($!)

"${PREFECT[@]}" deployment run monitor/monitor-all >"$LOGS/first-run.log" 2>&1 || {
  cat "$LOGS/first-run.log" >&2
  exit 1
}

cat <<EOF

guidewatch is running and checks the documents on the schedules in prefect.yaml.
A first run of every document has started now.

  Prefect UI:   http://127.0.0.1:$PORT  (runs, their logs, and each run's changes and outcomes)
  Data:         $DATA_DIR  (guidewatch.db: every version and fetch; prefect/: Prefect's state)
  Query it (in another terminal, from $ROOT):
    uv run guidewatch sources                       the watched documents
    uv run guidewatch history nice-ng206-recommendations
    uv run guidewatch show nice-ng206-recommendations --section 1.11.14
    uv run guidewatch fetches nice-ng206-recommendations
    uv run guidewatch changes                       what changed, on a watched topic
  Logs:         $LOGS

Press Ctrl-C to stop.
EOF

# Stay up while both run; if either dies, say so and stop the other.
while kill -0 "${pids[0]}" 2>/dev/null && kill -0 "${pids[1]}" 2>/dev/null; do
  sleep 2
done
echo "guidewatch: the Prefect server or the worker stopped unexpectedly (see $LOGS)" >&2
exit 1
