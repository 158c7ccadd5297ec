# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmarks of zoom_user_sync and the phone_user role against the Zoom simulator (a harness, not a test).

For each N it starts the simulator in this process with a generated world (Business+ rate limits,
``--latency-ms`` per request, default 100), runs real ``ansible-playbook`` runs and prints a table:
API calls by Zoom rate-limit bucket, HTTP 429s, wall time, the module's own time, and the ratio to the
floor (bench/README.md defines the floor).

Scenarios: ``first`` (first provisioning with phone), ``noop`` (rerun of the same list), ``drift``
(5 % of a converged account changed), ``role`` (the same work as ``first`` through the phone_user role),
``loop`` (the same work as a loop of zoom_user and zoom_phone_user), ``uri`` (the same work as a
hand-written ansible.builtin.uri loop), ``chaos``
(first provisioning under fault injection: 429 bursts, 5xx, dropped connections, lost answers and a
token revoked mid-run; up to two runs).

    .venv/bin/python bench/run.py                          # everything (the N=1000 loops take an hour)
    .venv/bin/python bench/run.py --sizes 100 --scenarios first,noop,drift,loop,uri
    .venv/bin/python bench/run.py --sizes 100,1000 --scenarios first,role
    .venv/bin/python bench/run.py --sizes 10000 --scenarios first,noop --json out.json
