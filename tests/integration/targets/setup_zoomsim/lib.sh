# shellcheck shell=bash
# Start the Zoom API simulator for an integration target and point the Zoom environment at it.
#
# In a target's runme.sh (its aliases file carries `needs/target/setup_zoomsim`):
#
#     #!/usr/bin/env bash
#     set -eux
#     source ../setup_zoomsim/lib.sh          # starts zoomsim, exports ZOOM_*, stops it on exit
#     seq=$(sim_mark)
#     ansible-playbook ...                    # modules read ZOOM_API_URL, ZOOM_OAUTH_URL, ZOOM_ACCOUNT_ID, ...
#     [ "$(sim_writes_since "$seq")" -eq 0 ]  # the rerun wrote nothing
#
# Knobs (set before sourcing): ZOOMSIM_WORLD (world file path or packaged name, default "cases"),
# ZOOMSIM_BIN (default "zoomsim" from PATH), ZOOMSIM_ARGS (extra `zoomsim serve` arguments).
# Exports: ZOOMSIM_URL ZOOM_API_URL ZOOM_OAUTH_URL ZOOM_ACCOUNT_ID ZOOM_CLIENT_ID ZOOM_CLIENT_SECRET
# Functions: sim_reset, sim_mark, sim_writes_since SEQ, sim_ctl ARGS..., zoomsim_stop

ZOOMSIM_BIN="${ZOOMSIM_BIN:-zoomsim}"
ZOOMSIM_WORLD="${ZOOMSIM_WORLD:-cases}"
export ZOOMSIM_WORLD

if ! command -v "${ZOOMSIM_BIN}" >/dev/null 2>&1; then
    echo "setup_zoomsim: '${ZOOMSIM_BIN}' not found; install it with: pip install -e tests/simulator" >&2
    return 1  # lib.sh is sourced
fi

ZOOMSIM_TMP="$(mktemp -d "${TMPDIR:-/tmp}/zoomsim.XXXXXX")"
# shellcheck disable=SC2086  # ZOOMSIM_ARGS is a list of words on purpose
"${ZOOMSIM_BIN}" serve --host 127.0.0.1 --port 0 --port-file "${ZOOMSIM_TMP}/port" --world "${ZOOMSIM_WORLD}" \
    --quiet ${ZOOMSIM_ARGS:-} >"${ZOOMSIM_TMP}/server.log" 2>&1 &
ZOOMSIM_PID=$!

zoomsim_stop() {
    if [ -n "${ZOOMSIM_PID:-}" ] && kill -0 "${ZOOMSIM_PID}" 2>/dev/null; then
        kill "${ZOOMSIM_PID}" 2>/dev/null || true
        wait "${ZOOMSIM_PID}" 2>/dev/null || true
    fi
    ZOOMSIM_PID=""
    rm -rf "${ZOOMSIM_TMP:-/nonexistent}"
}
trap zoomsim_stop EXIT

for _ in $(seq 1 600); do
    [ -s "${ZOOMSIM_TMP}/port" ] && break
    if ! kill -0 "${ZOOMSIM_PID}" 2>/dev/null; then
        cat "${ZOOMSIM_TMP}/server.log" >&2
        echo "setup_zoomsim: the simulator did not start" >&2
        return 1  # lib.sh is sourced
    fi
    sleep 0.1
done
ZOOMSIM_URL="http://127.0.0.1:$(cat "${ZOOMSIM_TMP}/port")"
export ZOOMSIM_URL
"${ZOOMSIM_BIN}" ctl --url "${ZOOMSIM_URL}" wait --timeout 60
# the exports carry the client secret: keep them out of `set -x` traces (restored after)
case $- in *x*) _zoomsim_xtrace=1; { set +x; } 2>/dev/null ;; *) _zoomsim_xtrace= ;; esac
eval "$("${ZOOMSIM_BIN}" env --url "${ZOOMSIM_URL}" --world "${ZOOMSIM_WORLD}")"
[ -z "${_zoomsim_xtrace}" ] || set -x

sim_ctl() { "${ZOOMSIM_BIN}" ctl --url "${ZOOMSIM_URL}" "$@"; }
sim_reset() { sim_ctl reset; }
sim_mark() { sim_ctl mark; }
sim_writes_since() { sim_ctl writes-since "$1"; }
