# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Chaos run of zoom_user_sync (small N): the simulator injects 429 bursts, 5xx answers, dropped connections,
lost answers and revokes every token mid-run. The module (its real main(), in this process) must converge every
user in at most two runs, create no duplicate user and remove nobody. bench/run.py runs the same at N=1000.
"""

import copy
import json
import os
import shutil
import sys
import tempfile

import pytest

from zoomsim.testing import running_simulator


def _import_collection():
    """Make ``ansible_collections.zoomops.provisioning`` importable from this repository (like tests/unit/conftest.py)."""
    try:
        import ansible_collections.zoomops.provisioning.plugins.modules.zoom_user_sync  # noqa: F401  pylint: disable=unused-import
        return None
    except ImportError:
        pass
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, os.pardir))
    tmp = tempfile.mkdtemp(prefix='zoomops-chaos-')
    os.makedirs(os.path.join(tmp, 'ansible_collections', 'zoomops'))
    os.symlink(root, os.path.join(tmp, 'ansible_collections', 'zoomops', 'provisioning'))
    sys.path.insert(0, tmp)
    for name in list(sys.modules):
        if name == 'ansible_collections' or name.startswith('ansible_collections.'):
            del sys.modules[name]
    return tmp


N = 50
SITES = ('HQ', 'Remote')
FAULTS = {
    'seed': 11,
    'probability': {'http_429': 0.06, 'http_500': 0.02, 'http_503': 0.02, 'drop': 0.02, 'lost_response': 0.03},
    'script': [{'match': {'method': 'POST', 'path': '/v2/users'}, 'after': 15, 'times': 1, 'fault': 'revoke_tokens'}],
}


def desired_users():
    return [{'email': 'chaos%03d@example.com' % i, 'first_name': 'Chaos%d' % i, 'last_name': 'Monkey',
             'phone': {'site': SITES[i % 2], 'extension_number': 2000 + i, 'calling_plans': ['US/CA Unlimited Calling Plan'],
                       'phone_numbers': ['+1415777%04d' % i]}}
            for i in range(1, N + 1)]


def world():
    return {
        'seed': 'chaos-sync',
        'account': {'id': 'chaos-account', 'owner_email': 'owner@example.com', 'associated_domains': ['example.com'],
                    'managed_domains': ['example.com'], 'phone_licenses': N + 10},
        'credentials': [{'client_id': 'chaos-id', 'client_secret': 'chaos-secret'}],
        'rate_limits': {'enabled': True, 'tier': 'business'},
        'phone': {'provisioning_delay': 0,
                  'sites': [{'name': name, 'main': index == 0} for index, name in enumerate(SITES)],
                  'calling_plans': [{'type': 200, 'name': 'US/CA Unlimited Calling Plan', 'subscribed': N + 10}],
                  'numbers': ['+1415777%04d' % i for i in range(1, N + 6)]},
        'users': [
            {'email': 'owner@example.com', 'role': 'owner', 'first_name': 'Olive'},
            {'email': 'admin@example.com', 'role': 'admin', 'first_name': 'Adam'},
            {'email': 'breakglass@example.com', 'first_name': 'Break'},
            {'email': 'keeper@example.com', 'first_name': 'Not', 'last_name': 'Listed'},
        ],
        'faults': FAULTS,
    }


@pytest.fixture(name='sync_main')
def sync_main_fixture():
    tmp = _import_collection()
    from ansible_collections.zoomops.provisioning.plugins.modules import zoom_user_sync  # pylint: disable=import-outside-toplevel
    yield zoom_user_sync.main
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)


def run_module(main, args, env, monkeypatch, capsys):
    from ansible.module_utils.testing import patch_module_args  # pylint: disable=import-outside-toplevel
    from ansible.module_utils.common import warnings as ansible_warnings  # pylint: disable=import-outside-toplevel

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for name in ('_global_warnings', '_global_deprecations'):
        store = getattr(ansible_warnings, name, None)
        if store is not None:
            store.clear()
    capsys.readouterr()
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            main()
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.strip().startswith('{')]
    return json.loads(lines[-1])


def test_chaos_converges_in_two_runs(sync_main, monkeypatch, capsys, tmp_path):
    users = desired_users()
    path = tmp_path / 'users.json'
    path.write_text(json.dumps(users))
    args = {'users_file': str(path), 'scope': {'domains': ['example.com']}, 'protected': ['breakglass@example.com'],
            'phone_wait_timeout': 20}
    with running_simulator(copy.deepcopy(world())) as sim:
        before = dict((u.email, u.id) for u in sim.world.users.values())
        runs = []
        for _attempt in range(2):
            result = run_module(sync_main, args, sim.env(), monkeypatch, capsys)
            runs.append(result)
            if not result.get('failed'):
                break
        injected = sim.counters().get('faults') or {}
        sim.set_faults({})
        final = run_module(sync_main, args, sim.env(), monkeypatch, capsys)
        state = sim.world
        emails = [u.email.casefold() for u in state.users.values()]
        by_email = dict((u.email, u) for u in state.users.values())
        plans = dict((p.type, p.name) for p in state.calling_plans.values())
        sites = dict((s.id, s.name) for s in state.sites.values())

    assert sum(injected.values()) > 10, 'the fault plan injected too little: %s' % injected
    assert 'revoke_tokens' in injected
    assert not runs[-1].get('failed'), 'not converged after two runs: %s' % runs[-1].get('msg')
    assert final['changed'] is False and len(final['unchanged']) == N, final.get('msg')
    assert len(emails) == len(set(emails)), 'duplicate users'
    for email, user_id in before.items():
        assert email in by_email and by_email[email].id == user_id and by_email[email].status == 'active', email
    for entry in users:
        user = by_email[entry['email']]
        phone = state.phone_users[user.id]
        assert user.status == 'active'
        assert phone.extension_number == entry['phone']['extension_number']
        assert sites[phone.site_id] == entry['phone']['site']
        assert [plans[t] for t in phone.calling_plans] == entry['phone']['calling_plans']
        assert [n.number for n in state.numbers_of(user.id)] == entry['phone']['phone_numbers']
