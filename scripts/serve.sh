#!/usr/bin/env bash
# What `make run` runs after set-up: guidewatch on one machine, watching on schedule.
#
# Starts a Prefect server (embedded SQLite under the data folder) on 127.0.0.1, the process
# work pool, the deployments of prefect.yaml, a worker, and one immediate run of every
# document; then stays up until Ctrl-C (or TERM, HUP) and stops everything it started: a run
# in progress ends Crashed (its finished documents are stored; the next run checks them all
# again), then the worker, then the server. Exits 0 after such a stop, 1 if a part died.
# Safe to start again on the same data folder: the pool and deployments are reused, and a
# run left Running by an unclean stop (kill -9, power cut) is marked Crashed first.
#
# Settings (environment): GUIDEWATCH_DATA_DIR (default ./data), GUIDEWATCH_PREFECT_PORT
# (default 4200), and every GUIDEWATCH_* setting the flows read (SMTP, rewrites...), which
# the worker passes on to each flow run.
set -euo pipefail
# Started in the background by a script, a shell inherits SIGINT ignored, and bash can neither
# trap nor reset a signal ignored on entry: start again with SIGINT at its default, so that
# Ctrl-C (kill -INT) stops it as TERM does.
if [ -n "$(trap -p INT)" ] && [ -z "${_SERVE_SIGINT_RESET:-}" ]; then
  export _SERVE_SIGINT_RESET=1
  exec python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$0" "$@"
fi
cd "$(dirname "$0")/.."
ROOT="$(pwd)"

# A setting guidewatch cannot use stops here, in one line, before any server starts.
"$ROOT/.venv/bin/python" -c 'import sys
from guidewatch.settings import SettingsError, load_settings
try:
    load_settings()
except SettingsError as error:
    sys.exit(f"guidewatch: {error}")' || exit 2

DATA_DIR="$(mkdir -p "${GUIDEWATCH_DATA_DIR:-data}" && cd "${GUIDEWATCH_DATA_DIR:-data}" && pwd)"
PORT="${GUIDEWATCH_PREFECT_PORT:-4200}"
POOL=guidewatch
export GUIDEWATCH_DATA_DIR="$DATA_DIR"
export PREFECT_HOME="$DATA_DIR/prefect"
export PREFECT_API_URL="http://127.0.0.1:$PORT/api"
export PREFECT_SERVER_ANALYTICS_ENABLED="${PREFECT_SERVER_ANALYTICS_ENABLED:-false}"
# guidewatch's own log lines (retries, suspect pages, moves) in each run's logs in the UI.
export PREFECT_LOGGING_EXTRA_LOGGERS="${PREFECT_LOGGING_EXTRA_LOGGERS:-guidewatch}"
# `prefect deploy` stores this folder in the deployments' pull step (prefect.yaml).
export PWD="$ROOT"
mkdir -p "$PREFECT_HOME/logs"
LOGS="$PREFECT_HOME/logs"
PREFECT=("$ROOT/.venv/bin/prefect")
[ -x "${PREFECT[0]}" ] || PREFECT=(uv run --frozen prefect)