"""

from __future__ import absolute_import, division, print_function

import argparse
import datetime
import gc
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import worldgen  # noqa: E402  pylint: disable=wrong-import-position

SCENARIOS = ('first', 'noop', 'drift', 'role', 'loop', 'uri', 'chaos')
# Zoom's documented Business+ limits per second (docs/ZOOM-API-FACTS.md §6.1)
LIMITS = {'standard/Light': 80.0, 'standard/Medium': 60.0, 'phone/Light': 40.0, 'phone/Medium': 20.0}
BUCKETS = ('standard/Light', 'standard/Medium', 'phone/Light', 'phone/Medium')
CHAOS_FAULTS = {
    'seed': 7,
    'probability': {'http_429': 0.03, 'http_500': 0.01, 'http_503': 0.01, 'drop': 0.01, 'lost_response': 0.01},
    'script': [
        {'match': {'method': 'POST', 'path': '/v2/users'}, 'after': 40, 'times': 1, 'fault': 'revoke_tokens'},
        {'match': {'method': 'POST', 'path': '/v2/users'}, 'after': 60, 'times': 25, 'fault': 'http_429'},
    ],
}


# ---------------------------------------------------------------------------
# Floor model (bench/README.md, "The floor")
# ---------------------------------------------------------------------------

def _pages(count, size):
    return max(1, int(math.ceil(count / float(size))))


def floor_model(pre, work, latency_ms):
    """Minimum calls and time of a plan-then-apply run under Zoom's documented Business+ limits.

    ``pre``: the account before the run - ``active``, ``inactive``, ``pending`` user counts, ``phone_by_site``
    (list of phone user counts per site) and ``unassigned`` numbers. ``work``: ``create`` (new users, all
    with phone), ``rename`` (profile PATCHes), ``switch_plan`` and ``extension`` (per-user phone writes),
    ``new_numbers`` (bool: a number is assigned, so the numbers must be read).
    Returns a dict with ``calls`` per bucket, ``total``, ``read_s``, ``write_s`` and ``time_s``.
    """
    rtt = latency_ms / 1000.0
    reads = dict((b, 0) for b in BUCKETS)
    creates = work.get('create', 0)
    reads['standard/Medium'] += _pages(pre['active'], 300) + _pages(pre['inactive'], 300) + _pages(pre['pending'], 300)
    if creates:
        reads['standard/Medium'] += 1  # managed domains: predicts pending users of ssoCreate
    sites = pre['phone_by_site']
    unsplit = _pages(sum(sites), 100)
    split = sum(_pages(count, 100) for count in sites)
    chain_phone = min(unsplit, 1 + max(_pages(count, 100) for count in sites))
    reads['phone/Medium'] += 1 + (split if chain_phone < unsplit else unsplit)  # sites + phone users
    chain_numbers = 0
    if creates or work.get('switch_plan'):
        reads['phone/Medium'] += 1  # calling plans with seats
    if work.get('new_numbers'):
        chain_numbers = _pages(pre['unassigned'], 100)
        reads['phone/Medium'] += chain_numbers
    chain_users = _pages(pre['active'], 300)
    read_chain = 1 + max(chain_phone, chain_numbers, chain_users)  # 1: the token
    read_rate = max(reads[b] / LIMITS[b] for b in BUCKETS)
    read_s = max(read_rate, read_chain * rtt)

    writes = dict((b, 0) for b in BUCKETS)
    writes['standard/Light'] += creates + work.get('rename', 0)
    writes['phone/Medium'] += int(math.ceil(creates / 10.0))  # POST /phone/users/batch, 10 users a call
    writes['phone/Light'] += work.get('switch_plan', 0) + work.get('extension', 0)
    depth = 0
    if creates:
        writes['standard/Medium'] += 1  # the pending list read after creating (statuses of the new users)
        depth = 3  # create -> batch add -> pending list
    elif any(writes.values()):
        depth = 1
    write_rate = max(writes[b] / LIMITS[b] for b in BUCKETS)
    write_s = max(write_rate, depth * rtt)
    calls = dict((b, reads[b] + writes[b]) for b in BUCKETS)
    return {'calls': calls, 'total': sum(calls.values()) + 1, 'read_s': round(read_s, 3), 'write_s': round(write_s, 3),
            'time_s': round(read_s + write_s, 3)}


def pre_state(world_dict):
    """Counts of a generated world for ``floor_model``."""
    users = world_dict['users']
    sites = [s['name'] for s in world_dict['phone']['sites']]
    by_site = dict((name, 0) for name in sites)
    for user in users:
        if 'phone' in user:
            by_site[user['phone']['site']] += 1
    assigned = sum(len(u['phone'].get('numbers') or []) for u in users if 'phone' in u)
    return {'active': sum(1 for u in users if u.get('status', 'active') == 'active'),
            'inactive': sum(1 for u in users if u.get('status') == 'inactive'),
            'pending': sum(1 for u in users if u.get('status') == 'pending'),
            'phone_by_site': [by_site[name] for name in sites],
            'unassigned': len(world_dict['phone']['numbers']) - assigned}


# ---------------------------------------------------------------------------
# Running playbooks against the simulator
# ---------------------------------------------------------------------------

class Bench:
    def __init__(self, args):
        self.args = args
        self.tmp = tempfile.mkdtemp(prefix='zoomops-bench-')
        coll = os.path.join(self.tmp, 'collections', 'ansible_collections', 'zoomops')
        os.makedirs(coll)
        os.symlink(ROOT, os.path.join(coll, 'provisioning'))
        self.collections = os.path.join(self.tmp, 'collections')
        self.bin = os.path.dirname(sys.executable)
        self.results = []

    def close(self):
        if not self.args.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def env(self, sim):
        env = dict(os.environ)
        env.update(sim.env())
        env.update({
            'ANSIBLE_COLLECTIONS_PATH': self.collections,
            'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
            'ANSIBLE_LOCALHOST_WARNING': 'false',
            'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
            'ANSIBLE_DEPRECATION_WARNINGS': 'false',
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_FORKS': '1',
            'ANSIBLE_PIPELINING': '1',  # what a tuned controller uses; saves a file transfer per module run
            'PATH': self.bin + os.pathsep + env.get('PATH', ''),
        })
        return env

    def playbook(self, sim, name, variables, label):
        """Run bench/playbooks/NAME with VARIABLES; return (wall seconds, returncode, summary or None).

        For sync.yml the users go to a file (users_file) like a GitOps repository holds them; the loops get
        them as a variable (what a loop needs).
        """
        vars_file = os.path.join(self.tmp, '%s.vars.json' % label)
        summary_file = os.path.join(self.tmp, '%s.summary.json' % label)
        variables = dict(variables, summary_file=summary_file)
        if name == 'sync.yml':
            users_file = os.path.join(self.tmp, '%s.users.json' % label)
            with open(users_file, 'w') as handle:
                json.dump(variables.pop('users'), handle)
            variables['users_file'] = users_file
        with open(vars_file, 'w') as handle:
            json.dump(variables, handle)
        log_file = os.path.join(self.tmp, '%s.log' % label)
        # the simulator lives in this process: keep its big world out of the garbage collector's scans
        gc.collect()
        gc.freeze()
        cmd = [os.path.join(self.bin, 'ansible-playbook'), '-i', 'localhost,', os.path.join(HERE, 'playbooks', name),
               '-e', '@' + vars_file]
        started = time.monotonic()
        with open(log_file, 'w') as log:
            try:
                proc = subprocess.run(cmd, env=self.env(sim), stdout=log, stderr=subprocess.STDOUT, timeout=self.args.timeout,
                                      check=False)
                code = proc.returncode
            except subprocess.TimeoutExpired:
                code = 'timeout'
        wall = time.monotonic() - started
        summary = None
        if os.path.exists(summary_file):
            with open(summary_file) as handle:
                summary = json.load(handle)
        return wall, code, summary, log_file

    # -- observing
    @staticmethod
    def calls(sim, since):
        entries = sim.log(since=since)
        by_bucket = dict((b, 0) for b in BUCKETS)
        other = 0
        throttled = 0
        writes = 0
        faults = 0
        for entry in entries:
            key = '%s/%s' % (entry['family'], entry['label'])
            if key in by_bucket:
                by_bucket[key] += 1
            elif entry['family'] != 'oauth':
                other += 1
            if entry['status'] == 429:
                throttled += 1
            if entry['write'] and entry['family'] != 'oauth':
                writes += 1
            if entry.get('fault'):
                faults += 1
        return {'by_bucket': by_bucket, 'other': other, 'total': len(entries), 'throttled_429': throttled,
                'writes': writes, 'faults': faults}

    @staticmethod
    def check_world(sim, desired, baseline):
        """Compare the simulator's state with the desired users; return (mismatches, duplicates, missing baseline)."""
        world = sim.world
        with world.lock:
            by_email = {}
            duplicates = 0
            for user in world.users.values():
                key = user.email.casefold()
                if key in by_email:
                    duplicates += 1
                by_email[key] = user
            sites = dict((s.id, s.name) for s in world.sites.values())
            plan_names = dict((p.type, p.name) for p in world.calling_plans.values())
            numbers = {}
            for num in world.numbers.values():
                if num.assignee_id:
                    numbers.setdefault(num.assignee_id, []).append(num.number)
            mismatches = []
            for entry in desired:
                user = by_email.get(entry['email'].casefold())
                if user is None or user.status != 'active':
                    mismatches.append('%s: %s' % (entry['email'], 'missing' if user is None else user.status))
                    continue
                if user.first_name != entry['first_name'] or user.last_name != entry['last_name']:
                    mismatches.append('%s: names' % entry['email'])
                    continue
                phone = world.phone_users.get(user.id)
                want = entry['phone']
                if phone is None:
                    mismatches.append('%s: no phone user' % entry['email'])
                    continue
                if str(phone.extension_number) != str(want['extension_number']) or sites.get(phone.site_id) != want['site'] \
                        or [plan_names.get(t) for t in phone.calling_plans] != want['calling_plans'] \
                        or sorted(numbers.get(user.id, [])) != sorted(want['phone_numbers']):
                    mismatches.append('%s: phone setup' % entry['email'])
            missing = [email for email in baseline if email.casefold() not in by_email
                       or by_email[email.casefold()].status != 'active']
        return mismatches, duplicates, missing

    # -- one scenario
    def record(self, scenario, n, sim, since, wall, code, summary, floor, desired, baseline, extra=None):
        calls = self.calls(sim, since)
        mismatches, duplicates, missing = self.check_world(sim, desired, baseline)
        stats = (summary or {}).get('stats') or {}
        totals = (summary or {}).get('totals') or {}
        row = {
            'scenario': scenario, 'n': n, 'wall_s': round(wall, 2), 'module_s': stats.get('elapsed'),
            'returncode': code, 'calls': calls, 'floor': floor,
            'wall_over_floor': round(wall / floor['time_s'], 2) if floor and floor['time_s'] else None,
            'module_over_floor': round(stats['elapsed'] / floor['time_s'], 2) if floor and stats.get('elapsed') else None,
            'totals': totals, 'failed_users': totals.get('failures', len(mismatches) if summary is None else 0),
            'not_converged': len(mismatches), 'not_converged_sample': mismatches[:5], 'duplicates': duplicates,
            'baseline_touched': missing,
        }
        if extra:
            row.update(extra)
        self.results.append(row)
        print(format_row(row), flush=True)
        return row

    def simulator(self, world_dict):
        from zoomsim.testing import running_simulator  # pylint: disable=import-outside-toplevel
        from zoomsim.world import load_world  # pylint: disable=import-outside-toplevel

        world = load_world(world_dict)
        return running_simulator(world)

    def run_size(self, n):
        args = self.args
        wanted = set(args.scenarios)
        desired = worldgen.desired_users(n)
        baseline = ['owner@example.com', 'admin1@example.com', 'admin2@example.com', 'breakglass@example.com']
        common = {'concurrency': args.concurrency}
        if 'first' in wanted:
            world = worldgen.make_world(n, converged=False, latency_ms=args.latency_ms, validate_requests=args.validate_requests)
            pre = pre_state(world)
            first_floor = floor_model(pre, {'create': n, 'new_numbers': True}, args.latency_ms)
            with self.simulator(world) as sim:
                seq = sim.mark()
                wall, code, summary, _log = self.playbook(sim, 'sync.yml', dict(common, users=desired), 'first-%d' % n)
                self.record('first', n, sim, seq, wall, code, summary, first_floor, desired, baseline)
                if 'noop' in wanted:
                    self.noop(sim, n, desired, baseline, common, 'noop')
        elif 'noop' in wanted:
            # without `first`: the rerun of a converged account generated directly (same state, no provisioning first)
            world = worldgen.make_world(n, converged=True, latency_ms=args.latency_ms, validate_requests=args.validate_requests)
            with self.simulator(world) as sim:
                self.noop(sim, n, desired, baseline, common, 'noop')
        if 'drift' in wanted:
            world = worldgen.make_world(n, converged=True, latency_ms=args.latency_ms, validate_requests=args.validate_requests)
            drifted, kinds = worldgen.drifted_users(n, args.drift_percent)
            floor = floor_model(pre_state(world), {'create': kinds['new'], 'rename': kinds['rename'],
                                                   'switch_plan': kinds['switch_plan'], 'extension': kinds['extension'],
                                                   'new_numbers': kinds['new'] > 0}, args.latency_ms)
            with self.simulator(world) as sim:
                seq = sim.mark()
                wall, code, summary, _log = self.playbook(sim, 'sync.yml', dict(common, users=drifted), 'drift-%d' % n)
                self.record('drift', n, sim, seq, wall, code, summary, floor, drifted, baseline, extra={'drift': kinds})
        if 'chaos' in wanted and n in args.chaos_sizes:
            self.chaos(n, desired, baseline, common)
        for scenario, book, sizes, variables in (('role', 'role.yml', args.role_sizes, dict(common, users=desired)),
                                                 ('loop', 'loop.yml', args.loop_sizes, {'users': desired}),
                                                 ('uri', 'uri_loop.yml', args.loop_sizes, {'users': desired})):
            if scenario not in wanted or n not in sizes:
                continue
            world = worldgen.make_world(n, converged=False, latency_ms=args.latency_ms, validate_requests=args.validate_requests)
            floor = floor_model(pre_state(world), {'create': n, 'new_numbers': True}, args.latency_ms)
            with self.simulator(world) as sim:
                seq = sim.mark()
                wall, code, summary, _log = self.playbook(sim, book, variables, '%s-%d' % (scenario, n))
                self.record(scenario, n, sim, seq, wall, code, summary, floor, desired, baseline)

    def noop(self, sim, n, desired, baseline, common, label):
        args = self.args
        converged = worldgen.make_world(n, converged=True, latency_ms=args.latency_ms)
        noop_floor = floor_model(pre_state(converged), {}, args.latency_ms)
        seq = sim.mark()
        wall, code, summary, _log = self.playbook(sim, 'sync.yml', dict(common, users=desired), '%s-%d' % (label, n))
        self.record(label, n, sim, seq, wall, code, summary, noop_floor, desired, baseline)

    def chaos(self, n, desired, baseline, common):
        world = worldgen.make_world(n, converged=False, latency_ms=self.args.latency_ms, faults=CHAOS_FAULTS,
                                    validate_requests=self.args.validate_requests)
        with self.simulator(world) as sim:
            seq = sim.mark()
            runs = []
            wall_total = 0.0
            for attempt in (1, 2):
                wall, code, summary, _log = self.playbook(sim, 'sync.yml', dict(common, users=desired), 'chaos-%d-%d' % (n, attempt))
                wall_total += wall
                totals = (summary or {}).get('totals') or {}
                runs.append({'run': attempt, 'wall_s': round(wall, 2), 'returncode': code, 'totals': totals})
                if code == 0 and not totals.get('failures'):
                    break
            sim.set_faults({})
            self.record('chaos', n, sim, seq, wall_total, runs[-1]['returncode'], summary, None, desired, baseline,
                        extra={'runs': runs, 'faults': CHAOS_FAULTS})


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------

