"""The command line (issue: "One command starts it on a chosen port with a chosen world")."""

import os
import signal
import subprocess
import sys
import time

import requests

ZOOMSIM = [sys.executable, "-m", "zoomsim.cli"]


def run(*args):
    return subprocess.run(ZOOMSIM + list(args), capture_output=True, text=True, timeout=60, check=False)


def test_version():
    result = run("--version")
    assert result.returncode == 0 and result.stdout.startswith("zoomsim ")


def test_check_world(tmp_path):
    assert run("check-world", "cases").returncode == 0
    bad = tmp_path / "bad.yml"
    bad.write_text("users:\n  - {email: a@example.com, role: king}\n", encoding="utf-8")
    result = run("check-world", str(bad))
    assert result.returncode == 1 and "role" in result.stderr


def test_serve_on_a_free_port_and_stop_on_sigterm(tmp_path):
    """`zoomsim serve --port 0 --port-file F --world demo`: one line with the URL, health, clean SIGTERM exit."""
    port_file = tmp_path / "port"
    process = subprocess.Popen(ZOOMSIM + ["serve", "--port", "0", "--port-file", str(port_file), "--world", "demo",
                                          "--latency-ms", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not port_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        port = int(port_file.read_text(encoding="utf-8"))
        url = "http://127.0.0.1:%d" % port
        assert requests.get(url + "/_sim/health", timeout=10).json()["account_id"] == "demo-account"
        token = requests.post(url + "/oauth/token", data={"grant_type": "account_credentials", "account_id": "demo-account"},
                              auth=("demo-client-id", "demo-client-secret"), timeout=10).json()["access_token"]
        answer = requests.get(url + "/v2/users/ann.lee@example.com", headers={"Authorization": "Bearer " + token}, timeout=10)
        assert answer.status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert out.strip() == "zoomsim 0.1.0 listening on %s (world: demo)" % url


def test_serve_refuses_a_bad_world():
    result = run("serve", "--port", "0", "--world", "no-such-world")
    assert result.returncode == 2 and "not found" in result.stderr


def test_world_from_environment(tmp_path):
    """Without --world, $ZOOMSIM_WORLD (else 'cases') is served."""
    port_file = tmp_path / "port"
    env = dict(os.environ, ZOOMSIM_WORLD="demo")
    process = subprocess.Popen(ZOOMSIM + ["serve", "--port", "0", "--port-file", str(port_file), "--quiet"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not port_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        url = "http://127.0.0.1:%s" % port_file.read_text(encoding="utf-8").strip()
        assert requests.get(url + "/_sim/health", timeout=10).json()["account_id"] == "demo-account"
    finally:
        process.send_signal(signal.SIGINT)
        out, _err = process.communicate(timeout=20)
    assert process.returncode == 0 and out == ""
