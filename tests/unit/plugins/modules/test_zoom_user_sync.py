# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""zoom_user_sync and zoom_user_info run in-process against the in-process Zoom simulator.

Check mode -> apply equals the plan -> rerun with reads only; the digest guard; thresholds and input problems
refused before any write; users_file; partial failure and a converging rerun; pending users; protected users;
the export round trip (zoom_user_info output fed back to zoom_user_sync is a no-op).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import copy
import json

import pytest

zoomsim_testing = pytest.importorskip('zoomsim.testing')

from ansible_collections.zoomops.provisioning.plugins.modules import zoom_user_info  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.zoomops.provisioning.plugins.modules import zoom_user_sync  # noqa: E402  pylint: disable=wrong-import-position

WORLD = {
    'account': {'id': 'acct-sync', 'owner_email': 'owner@example.com', 'associated_domains': ['example.com'],
                'managed_domains': ['example.com']},
    'credentials': [{'client_id': 'cid-sync', 'client_secret': 'secret-sync-5e1'}],
    'rate_limits': {'enabled': False},
    'phone': {
        'provisioning_delay': 0,
        'sites': [{'name': 'HQ', 'main': True}, {'name': 'Paris', 'site_code': 33}],
        'calling_plans': [{'type': 200, 'name': 'US/CA Unlimited Calling Plan', 'subscribed': 20},
                          {'type': 100, 'name': 'US/CA Metered Calling Plan', 'subscribed': 20}],
        'numbers': ['+14155550101', '+14155550102', '+14155550103', '+14155550104', '+14155550105'],
    },
    'users': [
        {'email': 'owner@example.com', 'role': 'owner', 'first_name': 'Olive', 'last_name': 'Owner'},
        {'email': 'admin@example.com', 'role': 'admin', 'first_name': 'Adam', 'last_name': 'Admin'},
        {'email': 'breakglass@example.com', 'first_name': 'Break', 'last_name': 'Glass'},
        {'email': 'bob@example.com', 'first_name': 'Bob', 'last_name': 'Builder',
         'phone': {'extension': 1002, 'calling_plans': [100], 'numbers': ['+14155550102']}},
        {'email': 'leaver@example.com', 'first_name': 'Lee', 'last_name': 'Ver'},
        {'email': 'invited@example.com', 'status': 'pending', 'pending_reason': 'existing_zoom_account'},
    ],
}

USERS = [
    {'email': 'ann@example.com', 'first_name': 'Ann', 'last_name': 'Lee', 'type': 'licensed',
     'phone': {'site': 'HQ', 'extension_number': 1001, 'calling_plans': ['US/CA Unlimited Calling Plan'],
               'phone_numbers': ['+14155550101']}},
    {'email': 'bob@example.com', 'first_name': 'Robert', 'last_name': 'Builder',
     'phone': {'extension_number': '1002', 'calling_plans': ['US/CA Unlimited Calling Plan'], 'phone_numbers': ['+14155550102']}},
    {'email': 'cid@example.com', 'first_name': 'Cid', 'last_name': 'Paris',
     'phone': {'site': 'Paris', 'extension_number': 33003, 'calling_plans': [100]}},
    {'email': 'invited@example.com', 'first_name': 'In', 'last_name': 'Vited'},
]

SCOPE = {'domains': ['example.com']}


@pytest.fixture
def sim():
    with zoomsim_testing.running_simulator(copy.deepcopy(WORLD)) as handle:
        yield handle


def args(**extra):
    base = {'users': copy.deepcopy(USERS), 'scope': SCOPE, 'protected': ['breakglass@example.com']}
    base.update(extra)
    return base


def writes(sim, since):
    return [(e['method'], e['path']) for e in sim.log(since=since, writes_only=True)]


