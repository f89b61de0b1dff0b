#!/usr/bin/env bash
# Takes the user guide's screenshots of the monitoring page: bin/multiple-queries (the seed's two
# queries) on the DirectRunner, fed about 100 random words a second on standard input for a
# minute, its page photographed by headless Chromium (Debian's package `chromium`).
# Usage: docs/images/capture.sh [seconds, default 60]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$ROOT/docs/images"
SECONDS_TO_RUN="${1:-60}"
command -v chromium >/dev/null || { echo "needs chromium (apt-get install chromium)" >&2; exit 1; }
WORK="$(mktemp -d)"
QUERY_PID=""
trap '[ -n "$QUERY_PID" ] && kill -TERM -- -"$QUERY_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

set -m # the query in a process group of its own, so the trap's signal reaches the JVM
python3 -u -c '
import random, sys, time
words = ["apache", "beam", "spark", "flink", "stream", "state", "checkpoint", "offset", "commit", "batch",
         "window", "watermark", "trigger", "sink", "source", "query", "recover", "restart", "count", "word"]
end = time.time() + float(sys.argv[1]) + 30
while time.time() < end:
    print(" ".join(random.choice(words) for _ in range(random.randint(3, 12))))
    time.sleep(random.uniform(0.02, 0.12))
' "$SECONDS_TO_RUN" | "$ROOT/bin/multiple-queries" --checkpointLocation="$WORK/ckpt" --trigger="2 seconds" \
    --uiPort="$PORT" >"$WORK/query.out" 2>"$WORK/query.err" &
QUERY_PID=$!
set +m
sleep "$SECONDS_TO_RUN"
curl -fsS "http://127.0.0.1:$PORT/api/v1/queries" >/dev/null || { cat "$WORK/query.err" >&2; exit 1; }

shot() { # file, height
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$WORK/chromium" --hide-scrollbars \
    --window-size="1400,$2" --virtual-time-budget=4000 --screenshot="$OUT/$1" "http://127.0.0.1:$PORT/" 2>/dev/null
}
shot monitoring-page.png 2600
echo "wrote $OUT/monitoring-page.png"
