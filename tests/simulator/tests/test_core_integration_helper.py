"""The shared integration-target helper tests/integration/targets/setup_zoomsim (lib.sh and tasks/)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TARGET = Path(__file__).resolve().parents[2] / "integration" / "targets" / "setup_zoomsim"
BIN = Path(sys.executable).parent


def bash(script, **env):
    environment = dict(os.environ, PATH="%s:%s" % (BIN, os.environ.get("PATH", "")), **env)
    return subprocess.run(["bash", "-c", script], cwd=TARGET, env=environment, capture_output=True, text=True,
                          timeout=120, check=False)


def test_lib_sh_starts_exports_and_stops():
    """lib.sh: starts zoomsim on a free port, exports ZOOM_*, sim_mark/sim_writes_since/sim_reset, stops on exit."""
    script = """
set -eu
source ./lib.sh
echo "URL=$ZOOMSIM_URL API=$ZOOM_API_URL OAUTH=$ZOOM_OAUTH_URL ACCOUNT=$ZOOM_ACCOUNT_ID CLIENT=$ZOOM_CLIENT_ID"
seq=$(sim_mark)
echo "BEFORE=$(sim_writes_since "$seq")"
python - <<'PY'
import os, requests
tok = requests.post(os.environ["ZOOM_OAUTH_URL"], data={"grant_type": "account_credentials",
                    "account_id": os.environ["ZOOM_ACCOUNT_ID"]},
                    auth=(os.environ["ZOOM_CLIENT_ID"], os.environ["ZOOM_CLIENT_SECRET"]), timeout=10).json()["access_token"]
r = requests.patch(os.environ["ZOOM_API_URL"] + "/v2/users/alice@example.com", json={"job_title": "X"},
                   headers={"Authorization": "Bearer " + tok}, timeout=10)
assert r.status_code == 204, r.text
PY
echo "AFTER=$(sim_writes_since "$seq")"
sim_reset
echo "PID=$ZOOMSIM_PID"
"""
    result = bash(script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "ACCOUNT=cases-account CLIENT=cases-client-id" in out and "BEFORE=0" in out and "AFTER=1" in out
    pid = int(out.split("PID=")[1].split()[0])
    with pytest.raises(OSError):
        os.kill(pid, 0)  # stopped by the EXIT trap


def test_lib_sh_takes_another_world():
    result = bash("set -eu; source ./lib.sh; echo ACCOUNT=$ZOOM_ACCOUNT_ID", ZOOMSIM_WORLD="demo")
    assert result.returncode == 0, result.stderr
    assert "ACCOUNT=demo-account" in result.stdout


@pytest.mark.skipif(shutil.which("ansible-playbook", path=str(BIN)) is None, reason="ansible-core not installed")
def test_task_files_mark_assert_and_reset(tmp_path):
    """tasks/mark.yml, assert_no_writes.yml (passes, then fails after a write) and reset.yml, from a playbook."""
    playbook = tmp_path / "play.yml"
    playbook.write_text("""
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.include_tasks: "%(tasks)s/mark.yml"
    - ansible.builtin.include_tasks: "%(tasks)s/assert_no_writes.yml"
      vars: {since_seq: "{{ zoomsim_mark }}"}
    - ansible.builtin.uri:
        url: "{{ lookup('ansible.builtin.env', 'ZOOM_OAUTH_URL') }}"
        method: POST
        body_format: form-urlencoded
        body: {grant_type: account_credentials, account_id: "{{ lookup('ansible.builtin.env', 'ZOOM_ACCOUNT_ID') }}"}
        url_username: "{{ lookup('ansible.builtin.env', 'ZOOM_CLIENT_ID') }}"
        url_password: "{{ lookup('ansible.builtin.env', 'ZOOM_CLIENT_SECRET') }}"
        force_basic_auth: true
      register: token
    - ansible.builtin.uri:
        url: "{{ lookup('ansible.builtin.env', 'ZOOM_API_URL') }}/v2/users/alice@example.com"
        method: PATCH
        body_format: json
        body: {job_title: Changed}
        headers: {Authorization: "Bearer {{ token.json.access_token }}"}
        status_code: 204
    - ansible.builtin.include_tasks: "%(tasks)s/reset.yml"
    - ansible.builtin.include_tasks: "%(tasks)s/assert_no_writes.yml"
      vars: {since_seq: "{{ zoomsim_mark }}"}
""" % {"tasks": TARGET / "tasks"}, encoding="utf-8")
    result = bash("set -eu; source ./lib.sh; ansible-playbook -i localhost, -c local %s" % playbook,
                  ANSIBLE_NOCOLOR="1", ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    assert result.returncode != 0
    assert "1 write call(s) since" in result.stdout and "PATCH /v2/users/alice@example.com" in result.stdout
    assert result.stdout.count("No write call since") == 1


def test_aliases_hide_the_helper_target():
    assert (TARGET / "aliases").read_text(encoding="utf-8").split() == ["hidden"]
    assert sorted(p.name for p in (TARGET / "tasks").iterdir()) == ["assert_no_writes.yml", "mark.yml", "reset.yml"]