def test_check_mode_plans_without_writing(sim, run_module, tmp_path):
    seq = sim.mark()
    plan_file = str(tmp_path / 'plan.json')
    options = args(plan_file=plan_file, unlisted='deactivate', max_removal_percent=50, _ansible_check_mode=True)
    result = run_module(zoom_user_sync.main, options, env=sim.env())
    assert writes(sim, seq) == []
    assert result['changed'] is True, result.get('msg')
    assert result['created'] == ['ann@example.com', 'cid@example.com']
    assert result['updated'] == [{'email': 'bob@example.com',
                                  'fields': ['first_name', 'phone.calling_plans']}]
    assert result['deactivated'] == ['leaver@example.com']
    assert [p['email'] for p in result['pending']] == ['invited@example.com']
    assert result['digest'].startswith('sha256:')
    doc = json.loads(open(plan_file).read())
    assert doc['digest'] == result['digest']
    assert doc['removals'] == ['leaver@example.com']
    markdown = open(str(tmp_path / 'plan.md')).read()
    assert markdown.index('Deactivations') < markdown.index('Creates')
    assert '| `bob@example.com` | first_name | Bob | Robert |' in markdown
    assert 'secret-sync-5e1' not in result['_stdout']


def test_apply_does_the_plan_then_rerun_only_reads(sim, run_module, tmp_path):
    plan_file = str(tmp_path / 'plan.json')
    planned = run_module(zoom_user_sync.main, args(plan_file=plan_file, _ansible_check_mode=True), env=sim.env())
    seq = sim.mark()
    applied = run_module(zoom_user_sync.main, args(approved_plan=plan_file), env=sim.env())
    assert applied.get('failed') is not True, applied.get('msg')
    assert applied['digest'] == planned['digest']
    for bucket in ('created', 'updated', 'unchanged', 'removed', 'deactivated'):
        assert applied[bucket] == planned[bucket], bucket
    assert applied['pending'][0]['email'] == 'invited@example.com'
    assert ('POST', '/v2/phone/users/batch') in writes(sim, seq)
    seq = sim.mark()
    rerun = run_module(zoom_user_sync.main, args(), env=sim.env())
    assert rerun['changed'] is False
    assert writes(sim, seq) == []
    assert sorted(rerun['unchanged']) == ['ann@example.com', 'bob@example.com', 'cid@example.com']
    world = sim.world
    ann = world.user_by_email('ann@example.com')
    assert world.phone_users[ann.id].extension_number == 1001
    assert world.phone_users[world.user_by_email('cid@example.com').id].extension_number == 33003


def test_drift_is_refused_by_the_digest_guard(sim, run_module, tmp_path):
    plan_file = str(tmp_path / 'plan.json')
    planned = run_module(zoom_user_sync.main, args(plan_file=plan_file, _ansible_check_mode=True), env=sim.env())
    sim.call('PATCH', '/v2/users/bob@example.com', json={'first_name': 'Bobby'})
    seq = sim.mark()
    refused = run_module(zoom_user_sync.main, args(approved_plan=plan_file), env=sim.env())
    assert refused['failed'] is True
    assert writes(sim, seq) == []
    assert refused['approved_digest'] == planned['digest']
    assert any('bob@example.com: approved update (first_name Bob -> Robert' in d for d in refused['differences'])
    refused = run_module(zoom_user_sync.main, args(approved_digest=planned['digest']), env=sim.env())
    assert refused['failed'] is True and 'changed since the plan was approved' in refused['msg']


def test_removal_threshold_refuses_before_any_write(sim, run_module):
    seq = sim.mark()
    result = run_module(zoom_user_sync.main, args(users=[USERS[0]], unlisted='remove', max_removals=1), env=sim.env())
    assert result['failed'] is True
    assert writes(sim, seq) == []
    assert sorted(result['would_remove']) == ['bob@example.com', 'invited@example.com', 'leaver@example.com']
    assert 'max_removals=1' in result['msg']


def test_bad_input_is_refused_with_every_problem(sim, run_module):
    users = copy.deepcopy(USERS) + [
        {'email': 'ANN@example.com'},
        {'email': 'dup@example.com', 'phone': {'extension_number': 1001, 'phone_numbers': ['+14155550101']}},
        {'email': 'plan@example.com', 'phone': {'calling_plans': ['Gold'], 'site': 'Mars'}},
    ]
    seq = sim.mark()
    result = run_module(zoom_user_sync.main, args(users=users), env=sim.env())
    assert result['failed'] is True
    assert writes(sim, seq) == []
    text = ' | '.join(result['problems'])
    for part in ('duplicate email', 'is also the extension of ann@example.com', '+14155550101 is also listed for',
                 "unknown calling plan 'Gold'", "unknown site 'Mars'"):
        assert part in text


