#!/usr/bin/env bash
# Build the release artifacts the way a release would (hack/dist.sh, from a copy of the tree). The collection
# tarball: check what it ships, install it offline into a temporary directory and run ansible-doc on every module
# and role it contains. The simulator wheel: install it into a throwaway venv, run `zoomsim serve --help`, serve
# the packaged demo world for a moment and get an OAuth token from it.
#
# Usage: hack/build-check.sh        (needs the venv on PATH; `make build-check` does that)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${VENV:-$root/.venv}
case "$venv" in /*) ;; *) venv="$root/$venv" ;; esac
export PATH="$venv/bin:$PATH"

work=$(mktemp -d "${TMPDIR:-/tmp}/zoomops-build-check.XXXXXX")
sim_pid=
trap 'if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; fi; rm -rf "$work"' EXIT

bash "$root/hack/dist.sh" all "$work/dist" >/dev/null
tarball=$(ls "$work"/dist/zoomops-provisioning-*.tar.gz)
echo "build-check: built $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB)"
wheel=$(ls "$work"/dist/zoomsim-*-py3-none-any.whl)
sdist=$(ls "$work"/dist/zoomsim-*.tar.gz)
echo "build-check: built $(basename "$wheel") and $(basename "$sdist")"

fail=0
# the tested-versions table stays true: requires_ansible claims the ansible-core line the venv tests, and so does the README
tested=$(python -c 'from ansible.release import __version__ as v; print(".".join(v.split(".")[:2]))')
if ! grep -qE "^requires_ansible: '>=${tested}\.0'" "$root/meta/runtime.yml" \
    || ! grep -qF "| ansible-core | ${tested} (" "$root/README.md"; then
  echo "build-check: meta/runtime.yml requires_ansible and README.md's tested versions must name ansible-core ${tested}," \
    "the version make test runs" >&2
  fail=1
fi
# the README's install commands name the artifacts by version: keep them true when a version changes
for artifact in "$tarball" "$wheel"; do
  if ! grep -qF "$(basename "$artifact")" "$root/README.md"; then
    echo "build-check: README.md does not name $(basename "$artifact") (a version changed? update its install commands)" >&2
    fail=1
  fi
done

tar -tzf "$tarball" | sed 's|^\./||; s|/$||' | sort >"$work/contents"

# development-only trees must never ship
for forbidden in tests/simulator tests/output tests/integration/inventory .venv build bench hack .ci \
                 .git .gitignore .ansible-lint Makefile; do
  if grep -qx -e "$forbidden" -e "$forbidden/.*" "$work/contents"; then
    echo "build-check: the tarball contains $forbidden" >&2
    fail=1
  fi
done
if grep -E '(^|/)(__pycache__|\.pytest_cache|\.hypothesis)(/|$)|\.pyc$|\.egg-info(/|$)' "$work/contents" >&2; then
  echo "build-check: the tarball contains caches or build products (above)" >&2
  fail=1
fi
for required in MANIFEST.json FILES.json README.md LICENSE meta/runtime.yml requirements.txt \
                meta/execution-environment.yml changelogs/changelog.yaml; do
  if ! grep -qx -e "$required" "$work/contents"; then
    echo "build-check: the tarball lacks $required" >&2
    fail=1
  fi
done

modules=()
while IFS= read -r path; do
  modules+=("$(basename "$path" .py)")
done < <(grep -E '^plugins/modules/[^_/][^/]*\.py$' "$work/contents" || true)
if [ ${#modules[@]} -eq 0 ]; then
  echo "build-check: the tarball holds no modules under plugins/modules" >&2
  fail=1
fi

export ANSIBLE_COLLECTIONS_PATH="$work/collections"
ansible-galaxy collection install --offline --force -p "$work/collections" "$tarball" >/dev/null

for module in "${modules[@]}"; do
  if ansible-doc "zoomops.provisioning.$module" >"$work/doc.txt" 2>"$work/doc.err" && [ -s "$work/doc.txt" ] \
      && ! grep -q 'WARNING\|ERROR' "$work/doc.err"; then
    echo "build-check: ansible-doc zoomops.provisioning.$module ok"
  else
    cat "$work/doc.err" >&2
    echo "build-check: ansible-doc zoomops.provisioning.$module failed" >&2
    fail=1
  fi
done

# roles with an argument spec document themselves too
for spec in "$work"/collections/ansible_collections/zoomops/provisioning/roles/*/meta/argument_specs.yml; do
  [ -e "$spec" ] || continue
  role=$(basename "$(dirname "$(dirname "$spec")")")
  if ansible-doc -t role "zoomops.provisioning.$role" >/dev/null 2>"$work/doc.err" \
      && ! grep -q 'WARNING\|ERROR' "$work/doc.err"; then
    echo "build-check: ansible-doc -t role zoomops.provisioning.$role ok"
  else
    cat "$work/doc.err" >&2
    echo "build-check: ansible-doc -t role zoomops.provisioning.$role failed" >&2
    fail=1
  fi
