#!/usr/bin/env bash
# The demo: start the Zoom simulator with the demo world, run playbooks/demo.yml against
# it, run it again and require the rerun to change nothing (changed=0 in the recap).
#
# Usage: hack/demo.sh [extra ansible-playbook options]   (`make demo` creates the venv first)
#
# The demo world's credentials (tests/simulator/worlds/demo.yml), not secrets:
#   account_id demo-account, client_id demo-client-id, client_secret demo-client-secret
# Overrides: DEMO_WORLD, DEMO_PLAYBOOK, DEMO_PORT.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${VENV:-$root/.venv}
case "$venv" in /*) ;; *) venv="$root/$venv" ;; esac
export PATH="$venv/bin:$PATH"
python="$venv/bin/python"

world=${DEMO_WORLD:-$root/tests/simulator/worlds/demo.yml}
playbook=${DEMO_PLAYBOOK:-$root/playbooks/demo.yml}
for f in "$world" "$playbook"; do
  [ -f "$f" ] || { echo "demo: $f is missing" >&2; exit 1; }
done
command -v zoomsim >/dev/null || { echo "demo: zoomsim is not installed in $venv (run: make venv)" >&2; exit 1; }

port=${DEMO_PORT:-$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
work=$(mktemp -d "${TMPDIR:-/tmp}/zoomops-demo.XXXXXX")
sim_pid=

cleanup() {
  if [ -n "$sim_pid" ] && kill -0 "$sim_pid" 2>/dev/null; then
    kill "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "demo: starting the simulator on 127.0.0.1:$port with $(basename "$world")"
zoomsim serve --port "$port" --world "$world" >"$work/zoomsim.log" 2>&1 &
sim_pid=$!

# wait until it answers HTTP (any status) or dies
if ! "$python" - "$port" "$sim_pid" <<'PY'
import os
import sys
import time
import urllib.error
import urllib.request

port, pid = int(sys.argv[1]), int(sys.argv[2])
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("the simulator exited")
    try:
        urllib.request.urlopen("http://127.0.0.1:%d/" % port, timeout=2).close()
        sys.exit(0)
    except urllib.error.HTTPError:
        sys.exit(0)  # it answers
    except (urllib.error.URLError, OSError):
        time.sleep(0.2)
sys.exit("the simulator did not answer within 30 s")
PY
then
  echo "demo: the simulator did not start; its log:" >&2
  cat "$work/zoomsim.log" >&2
  exit 1
fi

export ZOOM_API_URL="http://127.0.0.1:$port"
export ZOOM_OAUTH_URL="http://127.0.0.1:$port/oauth/token"
export ZOOM_ACCOUNT_ID=demo-account
export ZOOM_CLIENT_ID=demo-client-id
export ZOOM_CLIENT_SECRET=demo-client-secret

# FQCNs resolve through a private copy of the collection
bash "$root/hack/sync-collection.sh" "$work/collections" >/dev/null
export ANSIBLE_COLLECTIONS_PATH="$work/collections"
export ANSIBLE_PYTHON_INTERPRETER="$python"
export ANSIBLE_RETRY_FILES_ENABLED=false

run_playbook() {
  ansible-playbook "$playbook" "$@" 2>&1 | tee "$work/run.log"
}

echo "demo: first run (converges the demo world)"
run_playbook "$@"

echo "demo: second run (must change nothing)"
ANSIBLE_NOCOLOR=1 run_playbook "$@"

recap=$(sed -n '/^PLAY RECAP/,$p' "$work/run.log" | grep -E ' ok=[0-9]+ ' || true)
if [ -z "$recap" ]; then
  echo "demo: no PLAY RECAP in the second run" >&2
  exit 1
fi
if grep -Ev ' changed=0 .*unreachable=0 .*failed=0 ' <<<"$recap" >&2; then
  echo "demo: FAILED, the rerun was not idempotent (lines above)" >&2
  exit 1
fi
echo "demo: ok, the rerun reported changed=0"
