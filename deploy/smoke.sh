#!/usr/bin/env bash
# Smoke test of a production-like install on this machine: a real `prefect server start`,
# `foi serve` registering the scheduled deployments against it, and one run of each
# deployment triggered through the server and watched to completion.
#   deploy/smoke.sh                 # foi data in a temp SQLite file
#   FOI_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/foi_smoke deploy/smoke.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT=${SMOKE_PORT:-4299}
WORK=$(mktemp -d /tmp/foi-smoke.XXXXXX)
export PREFECT_SERVER_ANALYTICS_ENABLED=false
export FOI_DATABASE_URL=${FOI_DATABASE_URL:-sqlite:///$WORK/foi.sqlite3}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

PREFECT_HOME=$WORK/server $BIN/prefect server start --host 127.0.0.1 --port "$PORT" >"$WORK/server.log" 2>&1 &
pids+=($!)
export PREFECT_API_URL=http://127.0.0.1:$PORT/api PREFECT_HOME=$WORK/client
for _ in $(seq 1 90); do curl -sf "$PREFECT_API_URL/health" >/dev/null && break; sleep 1; done
curl -sf "$PREFECT_API_URL/health" >/dev/null || { echo "Prefect server did not start"; cat "$WORK/server.log"; exit 1; }
echo "Prefect server up at $PREFECT_API_URL"

$BIN/foi db upgrade
$BIN/foi serve >"$WORK/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do grep -q "being served" "$WORK/serve.log" && break; sleep 1; done
grep -q "being served" "$WORK/serve.log" || { echo "foi serve did not start"; cat "$WORK/serve.log"; exit 1; }
$BIN/prefect deployment ls

for name in deadline-sweep/deadline-sweep year-end-statistics/year-end-statistics; do
  $BIN/prefect deployment inspect "$name" | grep -E "'(cron|timezone|entrypoint)'"
  out=$(timeout 180 $BIN/prefect deployment run "$name" --watch 2>&1 || true)
  echo "$out" | tail -1
  echo "$out" | grep -q "finished successfully in 'Completed'" || { echo "$name did not complete"; echo "$out"; cat "$WORK/serve.log"; exit 1; }
done
echo "smoke test passed (logs in $WORK)"
