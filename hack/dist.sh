#!/usr/bin/env bash
# Build the release artifacts from a clean copy of the tree (tracked files plus untracked, not ignored ones):
#   collection  zoomops-provisioning-<version>.tar.gz   (ansible-galaxy collection build; version from galaxy.yml)
#   simulator   zoomsim-<version>-py3-none-any.whl and zoomsim-<version>.tar.gz   (python -m build; version from
#               tests/simulator/zoomsim/__init__.py)
# into OUT_DIR (default $BUILD_DIR/dist, i.e. build/dist), and print the paths of what was built.
#
# Usage: hack/dist.sh collection|simulator|all [OUT_DIR]   (`make collection-dist`, `make simulator-dist`, `make dist`)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${VENV:-$root/.venv}
case "$venv" in /*) ;; *) venv="$root/$venv" ;; esac
export PATH="$venv/bin:$PATH"

what=${1:?usage: hack/dist.sh collection|simulator|all [OUT_DIR]}
out=${2:-${BUILD_DIR:-$root/build}/dist}
case "$what" in collection|simulator|all) ;; *) echo "dist: unknown artifact $what" >&2; exit 2 ;; esac
mkdir -p "$out"
out=$(cd "$out" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/zoomops-dist.XXXXXX")
trap 'rm -rf "$work"' EXIT
# building in a copy keeps build products (egg-info, build/) out of the working tree
src=$(bash "$root/hack/sync-collection.sh" "$work/src")

if [ "$what" != simulator ]; then
  ansible-galaxy collection build --force --output-path "$work/collection" "$src" >/dev/null
  for f in "$work"/collection/*.tar.gz; do mv -f "$f" "$out/"; echo "$out/$(basename "$f")"; done
fi
if [ "$what" != collection ]; then
  python -m build --outdir "$work/simulator" "$src/tests/simulator" >"$work/build.log" 2>&1 \
    || { cat "$work/build.log" >&2; echo "dist: building the simulator failed" >&2; exit 1; }
  for f in "$work"/simulator/zoomsim-*; do mv -f "$f" "$out/"; echo "$out/$(basename "$f")"; done
fi
