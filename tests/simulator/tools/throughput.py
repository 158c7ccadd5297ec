"""Throughput smoke measurement of the simulator (loopback only, bounded in requests and time).

    python tests/simulator/tools/throughput.py --threads 8 --seconds 10 [--no-validation] [--mix read|write] [--client raw]

Starts `zoomsim serve` in its own process (world `cases`, latency 0, rate limits off), runs N client
threads with keep-alive `requests` sessions against it from this process, and prints requests/s as
JSON. The numbers in docs/SIMULATOR.md come from this script.
"""

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

import requests

SIM_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir)  # zoomsim importable without install

READS = ["/v2/users/alice@example.com", "/v2/users/phone.full@example.com", "/v2/phone/users/phone.full@example.com",
         "/v2/users/email?email=emma%40example.org"]
MAX_REQUESTS = 200000


def worker(url, token, deadline, mix, client, counts, index):
    """One client thread on one keep-alive connection: `requests` (what the modules use) or raw http.client."""
    send = _requests_sender(url, token) if client == "requests" else _raw_sender(url, token)
    done = errors = 0
    while time.monotonic() < deadline and done < MAX_REQUESTS:
        if mix == "write":
            status = send("PATCH", "/v2/users/alice@example.com", json.dumps({"job_title": "T%d" % (done % 7)}))
        else:
            status = send("GET", READS[done % len(READS)], None)
        done += 1
        errors += 0 if status < 400 else 1
    counts[index] = (done, errors)


def _requests_sender(url, token):
    session = requests.Session()
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}

    def send(method, path, body):
        return session.request(method, url + path, data=body, headers=headers, timeout=30).status_code

    return send


def _raw_sender(url, token):
    host, port = url.rsplit("/", 1)[-1].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}

    def send(method, path, body):
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        answer.read()
        return answer.status

    return send


def measure(threads, seconds, validation, mix, client):
    """Server in its own process (as modules see it), clients in this one."""
    with tempfile.TemporaryDirectory() as folder:
        port_file = os.path.join(folder, "port")
        command = [sys.executable, "-m", "zoomsim.cli", "serve", "--port", "0", "--port-file", port_file, "--world", "cases",
                   "--latency-ms", "0", "--no-rate-limits", "--quiet"] + ([] if validation else ["--no-validation"])
        server = subprocess.Popen(command, env=dict(os.environ, PYTHONPATH=SIM_DIR))
        try:
            return _drive(_wait_for_port(port_file), threads, seconds, validation, mix, client)
        finally:
            server.terminate()
            server.wait(timeout=30)


def _wait_for_port(port_file):
    deadline = time.monotonic() + 60
    while not os.path.exists(port_file):
        if time.monotonic() > deadline:
            raise RuntimeError("the simulator did not start")
        time.sleep(0.05)
    with open(port_file, encoding="utf-8") as handle:
        return "http://127.0.0.1:%d" % int(handle.read())


def _drive(url, threads, seconds, validation, mix, client):
    token = requests.post(url + "/oauth/token", data={"grant_type": "account_credentials", "account_id": "cases-account"},
                          auth=("cases-client-id", "cases-client-secret"), timeout=30).json()["access_token"]
    for path in READS:  # warm the compiled spec checks
        requests.get(url + path, headers={"Authorization": "Bearer " + token}, timeout=30)
    counts = [None] * threads
    deadline = time.monotonic() + seconds
    started = time.monotonic()
    pool = [threading.Thread(target=worker, args=(url, token, deadline, mix, client, counts, i)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.monotonic() - started
    total = sum(c[0] for c in counts)
    return {"threads": threads, "seconds": round(elapsed, 2), "requests": total, "errors": sum(c[1] for c in counts),
            "requests_per_second": round(total / elapsed, 1), "validation": validation, "mix": mix,
            "client": client, "cpus": os.cpu_count()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--no-validation", action="store_true")
    parser.add_argument("--mix", choices=("read", "write"), default="read")
    parser.add_argument("--client", choices=("requests", "raw"), default="requests",
                        help="requests (like the modules) or raw http.client (shows the server's own ceiling)")
    args = parser.parse_args(argv)
    seconds = min(args.seconds, 120.0)  # bounded on purpose
    result = measure(max(1, min(args.threads, 64)), seconds, not args.no_validation, args.mix, args.client)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