def test_users_file_yaml_and_its_checks(sim, run_module, tmp_path):
    path = tmp_path / 'users.yml'
    path.write_text('users:\n  - email: ann@example.com\n    first_name: Ann\n  - email: zed@example.com\n    active: "no"\n')
    result = run_module(zoom_user_sync.main, {'users_file': str(path), 'scope': SCOPE, '_ansible_check_mode': True},
                        env=sim.env())
    assert result['created'] == ['ann@example.com', 'zed@example.com']
    path.write_text('- email: ann@example.com\n  colour: red\n- first_name: X\n')
    result = run_module(zoom_user_sync.main, {'users_file': str(path), 'scope': SCOPE}, env=sim.env())
    assert result['failed'] is True
    assert 'unsupported option colour' in result['msg'] and 'users_file[1].email: missing required option' in result['msg']


def test_partial_failure_then_clean_rerun(sim, run_module):
    users = copy.deepcopy(USERS) + [{'email': 'dan@example.com', 'first_name': 'Dan',
                                     'phone': {'extension_number': 'auto', 'calling_plans': [200]}}]
    sim.set_faults({'script': [{'match': {'method': 'POST', 'path': '/v2/phone/users/*/calling_plans'}, 'fault': 'http_500',
                                'times': 3}]})
    failed = run_module(zoom_user_sync.main, args(users=users), env=sim.env())
    assert failed['failed'] is True
    assert [f['email'] for f in failed['failures']] == ['dan@example.com']
    assert 'unknown' in failed['failures'][0]['message']
    assert failed['created'] == ['ann@example.com', 'cid@example.com']
    assert failed['updated'][0]['email'] == 'bob@example.com'
    sim.set_faults({})
    rerun = run_module(zoom_user_sync.main, args(users=users), env=sim.env())
    assert rerun.get('failed') is not True, rerun.get('msg')
    assert rerun['updated'] == [{'email': 'dan@example.com', 'fields': ['phone.calling_plans']}]
    final = run_module(zoom_user_sync.main, args(users=users), env=sim.env())
    assert final['changed'] is False


def test_protected_users_are_never_touched(sim, run_module):
    users = [{'email': 'admin@example.com', 'first_name': 'Changed'}, {'email': 'breakglass@example.com', 'first_name': 'X'}]
    seq = sim.mark()
    result = run_module(zoom_user_sync.main, args(users=users, unlisted='deactivate', max_removal_percent=100), env=sim.env())
    touched = writes(sim, seq)
    ids = dict((u.email, u.id) for u in sim.world.users.values())
    for email in ('owner@example.com', 'admin@example.com', 'breakglass@example.com'):
        assert not any(ids[email] in path or email in path for _m, path in touched), email
    assert sorted(p['email'] for p in result['protected']) == ['admin@example.com', 'breakglass@example.com']
    assert sorted(result['deactivated']) == ['bob@example.com', 'leaver@example.com']


def test_export_round_trip(sim, run_module, tmp_path):
    run_module(zoom_user_sync.main, args(), env=sim.env())
    exported = run_module(zoom_user_info.main, {'domains': ['example.com'], 'status': ['active', 'inactive']}, env=sim.env())
    by_email = dict((u['email'], u) for u in exported['users'])
    assert by_email['ann@example.com'] == {
        'email': 'ann@example.com', 'first_name': 'Ann', 'last_name': 'Lee', 'type': 'licensed',
        'phone': {'site': 'HQ', 'extension_number': '1001', 'calling_plans': ['US/CA Unlimited Calling Plan'],
                  'phone_numbers': ['+14155550101']}}
    path = tmp_path / 'export.json'
    path.write_text(json.dumps(exported['users']))
    seq = sim.mark()
    rerun = run_module(zoom_user_sync.main, {'users_file': str(path), 'scope': SCOPE, 'protected': ['breakglass@example.com']},
                       env=sim.env())
    assert rerun['changed'] is False, rerun
    assert writes(sim, seq) == []
    queried = run_module(zoom_user_info.main, {'query': "[?phone.site=='Paris'].email"}, env=sim.env())
    assert queried['query_result'] == ['cid@example.com']
    assert 'users' not in queried