HEADER = ('| Scenario | N | Wall s | Module s | Floor s | Wall/floor | Module/floor | API calls std L/M, phone L/M '
          '| Floor calls | 429s | Failed | Not converged |')


def format_row(row):
    calls = row['calls']['by_bucket']
    floor = row.get('floor') or {}
    return '| %s | %d | %.1f | %s | %s | %s | %s | %d/%d, %d/%d (%d) | %s | %d | %s | %d |' % (
        row['scenario'], row['n'], row['wall_s'], '%.1f' % row['module_s'] if row.get('module_s') else '-',
        '%.1f' % floor['time_s'] if floor else '-', row['wall_over_floor'] or '-', row['module_over_floor'] or '-',
        calls['standard/Light'], calls['standard/Medium'], calls['phone/Light'], calls['phone/Medium'],
        sum(calls.values()) + row['calls']['other'], floor.get('total', '-') if floor else '-',
        row['calls']['throttled_429'], row.get('failed_users', '-'), row['not_converged'])


def _unfinished(row):
    """What a loop row left undone (a loop that stops early is not a faster loop)."""
    if not row['not_converged'] and not row['returncode']:
        return ''
    return ' and still unfinished (playbook exit %s, %d of %d users not converged)' % (row['returncode'], row['not_converged'], row['n'])


