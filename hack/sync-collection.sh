#!/usr/bin/env bash
# Copy the collection (tracked files plus untracked files that .gitignore does not
# ignore) to a real ansible_collections/<namespace>/<name> directory, which
# ansible-test, ansible-lint and the demo need.
#
# Usage: hack/sync-collection.sh [DEST_ROOT]    (default: build/ under the repository)
# Prints the collection directory (DEST_ROOT/ansible_collections/zoomops/provisioning).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest_root=${1:-${BUILD_DIR:-$root/build}}
mkdir -p "$dest_root"
dest_root=$(cd "$dest_root" && pwd)
namespace=$(sed -n 's/^namespace:[[:space:]]*//p' "$root/galaxy.yml" | tr -d "\"' ")
name=$(sed -n 's/^name:[[:space:]]*//p' "$root/galaxy.yml" | tr -d "\"' ")
dest="$dest_root/ansible_collections/$namespace/$name"

case "$dest" in
  "$root"|"$root"/ansible_collections) echo "sync-collection: refusing to overwrite $dest" >&2; exit 1 ;;
esac

rm -rf "$dest"
mkdir -p "$dest"

list_files() {
  if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$root" ls-files -z --cached --others --exclude-standard
  else
    # not a git checkout (e.g. an unpacked archive): everything but local state
    (cd "$root" && find . \( -name .git -o -name .venv -o -name build -o -name __pycache__ \
        -o -path ./tests/output -o -name .pytest_cache \) -prune -o \( -type f -o -type l \) -print0 |
      sed -z 's|^\./||')
  fi
}

# skip files deleted from the work tree but still in the index
list_files | while IFS= read -r -d '' f; do
  if [ -e "$root/$f" ] || [ -L "$root/$f" ]; then printf '%s\0' "$f"; fi
done | (cd "$root" && tar --null --no-recursion -T - -cf -) | (cd "$dest" && tar -xf -)

# ansible-test looks for version control from the collection root upwards; without a
# repository here it would find the outer one, in which build/ is ignored, and see no
# files at all. An empty repository makes it list exactly the copied files.
git -C "$dest" init -q

echo "$dest"
