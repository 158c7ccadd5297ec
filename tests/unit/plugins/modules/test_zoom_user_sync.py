# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""zoom_user_sync and zoom_user_info run in-process against the in-process Zoom simulator.

Check mode -> apply equals the plan -> rerun with reads only; the digest guard (options included, edited plan files,
drift listing only what differs, an already-applied rerun); refusals as data (thresholds, input problems, managed
domains, transfer_to) before any write; users_file; the vocabulary and its deprecated names; progress_file and phase
timings; partial failure and a converging rerun; pending and protected users; the export round trip (zoom_user_info
output fed back to zoom_user_sync is a no-op without warnings).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import copy
import json
import os
import stat

import pytest

pytest.importorskip('zoomsim.testing')

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


pytestmark = pytest.mark.zoomsim_world(WORLD)  # the default world of this file's tests


def world_with(**changes):
    world = copy.deepcopy(WORLD)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(world.get(key), dict):
            world[key] = dict(world[key], **value)
        else:
            world[key] = value
    return world


@pytest.fixture
def sim(zoomsim):
    """The simulator (the ``zoomsim`` fixture, loaded with this file's WORLD unless a test picks another)."""
    return zoomsim


def args(**extra):
    base = {'users': copy.deepcopy(USERS), 'scope': SCOPE, 'protected': ['breakglass@example.com']}
    base.update(extra)
    return base


def messages(result, key):
    """The texts of the result's ``warnings`` or ``deprecations`` (ansible-core 2.19 wraps each in an event)."""
    return [item['event']['msg'] if 'event' in item else item['msg'] for item in result.get(key) or []]


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
    assert result['updated'] == [{'email': 'bob@example.com', 'fields': ['first_name', 'phone.calling_plans'],
                                  'actions': ['update:first_name', 'phone:calling_plans']}]
    assert result['deactivated'] == ['leaver@example.com']
    assert [p['email'] for p in result['pending']] == ['invited@example.com']
    assert result['digest'].startswith('sha256:')
    doc = json.loads(open(plan_file).read())
    assert doc['digest'] == result['digest']
    assert doc['removals'] == ['leaver@example.com']
    assert doc['refusal'] is None and doc['format'].endswith('/v2')
    assert stat.S_IMODE(os.stat(plan_file).st_mode) == 0o600
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
    # only what differs: bob's first name, not every user of the plan
    assert refused['differences'] == ['bob@example.com: approved update (first_name Bob -> Robert; phone.calling_plans '
                                      '[US/CA Metered Calling Plan] -> [US/CA Unlimited Calling Plan]), now update '
                                      '(first_name Bobby -> Robert; phone.calling_plans [US/CA Metered Calling Plan] -> '
                                      '[US/CA Unlimited Calling Plan])']
    assert refused['refusal']['rule'] == 'digest_drift' and refused['refusal']['numbers']['differences'] == 1
    refused = run_module(zoom_user_sync.main, args(approved_digest=planned['digest']), env=sim.env())
    assert refused['failed'] is True and 'changed since the plan was approved' in refused['msg']


def test_removal_threshold_refuses_before_any_write(sim, run_module, tmp_path):
    seq = sim.mark()
    plan_file = str(tmp_path / 'plan.json')
    result = run_module(zoom_user_sync.main, args(users=[USERS[0]], unlisted='remove', removal_action='delete',
                                                  transfer_to='admin@example.com', max_removals=1, plan_file=plan_file),
                        env=sim.env())
    assert result['failed'] is True
    assert writes(sim, seq) == []
    assert sorted(result['would_remove']) == ['bob@example.com', 'invited@example.com', 'leaver@example.com']
    assert result['msg'].startswith('3 users would be removed or deactivated, more than max_removals=1; nothing was changed. '
                                    'Check that the users list is complete')
    refusal = result['refusal']
    assert refusal['rule'] == 'max_removals'
    assert refusal['numbers'] == {'removals': 3, 'in_scope': 3, 'percent': 100.0, 'max_removals': 1,
                                  'max_removal_percent': 10.0}
    assert json.loads(open(plan_file).read())['refusal'] == refusal  # written before the module failed
    assert 'max_removals' in open(str(tmp_path / 'plan.md')).read()


