#!/usr/bin/env bash
# Build the collection tarball the way a release would (from the copy of the tracked
# files), check what it ships, install it offline into a temporary directory and run
# ansible-doc on every module and role it contains.
#
# Usage: hack/build-check.sh        (needs the venv on PATH; `make build-check` does that)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${VENV:-$root/.venv}
case "$venv" in /*) ;; *) venv="$root/$venv" ;; esac
export PATH="$venv/bin:$PATH"

work=$(mktemp -d "${TMPDIR:-/tmp}/zoomops-build-check.XXXXXX")
trap 'rm -rf "$work"' EXIT

src=$(bash "$root/hack/sync-collection.sh" "$work/src")
ansible-galaxy collection build --output-path "$work/dist" "$src" >/dev/null
tarball=$(ls "$work"/dist/zoomops-provisioning-*.tar.gz)
echo "build-check: built $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB)"

tar -tzf "$tarball" | sed 's|^\./||; s|/$||' | sort >"$work/contents"

fail=0
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

if [ "$fail" -ne 0 ]; then
  echo "build-check: FAILED" >&2
  exit 1
fi
echo "build-check: ok (${#modules[@]} modules)"