done

# every listed module is visible through the installed collection
listed=$(ansible-doc -l zoomops.provisioning 2>/dev/null | awk '{print $1}' | sort)
for module in "${modules[@]}"; do
  grep -qx "zoomops.provisioning.$module" <<<"$listed" || {
    echo "build-check: ansible-doc -l does not list zoomops.provisioning.$module" >&2
    fail=1
  }
done

# the simulator as users install it in their own CI: the wheel alone, in a fresh venv
python -m venv "$work/simvenv"
"$work/simvenv/bin/python" -m pip install -q "$wheel" >"$work/pip.log" 2>&1 || {
  cat "$work/pip.log" >&2; echo "build-check: pip install $(basename "$wheel") failed" >&2; fail=1; }
if [ -x "$work/simvenv/bin/zoomsim" ] && "$work/simvenv/bin/zoomsim" serve --help >/dev/null; then
  echo "build-check: zoomsim serve --help ok"
  (cd "$work" && exec "$work/simvenv/bin/zoomsim" serve --port 0 --port-file "$work/zoomsim.port" --world demo --quiet) \
    >"$work/zoomsim.log" 2>&1 &
  sim_pid=$!
  if "$work/simvenv/bin/python" - "$work/zoomsim.port" "$sim_pid" <<'PY'
import base64
import json
import os
import sys
import time
import urllib.request

port_file, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 30
while not (os.path.exists(port_file) and open(port_file).read().strip()):
    os.kill(pid, 0)  # raises when the simulator died
    if time.monotonic() > deadline:
        sys.exit("zoomsim did not listen within 30 s")
    time.sleep(0.1)
url = "http://127.0.0.1:%s" % open(port_file).read().strip()
with urllib.request.urlopen(url + "/_sim/health", timeout=10) as answer:
    health = json.load(answer)
# the demo world's credentials (tests/simulator/worlds/demo.yml), not secrets
basic = base64.b64encode(b"demo-client-id:demo-client-secret").decode()
request = urllib.request.Request(url + "/oauth/token?grant_type=account_credentials&account_id=demo-account",
                                 method="POST", headers={"Authorization": "Basic " + basic})
with urllib.request.urlopen(request, timeout=10) as answer:
    token = json.load(answer)
assert health.get("status") == "ok" and token.get("access_token"), (health, sorted(token))
print("build-check: zoomsim %s served the demo world and issued a token" % health.get("version"))
PY
  then :; else
    cat "$work/zoomsim.log" >&2; echo "build-check: the installed zoomsim did not serve" >&2; fail=1
  fi
  kill "$sim_pid" 2>/dev/null || true
  wait "$sim_pid" 2>/dev/null || true
  sim_pid=
else
  echo "build-check: the installed wheel has no working zoomsim command" >&2
  fail=1
fi

if [ "$fail" -ne 0 ]; then
  echo "build-check: FAILED" >&2
  exit 1
fi
echo "build-check: ok (${#modules[@]} modules)"