def test_percent_threshold_refusal_in_check_mode(sim, run_module, tmp_path):
    plan_file = str(tmp_path / 'plan.json')
    result = run_module(zoom_user_sync.main, args(unlisted='deactivate', plan_file=plan_file, _ansible_check_mode=True),
                        env=sim.env())
    assert result['failed'] is True
    assert result['refusal']['rule'] == 'max_removal_percent'
    assert result['refusal']['users'] == ['leaver@example.com']
    assert json.loads(open(plan_file).read())['refusal']['rule'] == 'max_removal_percent'


def test_disassociating_managed_domain_users_is_refused_with_the_choice(sim, run_module, tmp_path):
    # Zoom answers 400 code 1107 for these (docs/ZOOM-API-FACTS.md §2.9): predicted from the account's domains
    plan_file = str(tmp_path / 'plan.json')
    seq = sim.mark()
    for check in (True, False):
        result = run_module(zoom_user_sync.main, args(unlisted='remove', max_removal_percent=100, plan_file=plan_file,
                                                      _ansible_check_mode=check), env=sim.env())
        assert result['failed'] is True
        assert result['refusal']['rule'] == 'managed_domain'
        assert result['refusal']['users'] == ['leaver@example.com']
        assert 'unlisted: deactivate' in result['msg'] and 'removal_action: delete with transfer_to' in result['msg']
        assert 'code 1107' in result['msg']
    assert writes(sim, seq) == []
    assert json.loads(open(plan_file).read())['refusal']['rule'] == 'managed_domain'
    applied = run_module(zoom_user_sync.main, args(unlisted='remove', removal_action='delete', transfer_to='bob@example.com',
                                                   max_removal_percent=100), env=sim.env())
    assert applied.get('failed') is not True, applied.get('msg')
    assert applied['removed'] == ['leaver@example.com']
    assert sim.world.user_by_email('leaver@example.com') is None


@pytest.mark.parametrize('transfer_to, expected', [
    ('nobody@example.com', 'transfer_to=nobody@example.com is not an active user of the account (absent)'),
    ('leaver@example.com', 'transfer_to must be another user than leaver@example.com'),
    ('invited@example.com', 'transfer_to=invited@example.com is not an active user of the account (pending)'),
])
def test_transfer_to_is_checked_before_any_write(sim, run_module, transfer_to, expected):
    seq = sim.mark()
    result = run_module(zoom_user_sync.main, args(unlisted='remove', removal_action='delete', transfer_to=transfer_to,
                                                  max_removal_percent=100), env=sim.env())
    assert result['failed'] is True
    assert writes(sim, seq) == []
    assert result['refusal']['rule'] == 'problems'
    assert any(expected in text for text in result['problems']), result['problems']


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
    for part in ('users[4] (ANN@example.com).email: the same person as users[0]',
                 'users[5] (dup@example.com).phone.extension_number: 1001 is also the extension of ann@example.com',
                 '+14155550101 is also listed for', "unknown calling plan 'Gold'", "unknown site 'Mars'"):
        assert part in text
    assert result['refusal']['rule'] == 'problems'
    details = result['problem_details']
    assert {'index': 4, 'email': 'ANN@example.com', 'field': 'email'}.items() <= details[0].items()
    assert any(item['email'] == 'plan@example.com' and item['field'].startswith('phone') for item in details)


@pytest.mark.parametrize('users, expected', [
    (['ann@example.com'], "users[0]: expected a mapping with at least an email, for example {email: ann@example.com}"),
    ([None], 'users[0]: empty entry (null)'),
    ([{'email': 'ann@example.com', 'phone': {'extension_number': '\u00b2'}}], 'has non-ASCII digits'),
    ([{'email': 'a@example.com/../../phone?x=1'}], 'users[0].email'),
    ([{'email': 'ann@example.com', 'type': 'gold'}], "users[0] (ann@example.com).type: 'gold' is not a licence type"),
])
def test_any_bad_value_gets_our_own_message_and_no_write(sim, run_module, users, expected):
    seq = sim.mark()
    result = run_module(zoom_user_sync.main, args(users=users), env=sim.env())
    assert result['failed'] is True
    assert expected in result['msg'], result['msg']
    assert 'Traceback' not in result['_stdout']
    assert writes(sim, seq) == []


