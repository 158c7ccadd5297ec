#!/usr/bin/env bash
# Write the stand-in for ansible-test's pip bootstrap script.
#
# `ansible-test sanity` bootstraps pip into each of its virtual environments with a
# get-pip script downloaded from ci-files.testing.ansible.com, a host that is not
# reachable here. It first looks for a cached copy at
#   ~/.ansible/test/cache/get_pip_<pip version with underscores>.py
# where <pip version> comes from the installed ansible-test
# (ansible_test/_internal/python_requirements.py, get_venv_packages()).
#
# The stand-in bootstraps pip with `ensurepip` (falling back to the pip of the
# project venv, `pip --python`) and then installs the requested packages (pip==X)
# from the package index, like the real script does.
#
# Usage: hack/bootstrap-get-pip.sh [PYTHON]   (PYTHON: the interpreter that has ansible-test)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=${1:-${VENV:-$root/.venv}/bin/python}

if ! "$python" -c 'import ansible_test' 2>/dev/null; then
  echo "bootstrap-get-pip: $python has no ansible_test package (run: make venv)" >&2
  exit 1
fi

pip_version=$("$python" - <<'PY'
import os
import re
import sys

import ansible_test

path = os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py")
with open(path, encoding="utf-8") as handle:
    text = handle.read()
# default_packages = dict(pip='24.2', ...) inside get_venv_packages()
match = re.search(r"def get_venv_packages\b.*?\bpip\s*=\s*['\"]([0-9][0-9A-Za-z.]*)['\"]", text, re.S)
if not match:
    sys.exit("bootstrap-get-pip: cannot find the pip version in %s" % path)
print(match.group(1))
PY
)

cache_dir="$HOME/.ansible/test/cache"
target="$cache_dir/get_pip_${pip_version//./_}.py"
marker="zoomops-get-pip-stand-in"
host_python=$("$python" -c 'import sys; print(sys.executable)')

if [ -f "$target" ] && ! grep -q "$marker" "$target"; then
  echo "bootstrap-get-pip: $target exists and is not our stand-in: keeping it"
  exit 0
fi

mkdir -p "$cache_dir"
tmp=$(mktemp "$cache_dir/.get_pip.XXXXXX")
cat >"$tmp" <<PY
"""Stand-in for get-pip.py ($marker), written by hack/bootstrap-get-pip.sh.

ansible-test runs this file with the Python of a fresh virtual environment and the
arguments it would give the real get-pip.py, e.g.
    --disable-pip-version-check pip==$pip_version --no-setuptools --no-wheel
"""
import os
import subprocess
import sys

HOST_PYTHON = "$host_python"
DROP = ("--no-setuptools", "--no-wheel")


def main():
    args = [arg for arg in sys.argv[1:] if arg not in DROP]
    env = dict(os.environ)
    env.pop("GET_PIP", None)
    try:
        subprocess.run([sys.executable, "-m", "ensurepip", "--default-pip"], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        cmd = [sys.executable, "-m", "pip", "install", "-q"] + args
    except (OSError, subprocess.CalledProcessError):
        # no ensurepip (e.g. a distribution Python without python3-venv): use the host's pip
        cmd = [HOST_PYTHON, "-m", "pip", "--python", sys.executable, "install", "-q"] + args
    sys.exit(subprocess.run(cmd, check=False, env=env).returncode)


if __name__ == "__main__":
    main()
PY
mv -f "$tmp" "$target"
echo "bootstrap-get-pip: wrote $target (pip $pip_version)"