def targets(results):
    """The README's targets, checked on this run's rows."""
    found = dict(((r['scenario'], r['n']), r) for r in results)
    lines = []
    noop = found.get(('noop', 10000))
    if noop:
        ok = noop['module_over_floor'] is not None and noop['module_over_floor'] <= 1.5 and noop['wall_s'] < 30
        lines.append('no-op rerun, 10,000 users: module %.2fx the floor, wall %.1f s (target: <= 1.5x, < 30 s): %s'
                     % (noop['module_over_floor'] or 0, noop['wall_s'], 'MET' if ok else 'NOT MET'))
    first = found.get(('first', 1000))
    if first:
        ok = first['module_over_floor'] is not None and first['module_over_floor'] <= 1.3 and not first['failed_users'] \
            and not first['not_converged']
        lines.append('first provisioning, 1,000 phone users: module %.2fx the floor (wall %.2fx), %s failed users '
                     '(target: <= 1.3x, 0 failed): %s' % (first['module_over_floor'] or 0, first['wall_over_floor'] or 0,
                                                          first['failed_users'], 'MET' if ok else 'NOT MET'))
    for n in (100, 1000):
        role, sync = found.get(('role', n)), found.get(('first', n))
        if role and sync:
            ratio = role['wall_s'] / sync['wall_s']
            complete = not role['not_converged'] and not role['failed_users'] and not role['returncode']
            line = 'phone_user role vs sync, N=%d: wall %.1f s vs %.1f s = %.2fx%s' % (
                n, role['wall_s'], sync['wall_s'], ratio, _unfinished(role))
            if n == 1000:
                line += ' (target: <= 1.5x, every person converged): %s' % ('MET' if ratio <= 1.5 and complete else 'NOT MET')
            lines.append(line)
        loop = found.get(('loop', n))
        if loop and sync:
            ratio = loop['wall_s'] / sync['wall_s']
            lines.append('loop of per-user modules vs sync, N=%d: %.1fx slower%s (target: >= 20x): %s'
                         % (n, ratio, _unfinished(loop), 'MET' if ratio >= 20 else 'NOT MET'))
        uri = found.get(('uri', n))
        if uri and sync:
            lines.append('hand-written uri loop vs sync, N=%d: %.1fx slower%s' % (n, uri['wall_s'] / sync['wall_s'], _unfinished(uri)))
    chaos = [r for r in results if r['scenario'] == 'chaos']
    for row in chaos:
        ok = not row['not_converged'] and not row['duplicates'] and not row['baseline_touched'] and len(row['runs']) <= 2
        lines.append('chaos, N=%d: converged after %d run(s), %d not converged, %d duplicates, %d baseline users touched: %s'
                     % (row['n'], len(row['runs']), row['not_converged'], row['duplicates'], len(row['baseline_touched']),
                        'MET' if ok else 'NOT MET'))
    return lines


