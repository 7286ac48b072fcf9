#!/usr/bin/env bash
# Start a real Prefect server on 127.0.0.1 (the temporary one cannot schedule) and serve the
# nightly deployment against it. Ctrl-C stops both cleanly (a killed server orphans uvicorn).
set -euo pipefail
cd "$(dirname "$0")/.."
port="${PREFECT_PORT:-4200}"
export PREFECT_HOME="${PREFECT_HOME:-$PWD/data/prefect-server}"
export PREFECT_SERVER_ANALYTICS_ENABLED=false
export PREFECT_API_URL="http://127.0.0.1:${port}/api"
mkdir -p "$PREFECT_HOME"
.venv/bin/prefect server start --host 127.0.0.1 --port "$port" >"$PREFECT_HOME/server.log" 2>&1 &
server=$!
trap 'kill -INT $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 120); do
  if .venv/bin/python -c "import urllib.request,sys; urllib.request.urlopen('$PREFECT_API_URL/health', timeout=1)" 2>/dev/null; then break; fi
  kill -0 $server 2>/dev/null || { echo "Prefect server failed to start; see $PREFECT_HOME/server.log" >&2; exit 1; }
  sleep 1
done
echo "Prefect server at http://127.0.0.1:${port} (UI), API $PREFECT_API_URL; database under $PREFECT_HOME"
.venv/bin/groupdir serve "$@"
