"""Command line: `zoomsim serve`, `zoomsim check-world`, `zoomsim --version`."""

import argparse
import json
import logging
import os
import shlex
import signal
import sys
import threading
import time
import urllib.request

from zoomsim import __version__
from zoomsim.world import WorldError, describe, env_world_default, load_world, packaged_worlds


def build_parser():
    parser = argparse.ArgumentParser(prog="zoomsim", description="Stateful Zoom API simulator (S2S OAuth, Users, SCIM2, Phone).")
    parser.add_argument("--version", action="version", version="zoomsim " + __version__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the simulator over HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8900, help="port (0 = any free port; default 8900)")
    serve.add_argument("--world", default=None,
                       help="world file path or packaged world name (%s; default $ZOOMSIM_WORLD or 'cases')" % ", ".join(packaged_worlds()))
    serve.add_argument("--latency-ms", type=float, default=None, help="override the world's latency (ms per request)")
    serve.add_argument("--no-rate-limits", action="store_true", help="switch rate limiting off")
    serve.add_argument("--no-validation", action="store_true", help="do not check requests against Zoom's OpenAPI specs")
    serve.add_argument("--port-file", default=None, help="write the bound port to this file once listening")
    serve.add_argument("--quiet", action="store_true", help="print nothing but errors")
    serve.add_argument("--verbose", action="store_true", help="log every HTTP request to stderr")
    check = commands.add_parser("check-world", help="load a world file and report problems")
    check.add_argument("world", help="world file path or packaged world name")
    env = commands.add_parser("env", help="print shell exports (ZOOM_*) for a running simulator and its world")
    env.add_argument("--url", default=os.environ.get("ZOOMSIM_URL"), help="simulator URL (default $ZOOMSIM_URL)")
    env.add_argument("--world", default=None, help="world whose first credential to export (default $ZOOMSIM_WORLD or 'cases')")
    ctl = commands.add_parser("ctl", help="talk to a running simulator's control API (for shell scripts)")
    ctl.add_argument("--url", default=os.environ.get("ZOOMSIM_URL"), help="simulator URL (default $ZOOMSIM_URL)")
    actions = ctl.add_subparsers(dest="action", required=True)
    wait = actions.add_parser("wait", help="wait until /_sim/health answers")
    wait.add_argument("--timeout", type=float, default=60.0)
    actions.add_parser("reset", help="back to the initial world")
    actions.add_parser("mark", help="print the current log sequence number")
    since = actions.add_parser("writes-since", help="print how many write calls were logged after SEQ")
    since.add_argument("seq", type=int)
    call = actions.add_parser("call", help="any control call; prints the JSON answer")
    call.add_argument("method")
    call.add_argument("path", help="e.g. /_sim/counters")
    call.add_argument("--data", default=None, help="JSON body")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.command == "check-world":
        return check_world(args.world)
    if args.command == "env":
        return print_env(args)
    if args.command == "ctl":
        return control(args)
    return run_server(args)


def print_env(args):
    """`eval "$(zoomsim env --url URL --world W)"`: the environment the modules read."""
    if not args.url:
        print("zoomsim env: --url or $ZOOMSIM_URL is required", file=sys.stderr)
        return 2
    try:
        credential = load_world(args.world or env_world_default()).credentials[0]
    except WorldError as exc:
        print("invalid world: %s" % exc, file=sys.stderr)
        return 2
    url = args.url.rstrip("/")
    values = {"ZOOMSIM_URL": url, "ZOOM_API_URL": url, "ZOOM_OAUTH_URL": url + "/oauth/token",
              "ZOOM_ACCOUNT_ID": credential.account_id, "ZOOM_CLIENT_ID": credential.client_id,
              "ZOOM_CLIENT_SECRET": credential.client_secret}
    for name, value in values.items():
        print("export %s=%s" % (name, shlex.quote(value)))
    return 0


def control(args):
    """Small control-API client for shell scripts (no curl/jq needed)."""
    if not args.url:
        print("zoomsim ctl: --url or $ZOOMSIM_URL is required", file=sys.stderr)
        return 2
    url = args.url.rstrip("/")
    try:
        if args.action == "wait":
            return _wait(url, args.timeout)
        if args.action == "reset":
            _control_call(url, "POST", "/_sim/reset")
        elif args.action == "mark":
            print(_control_call(url, "POST", "/_sim/log/mark")["seq"])
        elif args.action == "writes-since":
            print(len(_control_call(url, "GET", "/_sim/log?writes=1&since=%d" % args.seq)["entries"]))
        else:
            print(json.dumps(_control_call(url, args.method.upper(), args.path, args.data), indent=2, sort_keys=True))
    except (OSError, ValueError) as exc:
        print("zoomsim ctl: %s" % exc, file=sys.stderr)
        return 1
    return 0


def _control_call(url, method, path, data=None):
    body = data.encode("utf-8") if data else None
    request = urllib.request.Request(url + path, data=body, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:  # nosec - loopback control API
        return json.loads(answer.read().decode("utf-8"))


def _wait(url, timeout):
    deadline = time.monotonic() + timeout
    while True:
        try:
            if _control_call(url, "GET", "/_sim/health").get("status") == "ok":
                return 0
        except (OSError, ValueError):
            pass
        if time.monotonic() > deadline:
            print("zoomsim ctl wait: no answer from %s after %.0f s" % (url, timeout), file=sys.stderr)
            return 1
        time.sleep(0.1)


def check_world(source):
    try:
        world = load_world(source)
    except WorldError as exc:
        print("invalid world %s: %s" % (source, exc), file=sys.stderr)
        return 1
    print("ok: " + describe(world))
    return 0


def run_server(args):
    # imported here so that check-world, env and ctl start fast
    from zoomsim.server import SimulatorServer  # pylint: disable=import-outside-toplevel

    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    source = args.world or env_world_default()
    try:
        world = load_world(source)
    except WorldError as exc:
        print("invalid world %s: %s" % (source, exc), file=sys.stderr)
        return 2
    if args.latency_ms is not None:
        world.latency_ms = args.latency_ms
    if args.no_rate_limits:
        world.rate_limits_enabled = False
    if args.no_validation:
        world.behaviour.validate_requests = False
    try:
        server = SimulatorServer(world, args.host, args.port, verbose=args.verbose)
    except OSError as exc:
        print("cannot listen on %s:%s: %s" % (args.host, args.port, exc), file=sys.stderr)
        return 2
    if args.port_file:
        _write_atomically(args.port_file, "%d\n" % server.port)
    if not args.quiet:
        print("zoomsim %s listening on %s (world: %s)" % (__version__, server.url, source), flush=True)
    _stop_on_signals(server)
    server.serve_forever()
    return 0


def _write_atomically(path, text):
    """Readers polling for the file never see it half written."""
    temporary = "%s.%d.tmp" % (path, os.getpid())
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)


def _stop_on_signals(server):
    """SIGTERM/SIGINT: stop serving and return from serve_forever (shutdown() must run in another thread)."""
    def stop(_signum, _frame):
        threading.Thread(target=server.httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


if __name__ == "__main__":
    sys.exit(main())