def machine():
    return {'date': datetime.date.today().isoformat(), 'nproc': os.cpu_count(), 'python': platform.python_version(),
            'platform': platform.platform()}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0], epilog='Floor model and targets: bench/README.md.')
    parser.add_argument('--sizes', default='100,1000,10000', help='user counts N (default: 100,1000,10000)')
    parser.add_argument('--scenarios', default=','.join(SCENARIOS),
                        help='comma-separated subset of %s (default: all)' % ', '.join(SCENARIOS))
    parser.add_argument('--loop-sizes', default='100,1000', help='N for the loop and uri scenarios (default: 100,1000)')
    parser.add_argument('--role-sizes', default='100,1000', help='N for the role scenario (default: 100,1000)')
    parser.add_argument('--chaos-sizes', default='1000', help='N for the chaos scenario (default: 1000)')
    parser.add_argument('--latency-ms', type=float, default=100.0, help='simulated latency per request (default: 100)')
    parser.add_argument('--concurrency', type=int, default=16, help='zoom_user_sync concurrency (default: 16)')
    parser.add_argument('--drift-percent', type=float, default=5.0, help='share of users changed in drift (default: 5)')
    parser.add_argument('--timeout', type=float, default=7200, help='seconds per playbook run (default: 7200)')
    parser.add_argument('--json', help='write the results (and the machine) to this JSON file')
    parser.add_argument('--report', nargs='+', metavar='JSON',
                        help='run nothing: print the table and the targets of earlier --json files (RESULTS.md)')
    parser.add_argument('--keep', action='store_true', help='keep the temporary directory (playbook logs)')
    parser.add_argument('--validate-requests', action='store_true',
                        help="let the simulator check every request against Zoom's OpenAPI specs (correctness is the tests' job; "
                             "it costs simulator CPU, so it is off by default here)")
    args = parser.parse_args(argv)
    args.sizes = [int(x) for x in args.sizes.split(',') if x.strip()]
    args.loop_sizes = [int(x) for x in args.loop_sizes.split(',') if x.strip()]
    args.role_sizes = [int(x) for x in args.role_sizes.split(',') if x.strip()]
    args.chaos_sizes = [int(x) for x in args.chaos_sizes.split(',') if x.strip()]
    args.scenarios = [x.strip() for x in args.scenarios.split(',') if x.strip()]
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error('unknown scenario(s): %s' % ', '.join(sorted(unknown)))
    return args