def test_options_are_checked_all_at_once(sim, run_module):
    result = run_module(zoom_user_sync.main, {'unlisted': 'remove', 'concurrency': 0}, env=sim.env())
    assert result['failed'] is True
    assert 'Give the people as users' in result['msg'] and 'needs a scope' in result['msg'] and 'concurrency' in result['msg']


def test_users_file_yaml_and_its_checks(sim, run_module, tmp_path):
    path = tmp_path / 'users.yml'
    path.write_text('users:\n  - email: ann@example.com\n    first_name: Ann\n  - email: zed@example.com\n    active: "no"\n')
    result = run_module(zoom_user_sync.main, {'users_file': str(path), 'scope': SCOPE, '_ansible_check_mode': True},
                        env=sim.env())
    assert result['created'] == ['ann@example.com', 'zed@example.com']
    path.write_text('- email: ann@example.com\n  colour: red\n- first_name: X\n')
    result = run_module(zoom_user_sync.main, {'users_file': str(path), 'scope': SCOPE}, env=sim.env())
    assert result['failed'] is True
    assert 'users_file[0] (ann@example.com): unsupported key colour' in result['msg']
    assert 'users_file[1].email must not be empty' in result['msg']


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
    assert rerun['updated'] == [{'email': 'dan@example.com', 'fields': ['phone.calling_plans'],
                                 'actions': ['phone:calling_plans']}]
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
    exported = run_module(zoom_user_info.main, {'scope': {'domains': ['example.com']}, 'status': ['active', 'inactive']},
                          env=sim.env())
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
    # no owner or admin in the export (only the playbook's own protected pattern is reported)
    assert not [text for text in messages(rerun, 'warnings') if 'admin@' in text or 'owner@' in text]
    assert writes(sim, seq) == []
    queried = run_module(zoom_user_info.main, {'query': "[?phone.site=='Paris'].email"}, env=sim.env())
    assert queried['query_result'] == ['cid@example.com']
    assert 'users' not in queried


def test_a_plan_approved_under_other_options_is_refused(sim, run_module, tmp_path):
    plan_file = str(tmp_path / 'plan.json')
    run_module(zoom_user_sync.main, args(plan_file=plan_file, _ansible_check_mode=True), env=sim.env())
    seq = sim.mark()
    refused = run_module(zoom_user_sync.main, args(approved_plan=plan_file, new_user_type='licensed'), env=sim.env())
    assert refused['failed'] is True
    assert writes(sim, seq) == []
    assert refused['refusal']['rule'] == 'digest_drift'
    assert 'option new_user_type: approved basic, now licensed' in refused['differences']


def test_an_edited_approved_plan_is_refused(sim, run_module, tmp_path):
    plan_file = tmp_path / 'plan.json'
    run_module(zoom_user_sync.main, args(plan_file=str(plan_file), unlisted='deactivate', max_removal_percent=50,
                                         _ansible_check_mode=True), env=sim.env())
    doc = json.loads(plan_file.read_text())
    doc['options']['unlisted'] = 'remove'  # the digest field is kept
    plan_file.write_text(json.dumps(doc))
    seq = sim.mark()
    refused = run_module(zoom_user_sync.main, args(approved_plan=str(plan_file), unlisted='remove', max_removal_percent=50),
                         env=sim.env())
    assert refused['failed'] is True
    assert writes(sim, seq) == []
    assert 'was changed after it was written' in refused['msg']


