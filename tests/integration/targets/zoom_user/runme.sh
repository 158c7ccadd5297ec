#!/usr/bin/env bash
# zoom_user against the Zoom API simulator (packaged "cases" world). main.yml runs every branch as check mode ->
# apply -> rerun (changed=false, zero writes) -> independent read, plus bad input and faults. It runs with
# -vvvv --diff so that its whole output can be searched for secrets afterwards.
set -eux

source ../setup_zoomsim/lib.sh

PLAYBOOK_ARGS=(-i ../../inventory -e ansible_python_interpreter="$(command -v python)")

log="$(mktemp)"
trap 'rm -f "${log}"; zoomsim_stop' EXIT
if ! ansible-playbook main.yml -vvvv --diff "${PLAYBOOK_ARGS[@]}" "$@" >"${log}" 2>&1; then
    cat "${log}"
    exit 1
fi
grep -E '^(PLAY RECAP|localhost)' "${log}"

# No secret in any result, diff, warning or -vvvv output: neither the client secret (nor the wrong one a task
# sends) nor a bearer token. -vvvv really was on: the module results carry their request log.
grep -q 'zoom_request_log' "${log}"
if grep -F -q -- "${ZOOM_CLIENT_SECRET}" "${log}"; then
    echo "the client secret leaked into the -vvvv output" >&2
    exit 1
fi
if grep -F -q -- 'wrong-secret-do-not-print' "${log}"; then
    echo "a client secret given as an option leaked into the -vvvv output" >&2
    exit 1
fi
if grep -E -i -q '(bearer|access_token)[^A-Za-z0-9]{1,4}[A-Za-z0-9._~+/=-]{16,}' "${log}"; then
    echo "an access token leaked into the -vvvv output" >&2
    exit 1
fi

# Without the credentials in the environment: one clear message naming the options and variables.
env -u ZOOM_ACCOUNT_ID -u ZOOM_CLIENT_ID -u ZOOM_CLIENT_SECRET \
    ansible-playbook missing_credentials.yml "${PLAYBOOK_ARGS[@]}" "$@"