def report(paths):
    """Print the rows of earlier --json files, then the targets of each file (ratios never pair rows of two runs)."""
    runs = []
    for path in paths:
        with open(path) as handle:
            data = json.load(handle)
        info = data.get('machine') or {}
        print('%s: %s, %s CPUs, Python %s, %s' % (
            path, info.get('date'), info.get('nproc'), info.get('python'), info.get('platform')))
        runs.append((path, data.get('results') or []))
    print()
    print(HEADER)
    print('|' + '---|' * 12)
    for _path, results in runs:
        for row in results:
            print(format_row(row))
    for path, results in runs:
        print()
        print('%s:' % path)
        for line in targets(results):
            print('- ' + line)
    return 0


def main(argv=None):
    args = parse_args(argv)
    if args.report:
        return report(args.report)
    try:
        import zoomsim  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import
    except ImportError:
        sys.exit('bench: the simulator is not installed in this Python (pip install -e tests/simulator, or run with .venv/bin/python)')
    bench = Bench(args)
    info = machine()
    print('machine: %(date)s, %(nproc)s CPUs, Python %(python)s, %(platform)s' % info)
    print('latency %.0f ms per request, Business+ limits, concurrency %d%s' % (
        args.latency_ms, args.concurrency, ', request validation on' if args.validate_requests else ''))
    print(HEADER)
    print('|' + '---|' * 12)
    try:
        for n in args.sizes:
            bench.run_size(n)
    finally:
        bench.close()
    print()
    for line in targets(bench.results):
        print('- ' + line)
    if args.json:
        with open(args.json, 'w') as handle:
            json.dump({'machine': info, 'args': vars(args), 'results': bench.results}, handle, indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(main())
