# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""zoom_phone_info run in-process against the scripted Zoom stub (tests/unit/conftest.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import time

import pytest

from ansible_collections.zoomops.provisioning.plugins.modules import zoom_phone_info

PLANS = {'calling_plans': [
    {'name': 'US/CA Metered Calling Plan', 'type': 100, 'subscribed': 10, 'assigned': 3, 'available': 7},
    {'name': 'US/CA Unlimited Calling Plan', 'type': 200, 'subscribed': 10, 'assigned': 10, 'available': 0},
]}
SITES = {'next_page_token': '', 'sites': [{'id': 'site-main', 'name': 'Main Office', 'level': 'main', 'site_code': 1},
                                          {'id': 'site-lon', 'name': 'London', 'level': 'sub'}]}
NUMBERS_PAGE1 = {'next_page_token': 'tok', 'phone_numbers': [
    {'id': 'n1', 'number': '+14155550101', 'site': {'id': 'site-main', 'name': 'Main Office'}, 'status': 'available'},
    {'id': 'n2', 'number': '+14155550102', 'site': {'id': 'site-main', 'name': 'Main Office'},
     'assignee': {'id': 'u-bob', 'name': 'Bob', 'type': 'user', 'extension_number': 1002}},
]}
NUMBERS_PAGE2 = {'next_page_token': '', 'phone_numbers': [
    {'id': 'n3', 'number': '+442071234567', 'site': {'id': 'site-lon'}},
    {'id': 'n4', 'number': '+15550000000'},
]}


@pytest.fixture
def run(zoom_stub, run_module):
    def runner(**args):
        args = dict(args)
        args.update(zoom_stub.module_args())
        return run_module(zoom_phone_info.main, args)
    return runner


def script_inventory(stub):
    stub.reply('GET', '/v2/phone/calling_plans', json=PLANS, times=None)
    stub.reply('GET', '/v2/phone/sites', json=SITES, times=None)
    stub.handle('GET', '/v2/phone/numbers',
                lambda req: (200, NUMBERS_PAGE2 if req.param('next_page_token') == 'tok' else NUMBERS_PAGE1), times=None)


def test_default_gather(zoom_stub, run):
    script_inventory(zoom_stub)
    result = run()
    assert result['changed'] is False
    assert [p['available'] for p in result['calling_plans']] == [7, 0]
    assert result['unassigned_numbers'] == {'Main Office': ['+14155550101'], 'London': ['+442071234567'],
                                            '(no site)': ['+15550000000']}
    assert result['numbers'][1]['assignee']['name'] == 'Bob' and result['numbers'][1]['assigned'] is True
    assert result['sites'] == [{'id': 'site-main', 'name': 'Main Office', 'site_code': 1, 'main': True},
                               {'id': 'site-lon', 'name': 'London', 'site_code': None, 'main': False}]
    assert 'users' not in result
    assert all(r.method == 'GET' for r in zoom_stub.api_requests)
    # numbers are listed 100 a page, all types
    first = [r for r in zoom_stub.api_requests if r.path == '/v2/phone/numbers'][0]
    assert first.param('type') == 'all' and first.param('page_size') == '100'


def test_query(zoom_stub, run):
    script_inventory(zoom_stub)
    result = run(gather=['calling_plans'], query='calling_plans[?available > `0`].name')
    assert result['query_result'] == ['US/CA Metered Calling Plan']
    assert 'numbers' not in result
    assert not [r for r in zoom_stub.api_requests if r.path == '/v2/phone/numbers']


def test_bad_query_is_explained_before_any_call(zoom_stub, run):
    result = run(gather=['calling_plans'], query='calling_plans[?')
    assert result['failed'] and 'JMESPath' in result['msg'] and 'query' in result['msg']
    assert zoom_stub.requests == []


@pytest.mark.parametrize('ref', ['a@b.com/../../phone?x=1', '..', 'x y', ''])
def test_bad_user_refs_fail_before_any_call(zoom_stub, run, ref):
    result = run(gather=['users'], users=['ada@example.com', ref])
    assert result['failed'] and 'users' in result['msg'] and 'nothing was sent to Zoom' in result['msg']
    assert zoom_stub.requests == []