# The server and the worker each run in a process group of their own, so that Ctrl-C reaches
# this script alone, which then stops them in order with one signal each: Prefect's CLI takes
# a second signal as "kill -9 now".
pids=()
start() {
  set -m
  # Started in the background (`make run &`, nohup), this shell and its children ignore
  # SIGINT, and Prefect's worker stops on TERM by sending itself SIGINT: give SIGINT back.
  "$ROOT/.venv/bin/python" -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' "$@" &
  set +m
  pids+=($!)
}
# The worker starts each flow run in a session of its own, and on a signal would wait for it
# to finish (minutes, with retries); these are the processes to stop with it.
children_of() {
  local stat fields
  for stat in /proc/[0-9]*/stat; do
    { read -r fields <"$stat"; } 2>/dev/null || continue
    fields="${fields##*) }" # after "pid (name) ": state ppid ...
    fields="${fields#* }"
    [ "${fields%% *}" = "$1" ] || continue
    stat="${stat#/proc/}"
    echo "${stat%/stat}"
  done
}
alive() {
  local group
  for group in "$@"; do
    kill -0 -- "-$group" 2>/dev/null && return 0
  done
  return 1
}
# Send TERM to process groups (or lone processes), wait up to $1 seconds, then KILL what is left.
end_groups() {
  local group grace=$1
  shift
  for group in "$@"; do
    kill -TERM -- "-$group" 2>/dev/null || kill -TERM "$group" 2>/dev/null || true
  done
  for _ in $(seq 1 $((grace * 10))); do
    alive "$@" || return 0
    sleep 0.1
  done
  echo "guidewatch: $* did not stop in $grace s; killing" >&2
  for group in "$@"; do
    kill -KILL -- "-$group" 2>/dev/null || kill -KILL "$group" 2>/dev/null || true
  done
}
# Mark the pool's flow runs still Pending or Running as Crashed: no worker runs them any more,
# and a run left Running would hold its deployment's one slot, so that every later run of
# that deployment were cancelled (concurrency_limit in prefect.yaml).
crash_leftover_runs() {
  "$ROOT/.venv/bin/python" - "$PREFECT_API_URL" "$POOL" "$1" <<'EOF' || true
import json, sys, urllib.request

api, pool, message = sys.argv[1:]


def post(path, body):
    request = urllib.request.Request(
        api + path, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


try:
    runs = post(
        "/flow_runs/filter",
        {
            "flow_runs": {"state": {"type": {"any_": ["PENDING", "RUNNING", "CANCELLING"]}}},
            "work_pools": {"name": {"any_": [pool]}},
        },
    )
    for run in runs:
        state = {"type": "CRASHED", "name": "Crashed", "message": message}
        post(f"/flow_runs/{run['id']}/set_state", {"state": state, "force": True})
        print(f"guidewatch: flow run {run['name']} was {run['state_name']}: marked Crashed")
except OSError as error:
    sys.exit(f"guidewatch: could not look for unfinished flow runs: {error}")
EOF
}
stop() {
  trap - INT TERM HUP EXIT
  if [ ${#pids[@]} -gt 0 ]; then
    echo
    echo "guidewatch: stopping the worker, any run in progress, and the Prefect server..."
    # Newest first, each one's children before it: the flow runs, the worker, the server.
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
      local children
      children=$(children_of "${pids[i]}")
      # shellcheck disable=SC2086 # one pid a word
      # A flow run stops its checks at once on TERM (they end cancelled, nothing half-kept):
      # a few seconds is plenty; anything still there is killed, which history survives.
      [ -z "$children" ] || end_groups 5 $children
      end_groups 20 "${pids[i]}"
      wait "${pids[i]}" 2>/dev/null || true
      if [ "$i" -eq 1 ]; then
        crash_leftover_runs "stopped with guidewatch's make run"
      fi
    done
    echo "guidewatch: stopped."
  fi
}
trap stop EXIT
# Ctrl-C, kill and a closed terminal are the ways to stop it: a clean stop exits 0.
trap 'exit 0' INT TERM HUP

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
# server.log and worker.log keep every start's lines, each start under a dated line.
echo "=== guidewatch make run, $(date -u '+%Y-%m-%d %H:%M:%S UTC')" | tee -a "$LOGS/server.log" >>"$LOGS/worker.log"
start "${PREFECT[@]}" server start --host 127.0.0.1 --port "$PORT" >>"$LOGS/server.log" 2>&1
for _ in $(seq 1 480); do
  healthy && break
  if ! kill -0 "${pids[0]}" 2>/dev/null; then
    echo "guidewatch: the Prefect server exited; last lines of $LOGS/server.log:" >&2
    tail -n 20 "$LOGS/server.log" >&2
    exit 1
  fi
  sleep 0.25
done
healthy || { echo "guidewatch: the Prefect server did not become healthy in 120 s" >&2; exit 1; }

crash_leftover_runs "left running when guidewatch's make run last stopped"

pool_exists() {
  "$ROOT/.venv/bin/python" - "$PREFECT_API_URL/work_pools/$POOL" <<'EOF' 2>/dev/null
import sys, urllib.request
urllib.request.urlopen(sys.argv[1], timeout=5)
EOF
}
if ! pool_exists; then
  "${PREFECT[@]}" work-pool create "$POOL" --type process >/dev/null
fi
echo "guidewatch: deploying prefect.yaml"
"${PREFECT[@]}" --no-prompt deploy --all >"$LOGS/deploy.log" 2>&1 || {
  cat "$LOGS/deploy.log" >&2
  exit 1
}

echo "guidewatch: starting a worker for the '$POOL' pool (log: $LOGS/worker.log)"
start "${PREFECT[@]}" worker start --pool "$POOL" --name "guidewatch-$(hostname)" \
  >>"$LOGS/worker.log" 2>&1

"${PREFECT[@]}" deployment run monitor/monitor-all >"$LOGS/first-run.log" 2>&1 || {
  cat "$LOGS/first-run.log" >&2
  exit 1
}

# What another terminal needs to query the same data as the flow runs.
query_env=("cd $(printf %q "$ROOT")")
[ "$DATA_DIR" = "$ROOT/data" ] || query_env+=("export GUIDEWATCH_DATA_DIR=$(printf %q "$DATA_DIR")")
if [ -n "${GUIDEWATCH_DATABASE_URL:-}" ]; then
  shown_db="$(sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#' <<<"$GUIDEWATCH_DATABASE_URL")"
  query_env+=("export GUIDEWATCH_DATABASE_URL='$shown_db'")
  where="$shown_db (prefect/ under $DATA_DIR: Prefect's state)"
else
  where="$DATA_DIR  (guidewatch.db: every version and fetch; prefect/: Prefect's state)"
fi
[ -z "${GUIDEWATCH_SOURCES:-}" ] \
  || query_env+=("export GUIDEWATCH_SOURCES=$(printf %q "$GUIDEWATCH_SOURCES")")

cat <<EOF

guidewatch is running and checks the documents on the schedules in prefect.yaml.
A first run of every document has started now.

  Prefect UI:   http://127.0.0.1:$PORT  (runs, their logs, and each run's changes and outcomes)
  Data:         $where
  Logs:         $LOGS  (worker.log: every run and each document's outcome)
  Query it, in another terminal:
$(printf '    %s\n' "${query_env[@]}")
    bin/guidewatch sources                              # the watched documents
    bin/guidewatch history nice-ng206-recommendations   # its versions, first/last seen
    bin/guidewatch show nice-ng206-recommendations --section 1.11.14
    bin/guidewatch fetches nice-ng206-recommendations   # its fetch log
    bin/guidewatch changes                              # what changed, on a watched topic

Press Ctrl-C to stop.
EOF

# Stay up while both run; if either dies, say so and stop the other. A signal ends the wait.
set +e
wait -n "${pids[@]}"
echo "guidewatch: the Prefect server or the worker stopped unexpectedly (see $LOGS)" >&2
exit 1
