#!/usr/bin/env bash
# Run ansible-test on a fresh copy of the collection at
#   build/run-<command>.XXXXXX/ansible_collections/zoomops/provisioning
# (ansible-test needs a real ansible_collections/<ns>/<name> path; a symlink fails).
# Every run gets its own copy, so runs in parallel (make -j, several people in one
# tree) cannot delete each other's files. The copy is removed afterwards; its
# tests/output (junit, coverage) is kept in build/output/<command>/.
#
# Usage: hack/ansible-test.sh sanity|units|integration [ansible-test options...]
# Adds `--python X.Y` (the project venv's Python, 3.11 here) unless given.
# Sanity also gets the get-pip stand-in (see hack/bootstrap-get-pip.sh).
# KEEP_COPY=1 keeps the copy for debugging.
# RUN_NAME=NAME names the copy (build/run-NAME.XXXXXX) and the kept output (build/output/NAME)
# instead of the command, so that two runs of one command can keep their output side by side.
# INTEGRATION_SHARD=K/N (integration only): run the K-th of N shares of the targets (ansible-test
# runs targets one after the other; `make test` runs N shares at once). The shares are balanced
# with the measured target times in TARGET_SECONDS below; a target not listed there counts as
# DEFAULT_TARGET_SECONDS. Without INTEGRATION_SHARD every target runs (or the ones named in the args).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${VENV:-$root/.venv}
case "$venv" in /*) ;; *) venv="$root/$venv" ;; esac
build=${BUILD_DIR:-$root/build}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
if [ ! -x "$venv/bin/ansible-test" ]; then
  echo "ansible-test.sh: $venv/bin/ansible-test not found (run: make venv)" >&2
  exit 1
fi
# the venv first on PATH: ansible-test --local then finds its python3.X, and
# integration targets find zoomsim and ansible-playbook
export PATH="$venv/bin:$PATH"

[ $# -ge 1 ] || { echo "usage: $0 sanity|units|integration [options...]" >&2; exit 2; }
command=$1
shift
run_name=${RUN_NAME:-$command}

args=("$@")

# Seconds per integration target (ansible-test integration --local, idle 2-core machine); only
# used to balance INTEGRATION_SHARD shares, so rough figures are fine. Update after big changes:
# the per-target times are in the "Running <target> integration test" timestamps of the log.
declare -A TARGET_SECONDS=(
  [role_phone_user]=60 [zoom_phone_user]=58 [zoom_scim_user]=62 [zoom_user]=56
  [zoom_user_sync]=28 [zoom_user_info]=9 [zoom_phone_info]=8
)
DEFAULT_TARGET_SECONDS=40

# The targets of share K of N: every target that is neither hidden nor disabled, longest first,
# each to the share with the least work so far (ties: the lower share).
shard_targets() {
  local want=$1 count=$2 dir target aliases i best
  local -a order loads
  order=()
  for dir in "$root"/tests/integration/targets/*/; do
    target=$(basename "$dir")
    aliases="$dir/aliases"
    if [ -f "$aliases" ] && grep -qE '^(hidden|disabled|unsupported|unstable)\b' "$aliases"; then
      continue
    fi
    order+=("${TARGET_SECONDS[$target]:-$DEFAULT_TARGET_SECONDS} $target")
  done
  for ((i = 0; i < count; i++)); do loads[i]=0; done
  while read -r seconds target; do
    [ -n "$target" ] || continue
    best=0
    for ((i = 1; i < count; i++)); do
      if [ "${loads[i]}" -lt "${loads[best]}" ]; then best=$i; fi
    done
    loads[best]=$((loads[best] + seconds))
    if [ $((best + 1)) -eq "$want" ]; then echo "$target"; fi
  done < <(printf '%s\n' "${order[@]+"${order[@]}"}" | sort -k1,1nr -k2,2)
}

if [ -n "${INTEGRATION_SHARD:-}" ]; then
  [ "$command" = integration ] || { echo "ansible-test.sh: INTEGRATION_SHARD is for integration only" >&2; exit 2; }
  shard=${INTEGRATION_SHARD%/*}
  shards=${INTEGRATION_SHARD#*/}
  case "$shard/$shards" in
    [1-9]/[1-9]) [ "$shard" -le "$shards" ] || { echo "ansible-test.sh: bad INTEGRATION_SHARD=$INTEGRATION_SHARD" >&2; exit 2; } ;;
    *) echo "ansible-test.sh: INTEGRATION_SHARD must be K/N (1 <= K <= N <= 9), not '$INTEGRATION_SHARD'" >&2; exit 2 ;;
  esac
  mapfile -t shard_list < <(shard_targets "$shard" "$shards")
  if [ "${#shard_list[@]}" -eq 0 ]; then
    echo "ansible-test.sh: integration share $shard/$shards has no target (fewer targets than shares)"
    exit 0
  fi
  echo "ansible-test.sh: integration share $shard/$shards: ${shard_list[*]}"
  args+=("${shard_list[@]}")
fi
has_python=false
for a in "${args[@]+"${args[@]}"}"; do
  case "$a" in --python|--python=*|--python-interpreter|--python-interpreter=*) has_python=true ;; esac
done
if ! $has_python; then
  args=(--python "$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" "${args[@]+"${args[@]}"}")
fi

if [ "$command" = sanity ]; then
  bash "$root/hack/bootstrap-get-pip.sh" "$venv/bin/python"
fi

mkdir -p "$build"
run_root=$(mktemp -d "$build/run-$run_name.XXXXXX")
dest=
finish() {
  local status=$?
  if [ -n "$dest" ] && [ -d "$dest/tests/output" ]; then
    rm -rf "$build/output/$run_name"
    mkdir -p "$build/output"
    cp -a "$dest/tests/output" "$build/output/$run_name" 2>/dev/null || true
  fi
  if [ "${KEEP_COPY:-0}" = 1 ]; then
    echo "ansible-test.sh: kept the copy in $run_root" >&2
  else
    rm -rf "$run_root"
  fi
  exit "$status"
}
trap finish EXIT

dest=$(bash "$root/hack/sync-collection.sh" "$run_root")
cd "$dest"
echo "+ (cd $dest && ansible-test $command ${args[*]})"
if [ "$command" != integration ]; then
  ansible-test "$command" "${args[@]}"
  exit 0
fi

# ansible-test exits 0 when every target is skipped (missing aliases, a typo in a
# target name, no targets yet): a CI step that cannot fail. Require that one ran.
ansible-test "$command" "${args[@]}" 2>&1 | tee "$run_root/integration.log"
ran=$(grep -cE '^Running [^ ]+ integration test' "$run_root/integration.log" || true)
if [ "$ran" -eq 0 ]; then
  echo "ansible-test.sh: no integration target ran (see the warnings above)" >&2
  exit 1
fi
echo "ansible-test.sh: $ran integration target(s) ran"