def test_rerun_of_an_applied_plan_says_already_applied(sim, run_module, tmp_path):
    plan_file = str(tmp_path / 'plan.json')
    planned = run_module(zoom_user_sync.main, args(plan_file=plan_file, _ansible_check_mode=True), env=sim.env())
    applied = run_module(zoom_user_sync.main, args(approved_digest=planned['digest'], plan_file=plan_file), env=sim.env())
    assert applied.get('failed') is not True, applied.get('msg')
    assert applied['changed'] is True and 'already_applied' not in applied
    seq = sim.mark()
    for approval in ({'approved_digest': planned['digest']}, {'approved_plan': str(tmp_path / 'plan.json')}):
        rerun = run_module(zoom_user_sync.main, args(**approval), env=sim.env())
        assert rerun.get('failed') is not True, rerun.get('msg')
        assert rerun['changed'] is False
        assert 'already applied' in rerun['msg']
        assert rerun['already_applied']['approved_digest'] == planned['digest']
    assert writes(sim, seq) == []


def test_vocabulary_new_user_type_and_deprecated_names(sim, run_module):
    users = [{'email': 'ann@example.com', 'first_name': 'Ann', 'dept': 'Sales', 'user_type': 'basic'},
             {'email': 'cid@example.com', 'first_name': 'Cid', 'department': 'Ops', 'site': 'Paris',
              'extension': 33003, 'calling_plan': 'US/CA Metered Calling Plan'},
             {'email': 'dee@example.com', 'first_name': 'Dee', 'dept': 'Ops'}]
    result = run_module(zoom_user_sync.main, args(users=users, new_user_type='licensed'), env=sim.env())
    assert result.get('failed') is not True, result.get('msg')
    deprecations = messages(result, 'deprecations')
    assert len([text for text in deprecations if text.startswith('dept is deprecated')]) == 1
    assert any('used by 2 entries' in text for text in deprecations)
    assert any(text.startswith('extension is deprecated in users entries, use phone.extension_number') for text in deprecations)
    world = sim.world
    assert world.user_by_email('ann@example.com').type == 1   # the entry's own type (deprecated user_type)
    assert world.user_by_email('dee@example.com').type == 2   # new_user_type for an entry without type
    assert world.user_by_email('dee@example.com').dept == 'Ops'
    cid = world.user_by_email('cid@example.com')
    assert world.phone_users[cid.id].extension_number == 33003
    bob_type = world.user_by_email('bob@example.com').type
    rerun = run_module(zoom_user_sync.main, args(users=[{'email': 'bob@example.com'}], new_user_type='licensed'),
                       env=sim.env())
    assert rerun['changed'] is False and world.user_by_email('bob@example.com').type == bob_type  # existing: untouched


def test_progress_file_phases_and_anchored_paths(sim, run_module, tmp_path, monkeypatch):
    monkeypatch.chdir(str(tmp_path))  # a local module runs in the playbook's directory
    result = run_module(zoom_user_sync.main, args(plan_file='plan/plan.json', progress_file='plan/progress.jsonl'),
                        env=sim.env())
    assert result.get('failed') is not True, result.get('msg')
    assert result['files'] == {'plan_file': str(tmp_path / 'plan' / 'plan.json'),
                               'plan_markdown': str(tmp_path / 'plan' / 'plan.md'),
                               'progress_file': str(tmp_path / 'plan' / 'progress.jsonl')}
    assert os.path.isfile(result['files']['plan_markdown'])
    lines = [json.loads(line) for line in (tmp_path / 'plan' / 'progress.jsonl').read_text().splitlines()]
    events = [(line['event'], line.get('phase')) for line in lines]
    for phase in ('read', 'check_input', 'prefetch', 'plan', 'report', 'apply'):
        assert ('phase_start', phase) in events and ('phase_end', phase) in events, phase
    assert events[-1] == ('finished', None)
    assert lines[-1]['totals']['created'] == 2 and lines[-1]['changed'] is True
    apply_end = [line for line in lines if line['event'] == 'phase_end' and line['phase'] == 'apply'][0]
    assert apply_end['counts']['created'] == 2
    assert set(result['stats']['phases']) == {'read', 'check_input', 'prefetch', 'plan', 'report', 'apply'}
    assert all(seconds >= 0 for seconds in result['stats']['phases'].values())


