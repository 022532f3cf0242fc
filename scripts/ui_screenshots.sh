#!/usr/bin/env bash
# Screenshots of the Prefect UI for docs/operations.md (docs/img/): the deployment's parameters
# form and a failed run with its failure alert. Needs Chromium (apt-get install chromium).
#
#   scripts/ui_screenshots.sh [OUT_DIR]      # default docs/img
#
# A private Prefect server with its UI on a free port, `curate serve` to register the
# deployment, then a `curate run` that fails (a Redis URL nothing listens on), with its alert
# sent to a local JSON webhook whose body is saved next to the screenshots.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-docs/img}
BIN=.venv/bin
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome)}
WORK=$(mktemp -d)
PORT=${PORT:-4317}
HOOK_PORT=$((PORT + 1))
export PREFECT_HOME="$WORK/prefect" DO_NOT_TRACK=1 PREFECT_SERVER_ANALYTICS_ENABLED=false
export PREFECT_API_URL="http://127.0.0.1:$PORT/api" PREFECT_UI_URL="http://127.0.0.1:$PORT"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
mkdir -p "$OUT" "$WORK/raw" "$WORK/curated"
cp raw/samples/* "$WORK/raw/" 2>/dev/null || cp -r raw/samples "$WORK/raw/"

"$BIN/prefect" server start --host 127.0.0.1 --port "$PORT" >"$WORK/server.log" 2>&1 & pids+=($!)
for _ in $(seq 120); do curl -sf "$PREFECT_API_URL/health" >/dev/null && break; sleep 1; done

# The alert target: a local web hook that saves what it receives.
"$BIN/python" - "$HOOK_PORT" "$OUT/failure-alert.json" <<'PY' & pids+=($!)
import http.server, json, sys
port, out = int(sys.argv[1]), sys.argv[2]
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with open(out, "w", encoding="utf-8") as f:
            json.dump({k: body[k] for k in ("title", "message", "type") if k in body}, f, indent=2, ensure_ascii=False)
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", port), Hook).serve_forever()
PY

"$BIN/curate" serve --raw "$WORK/raw" --curated "$WORK/curated" --cron "0 * * * *" >"$WORK/serve.log" 2>&1 & serve=$!; pids+=($serve)
deployment=""
for _ in $(seq 120); do
  deployment=$(curl -sf -X POST "$PREFECT_API_URL/deployments/filter" -H 'content-type: application/json' -d '{}' \
               | "$BIN/python" -c 'import json,sys; d=json.load(sys.stdin); print(d[0]["id"] if d else "")')
  [ -n "$deployment" ] && break; sleep 1
done
CURATE_ALERT_URLS="json://127.0.0.1:$HOOK_PORT/" "$BIN/curate" run --raw "$WORK/raw" --curated "$WORK/curated" \
  --redis-url redis://127.0.0.1:1/0 --json >"$WORK/run.json" 2>"$WORK/run.log" || true
flow_run=$("$BIN/python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["flow_run_id"])' "$WORK/run.json")

shot() {  # URL FILE
  "$CHROMIUM" --headless=new --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,1050 \
    --virtual-time-budget=20000 --screenshot="$2" "$1" >/dev/null 2>&1
  echo "$2"
}
shot "$PREFECT_UI_URL/deployments/deployment/$deployment/run" "$OUT/deployment-form.png"
shot "$PREFECT_UI_URL/runs/flow-run/$flow_run" "$OUT/failed-run.png"
echo "$OUT/failure-alert.json"