def test_users(zoom_stub, run, monkeypatch):
    monkeypatch.setattr(time, 'sleep', lambda seconds: None)
    script_inventory(zoom_stub)
    zoom_stub.reply('GET', '/v2/users/ada@example.com', json={'id': 'u-ada', 'email': 'ada@example.com', 'status': 'active'})
    zoom_stub.reply('GET', '/v2/phone/users/u-ada', json={'id': 'u-ada', 'extension_number': 1001, 'site_id': 'site-lon',
                                                          'calling_plans': [{'type': 100}],
                                                          'phone_numbers': [{'id': 'n3', 'number': '+442071234567'}]})
    zoom_stub.reply('GET', '/v2/users/new@example.com', json={'id': 'u-new', 'email': 'new@example.com', 'status': 'active'})
    zoom_stub.reply('GET', '/v2/phone/users/u-new', status=404, json={'code': 1001, 'message': 'User does not exist: u-new.'},
                    times=2)  # feature on, phone user 404: read again once (a 404 flip must not look like "no phone")
    zoom_stub.reply('GET', '/v2/users/u-new/settings', json={'feature': {'zoom_phone': True}})
    zoom_stub.reply('GET', '/v2/users/gone@example.com', status=404, json={'code': 1001, 'message': 'User does not exist'})
    result = run(gather=['users'], users=['ada@example.com', 'new@example.com', 'gone@example.com'])
    ada, new, gone = result['users']
    assert ada['phone'] == {'zoom_phone': True, 'site': 'London', 'extension_number': 1001,
                            'calling_plans': ['US/CA Metered Calling Plan'], 'phone_numbers': ['+442071234567']}
    assert new['phone']['zoom_phone'] is True and new['phone_user_provisioning'] is True and new['phone_user'] is None
    assert gone['zoom_status'] == 'absent' and gone['phone']['zoom_phone'] is False


# ---- against the simulator -------------------------------------------------------------------------------------

zoomsim_testing = pytest.importorskip('zoomsim.testing')


@pytest.mark.parametrize('vanishes', [False, True], ids=['steady', 'phone_user_vanishes_once'])
@pytest.mark.parametrize('duplicates', [True, False], ids=['list_duplicates', 'no_list_duplicates'])
def test_simulator_users_and_numbers(run_module, monkeypatch, vanishes, duplicates):
    with zoomsim_testing.running_simulator('cases', phone_user_vanishes_once=vanishes, phone_list_duplicates=duplicates) as sim:
        sim.freeze_clock()
        monkeypatch.setattr(time, 'sleep', lambda seconds: sim.world.clock.advance(max(0.0, seconds)))
        sim.call('GET', '/v2/phone/users/phone.full@example.com')  # the first read: with the switch, the next one is 404
        start = sim.mark()
        result = run_module(zoom_phone_info.main, {'gather': ['numbers', 'users'], 'users': ['phone.full@example.com'],
                                                   'query': "numbers[?!assigned && site=='London'].number"}, env=sim.env())
        assert not result.get('failed'), result.get('msg')
        assert result['users'][0]['phone'] == {'zoom_phone': True, 'site': 'Main Site', 'extension_number': 1001,
                                               'calling_plans': ['US/CA Unlimited Calling Plan'],
                                               'phone_numbers': ['+14155550101']}
        assert result['query_result'] == ['+442071838760', '+442071838761', '+442071838762']
        numbers = [n['number'] for n in result['numbers']]
        assert len(numbers) == len(set(numbers)) == 14
        assert sim.writes_since(start) == []


def test_an_inactive_user_is_read_without_the_feature_probe(run_module):
    with zoomsim_testing.running_simulator('cases') as sim:
        start = sim.mark()
        result = run_module(zoom_phone_info.main, {'gather': ['users'], 'users': ['ivan.inactive@example.com']},
                            env=sim.env())
        assert not result.get('failed'), result.get('msg')
        assert result['users'][0]['zoom_status'] == 'inactive' and result['users'][0]['phone_user'] is None
        paths = [entry['path'] for entry in sim.log(since=start)]
        assert not any(path.endswith('/settings') for path in paths), paths
        assert len([path for path in paths if path.startswith('/v2/phone/users/')]) == 1, paths
