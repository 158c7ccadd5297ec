#!/usr/bin/env bash
# ansible-lint --profile production --offline on the repository, with the collection's
# own modules and roles resolved from a private copy under build/run-lint.XXXXXX/
# (ANSIBLE_COLLECTIONS_PATH; offline, ansible-lint installs nothing itself).
#
# Usage: hack/lint.sh [ansible-lint options...]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${VENV:-$root/.venv}
case "$venv" in /*) ;; *) venv="$root/$venv" ;; esac
build=${BUILD_DIR:-$root/build}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
export PATH="$venv/bin:$PATH"

mkdir -p "$build"
run_root=$(mktemp -d "$build/run-lint.XXXXXX")
trap 'rm -rf "$run_root"' EXIT
bash "$root/hack/sync-collection.sh" "$run_root" >/dev/null

cd "$root"
export ANSIBLE_COLLECTIONS_PATH="$run_root"
ansible-lint --profile production --offline "$@"
