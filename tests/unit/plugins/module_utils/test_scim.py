# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests of module_utils/_scim.py: the 400 trap, payloads, compare (fake client from test_users)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import pytest

from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import (
    ZoomAPIError,
    ZoomError,
    ZoomUncertainWriteError,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils._scim import (
    ENTERPRISE_URN,
    ZOOM_URN,
    CORE_URN,
    PATCH_URN,
    ScimLookup,
    change_labels,
    create_payload,
    create_scim_user,
    create_time_changes,
    delete_scim_user,
    fresh_view,
    phone_inventory_problems,
    phone_problems,
    is_scim_trap,
    patch_active_payload,
    plan_scim,
    scim_lookup,
    scim_view,
    set_active,
    update_payload,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils._users import ZoomCreateError
from ansible_collections.zoomops.provisioning.tests.unit.plugins.module_utils.test_users import FakeClient, api_error, rest_user

EMAIL = 'jane@example.com'
FILTER_PARAMS = {'filter': 'userName eq "jane@example.com"', 'startIndex': 1, 'count': 10}
TRAP = ZoomAPIError(400, None, 'User jane@example.com not exist or not belong to this account.', method='GET', path='/scim2/Users')


def resource(**extra):
    res = {'id': 'u-1', 'userName': EMAIL, 'active': True, 'name': {'givenName': 'Jane', 'familyName': 'Doe'},
           'displayName': 'Jane Doe', 'userType': 'Basic',
           ENTERPRISE_URN: {'department': 'Sales', 'costCenter': 'CC1', 'manager': 'Boss@example.com'}}
    res.update(extra)
    return res


def listed(*items):
    return {'schemas': ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], 'totalResults': len(items),
            'Resources': list(items)}


# ------------------------------------------------------------------------------------------------ the trap

def test_is_scim_trap():
    assert is_scim_trap(TRAP)
    assert is_scim_trap(ZoomAPIError(404, None, 'User x not exist or not belong to this account.'))
    assert not is_scim_trap(ZoomAPIError(400, None, 'Account has not enabled Single Sign-On.'))
    assert not is_scim_trap(ZoomAPIError(500, None, 'not exist or not belong'))
    assert not is_scim_trap(ZoomError('not exist or not belong'))


def test_lookup_found_reads_full_user():
    client = FakeClient()
    client.script('GET', '/scim2/Users', listed({'id': 'u-1', 'userName': 'JANE@example.com', 'active': False}))
    client.script('GET', '/scim2/Users/u-1', resource(active=False))
    found = scim_lookup(client, EMAIL)
    assert (found.status, found.id, found.exists) == ('inactive', 'u-1', True)
    assert found.resource[ENTERPRISE_URN]['costCenter'] == 'CC1'
    assert client.calls[0][2] == FILTER_PARAMS


def test_lookup_empty_is_absent():
    client = FakeClient().script('GET', '/scim2/Users', listed())
    assert scim_lookup(client, EMAIL).status == 'absent'
    client = FakeClient().script('GET', '/scim2/Users', listed({'id': 'x', 'userName': 'other@example.com'}))
    assert scim_lookup(client, EMAIL).status == 'absent'


@pytest.mark.parametrize('rest_answer,status', [
    (rest_user(EMAIL, 'pending'), 'pending'),
    (api_error(400, 1120, 'A valid invitation to join the Zoom account was not found for this user.'), 'stuck_invitation'),
    (api_error(404, 1001, 'User does not exist'), 'stuck_invitation'),
    (api_error(400, 1010, 'User not belong to this account'), 'stuck_invitation'),
])
def test_lookup_trap_becomes_state(rest_answer, status):
    client = FakeClient().script('GET', '/scim2/Users', TRAP).script('GET', '/v2/users/%s' % EMAIL, rest_answer)
    found = scim_lookup(client, EMAIL)
    assert found.status == status
    assert 'not exist or not belong' in found.detail
    assert found.rest is not None
    assert client.writes() == []


def test_lookup_trap_but_rest_has_real_user():
    client = FakeClient().script('GET', '/scim2/Users', TRAP)
    client.script('GET', '/v2/users/%s' % EMAIL, rest_user(EMAIL, 'active'))
    client.script('GET', '/scim2/Users/u-1', resource())
    found = scim_lookup(client, EMAIL)
    assert found.status == 'active' and found.resource['id'] == 'u-1'


def test_lookup_other_errors_raise():
    client = FakeClient().script('GET', '/scim2/Users', ZoomAPIError(400, None, 'Account has not enabled Single Sign-On.'))
    with pytest.raises(ZoomAPIError, match='Single Sign-On'):
        scim_lookup(client, EMAIL)


def test_scim_lookup_object():
    assert ScimLookup(EMAIL, 'pending').exists is False
    with pytest.raises(ValueError):
        ScimLookup(EMAIL, 'external')


# ------------------------------------------------------------------------------------------------ view / compare

def test_scim_view():
    view = scim_view(resource(title='Engineer', manager_ignored=1))
    assert view == {'first_name': 'Jane', 'last_name': 'Doe', 'display_name': 'Jane Doe', 'type': 'basic',
                    'job_title': 'Engineer', 'department': 'Sales', 'cost_center': 'CC1', 'manager': 'Boss@example.com',
                    'active': True}
    res = resource()
    res[ENTERPRISE_URN]['manager'] = {'value': 'boss@example.com', 'displayName': 'Boss'}
    assert scim_view(res)['manager'] == 'boss@example.com'
    assert scim_view(resource(), rest_user(job_title='From REST'))['job_title'] == 'From REST'
    assert scim_view(None) == {}


def test_plan_scim_only_set_options():
    view = scim_view(resource())
    assert plan_scim({'first_name': 'Jane', 'manager': 'boss@EXAMPLE.com', 'type': 'basic', 'active': True,
                      'organization': '', 'pronouns': 'she/her', 'extension_number': '0'}, view) == {}
    changes = plan_scim({'department': 'R&D', 'job_title': 'Eng', 'active': False, 'type': 'licensed'}, view)
    assert changes == {'department': ('Sales', 'R&D'), 'job_title': (None, 'Eng'), 'active': (True, False),
                       'type': ('basic', 'licensed')}
    view['pronouns'] = 'they/them'
    assert plan_scim({'pronouns': 'she/her'}, view) == {'pronouns': ('they/them', 'she/her')}


def test_change_labels_order():
    assert change_labels({'department': 1, 'first_name': 2, 'active': (False, True)}) == [
        'activate', 'update:first_name', 'update:department']
    assert change_labels({'site': 1, 'pronouns': 2, 'active': (True, False)}) == [
        'update:pronouns', 'phone:site', 'deactivate']


def test_create_time_changes_and_fresh_view():
    desired = {'extension_number': '0', 'pronouns': 'she/her', 'department': 'X', 'personal_link_name': None}
    assert create_time_changes(desired, {}) == {'extension_number': (None, '0'), 'pronouns': (None, 'she/her')}
    assert create_time_changes(desired, {'pronouns': 'x'}) == {'extension_number': (None, '0')}
    assert fresh_view({'first_name': 'A', 'last_name': 'B'}) == {
        'first_name': 'A', 'last_name': 'B', 'display_name': 'A B', 'type': 'basic', 'active': True}
    assert fresh_view({'display_name': 'Z', 'type': 'licensed'})['display_name'] == 'Z'


# ------------------------------------------------------------------------------------------------ payloads

def test_create_payload():
    body = create_payload(EMAIL, {'first_name': 'Jane', 'type': 'licensed', 'department': 'R&D', 'manager': 'b@example.com',
                                  'pronouns': 'she/her', 'extension_number': 0, 'active': False, 'last_name': None})
    assert body == {
        'userName': EMAIL, 'name': {'givenName': 'Jane', 'familyName': ''}, 'userType': 'Licensed',
        ENTERPRISE_URN: {'department': 'R&D', 'manager': 'b@example.com'},
        ZOOM_URN: {'pronouns': 'she/her', 'zoomPhoneExtNumber': '0'},
        'schemas': [CORE_URN, ENTERPRISE_URN, ZOOM_URN]}


def test_update_payload_is_partial_but_keeps_name_whole():
    view = scim_view(resource())
    assert update_payload({'active': (True, False)}, view) is None
    body = update_payload({'first_name': ('Jane', 'Janet'), 'cost_center': ('CC1', 'CC2'), 'active': (True, False)}, view)
    assert body == {'name': {'givenName': 'Janet', 'familyName': 'Doe'}, ENTERPRISE_URN: {'costCenter': 'CC2'},
                    'schemas': [CORE_URN, ENTERPRISE_URN]}
    assert 'active' not in body


def test_patch_active_payload_capital_o():
    assert patch_active_payload(False) == {'schemas': [PATCH_URN], 'Operations': [{'op': 'replace', 'value': {'active': False}}]}


# ------------------------------------------------------------------------------------------------ writes

def test_create_scim_user_reads_back():
    client = FakeClient().script('POST', '/scim2/Users', {'id': 'u-1'}).script('GET', '/scim2/Users/u-1', resource())
    outcome = create_scim_user(client, EMAIL, {'first_name': 'Jane'})
    assert outcome.state.status == 'active' and outcome.created and not outcome.confirmed_after_uncertain


def test_create_scim_user_uncertain():
    client = FakeClient().script('POST', '/scim2/Users', ZoomUncertainWriteError('lost', method='POST', path='/scim2/Users'))
    client.script('GET', '/scim2/Users', listed({'id': 'u-1', 'userName': EMAIL}))
    client.script('GET', '/scim2/Users/u-1', resource())
    outcome = create_scim_user(client, EMAIL, {})
    assert outcome.state.exists and outcome.confirmed_after_uncertain and outcome.sends == 1
    # not there after the lost answer: sent again, bounded
    client = FakeClient().script('POST', '/scim2/Users', ZoomUncertainWriteError('lost', method='POST', path='/scim2/Users'))
    client.script('GET', '/scim2/Users', listed())
    with pytest.raises(ZoomCreateError, match='nothing was created') as info:
        create_scim_user(client, EMAIL, {})
    assert client.methods().count(('POST', '/scim2/Users')) == 3 and info.value.created is False
    client = FakeClient().script('POST', '/scim2/Users', ZoomUncertainWriteError('lost', method='POST', path='/scim2/Users'),
                                 {'id': 'u-1'})
    client.script('GET', '/scim2/Users', listed())
    client.script('GET', '/scim2/Users/u-1', resource())
    outcome = create_scim_user(client, EMAIL, {})
    assert outcome.created and outcome.sends == 2 and outcome.confirmed_after_uncertain


def test_create_scim_user_refused_says_nothing_was_created():
    client = FakeClient().script('POST', '/scim2/Users', ZoomAPIError(400, None, 'The email "jane@example.com" is already in use.'))
    client.script('GET', '/scim2/Users', listed())  # not a user of this account: held elsewhere
    with pytest.raises(ZoomCreateError, match='nothing was created.*another Zoom account') as info:
        create_scim_user(client, EMAIL, {})
    assert info.value.created is False and info.value.path == '/scim2/Users'


def test_set_active_and_delete():
    client = FakeClient().script('PATCH', '/scim2/Users/u-1', resource(active=False))
    set_active(client, 'u-1', False)
    assert client.calls[0][3]['Operations'][0]['value'] == {'active': False}
    client = FakeClient().script('DELETE', '/scim2/Users/u-1', None)
    assert delete_scim_user(client, 'u-1', EMAIL) == 'removed'
    client = FakeClient().script('DELETE', '/scim2/Users/u-1', ZoomAPIError(404, None, 'User does not exist.'))
    client.script('GET', '/scim2/Users', listed())
    assert delete_scim_user(client, 'u-1', EMAIL) == 'already_gone'
    client = FakeClient().script('DELETE', '/scim2/Users/u-1', ZoomAPIError(404, None, 'User does not exist.'))
    client.script('GET', '/scim2/Users', listed({'id': 'u-1', 'userName': EMAIL})).script('GET', '/scim2/Users/u-1', resource())
    with pytest.raises(ZoomAPIError):
        delete_scim_user(client, 'u-1', EMAIL)  # 404 but the user is still there: not "gone"
    client = FakeClient().script('DELETE', '/scim2/Users/u-1', ZoomAPIError(400, None, 'Cannot delete Admin user.'))
    with pytest.raises(ZoomAPIError):
        delete_scim_user(client, 'u-1', EMAIL)


# ------------------------------------------------------------------------------------------------ phone attributes

@pytest.mark.parametrize('desired,words', [
    ({'extension_number': '\u00b2'}, 'ASCII digits'),
    ({'extension_number': '\u0663'}, 'ASCII digits'),
    ({'extension_number': '12-3'}, 'ASCII digits'),
    ({'extension_number': '1' * 16}, 'ASCII digits'),
    ({'phone_numbers': ['+14155550100', '+14155550101']}, 'at most one'),
    ({'phone_numbers': ['415 555 0100']}, 'E.164'),
    ({'calling_plans': ['200', '300']}, 'at most one'),
    ({'calling_plans': ['']}, 'empty entry'),
    ({'site': '  '}, 'site must not be empty'),
])
def test_phone_problems(desired, words):
    problems = phone_problems(desired)
    assert len(problems) == 1 and words in problems[0]
    assert problems[0].split('=')[0].split(' ')[0].split(':')[0] in desired


def test_phone_problems_accepts():
    assert phone_problems({'extension_number': '0', 'phone_numbers': ['+14155550100'], 'calling_plans': ['US/CA Unlimited'],
                           'site': 'Main'}) == []
    assert phone_inventory_problems(FakeClient(), {'extension_number': '0'}) == []  # nothing to read


def test_phone_inventory_problems_read_only_what_is_needed():
    client = FakeClient()
    client.script('GET', '/v2/phone/calling_plans', {'calling_plans': [{'type': 200, 'name': 'US/CA Unlimited', 'available': 0}]})
    client.script('GET', '/v2/phone/sites', {'sites': [{'id': 's1', 'name': 'Main'}], 'next_page_token': ''})
    problems = phone_inventory_problems(client, {'calling_plans': ['us/ca unlimited'], 'site': 'Mars'})
    assert len(problems) == 2 and 'no free seat' in problems[0] and "'Mars'" in problems[1] and 'Main' in problems[1]
    assert client.writes() == [] and ('GET', '/v2/phone/numbers') not in client.methods()