def test_export_leaves_out_owner_and_admins_and_takes_a_scope(sim, run_module):
    exported = run_module(zoom_user_info.main, {'scope': {'domains': ['example.com']}}, env=sim.env())
    emails = [u['email'] for u in exported['users']]
    assert 'owner@example.com' not in emails and 'admin@example.com' not in emails
    assert 'bob@example.com' in emails
    everyone = run_module(zoom_user_info.main, {'scope': {'domains': ['example.com']}, 'include_admins': True}, env=sim.env())
    assert {'owner@example.com', 'admin@example.com'} <= set(u['email'] for u in everyone['users'])
    old = run_module(zoom_user_info.main, {'domains': ['example.com']}, env=sim.env())
    assert [u['email'] for u in old['users']] == emails
    assert any('domains' in text for text in messages(old, 'deprecations'))
    none = run_module(zoom_user_info.main, {'scope': {'domains': ['elsewhere.org']}}, env=sim.env())
    assert none['users'] == [] and none['count'] == 0


def test_a_removal_whose_answer_was_lost_is_confirmed_by_a_lookup(sim, run_module):
    # the DELETE lands but its answer is lost; the client sends it again and gets 404: gone only after a lookup says so
    sim.set_faults({'script': [{'match': {'method': 'DELETE', 'path': '/v2/users/*'}, 'fault': 'lost_response', 'times': 1}]})
    result = run_module(zoom_user_sync.main, args(unlisted='remove', removal_action='delete', transfer_to='bob@example.com',
                                                  max_removal_percent=100), env=sim.env())
    assert result.get('failed') is not True, result.get('msg')
    assert result['removed'] == ['leaver@example.com']
    assert sim.world.user_by_email('leaver@example.com') is None
    log = [(e['method'], e['path'].split('?')[0], e['status']) for e in sim.log(since=0)]
    deletes = [entry for entry in log if entry[0] == 'DELETE']
    assert len(deletes) == 2 and deletes[1][2] == 404
    assert any(entry[0] == 'GET' and entry[1] == '/v2/users/leaver@example.com' for entry in log)
    assert any('already gone' in text for text in messages(result, 'warnings'))


@pytest.mark.zoomsim_world(world_with(external_accounts=[{'email': 'ivy@example.com', 'kind': 'personal'}]))
def test_a_personal_account_is_diagnosed_on_the_creating_run_and_every_rerun(sim, run_module):
    users = [{'email': 'ivy@example.com', 'first_name': 'Ivy'}]
    planned = run_module(zoom_user_sync.main, args(users=users, _ansible_check_mode=True), env=sim.env())
    assert planned['created'] == ['ivy@example.com'] and planned['pending'] == []  # an ordinary new user, predicted
    reasons = []
    for _run in range(2):
        result = run_module(zoom_user_sync.main, args(users=users), env=sim.env())
        assert result.get('failed') is not True, result.get('msg')
        reasons.append([(item['email'], item['reason']) for item in result['pending']])
    assert reasons == [[('ivy@example.com', 'existing_zoom_account')]] * 2


@pytest.mark.zoomsim_world(world_with(phone={'provisioning_delay': 1.5}))  # seconds before Zoom shows a new phone user
def test_batch_added_phone_users_are_settled_before_the_run_ends(sim, run_module):
    applied = run_module(zoom_user_sync.main, args(users=USERS[:1]), env=sim.env())
    assert applied.get('failed') is not True, applied.get('msg')
    assert applied['created'] == ['ann@example.com']
    assert not [text for text in messages(applied, 'warnings') if 'still creating' in text]
    seq = sim.mark()
    rerun = run_module(zoom_user_sync.main, args(users=USERS[:1], _ansible_check_mode=True), env=sim.env())
    assert rerun['changed'] is False and rerun['unchanged'] == ['ann@example.com'], rerun['plan']
    assert rerun['check_mode'] is True
    assert writes(sim, seq) == []
