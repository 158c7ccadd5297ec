# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests of module_utils/_scim.py: the 400 trap, payloads, compare, and the SCIM readers/writers against the simulator.

Zoom behaviour comes from the simulator (``sim_client``, tests/unit/conftest.py; the cases world has the pending and
expired/deleted invitations of the trap); ``zoom_stub`` only answers what the simulator's consistent world cannot
produce (a filter answering another user, SCIM and REST disagreeing about one email).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

from urllib.parse import parse_qsl

import pytest

from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import ZoomAPIError, ZoomError
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

EMAIL = 'jane@example.com'
SCIM_USERS = '/scim2/Users'
TRAP = ZoomAPIError(400, None, 'User jane@example.com not exist or not belong to this account.', method='GET', path=SCIM_USERS)
LOST_CREATE = {'match': {'method': 'POST', 'path': SCIM_USERS}, 'after': 0, 'times': 1, 'fault': 'lost_response'}  # lands
DROPPED_CREATE = {'match': {'method': 'POST', 'path': SCIM_USERS}, 'after': 0, 'times': 1, 'fault': 'drop'}  # never lands


@pytest.fixture(name='zoomsim')
def reused_zoomsim(request):
    """conftest's ``sim_client`` runs on ``zoomsim``: one simulator per file, the cases world loaded afresh per test."""
    pytest.importorskip('zoomsim.testing')
    sim = request.getfixturevalue('zoomsim_module')
    sim.load('cases')
    return sim


def load_world(sim, account=None, **switches):
    """Serve the cases world with ``account`` fields and behaviour ``switches`` changed."""
    from zoomsim.testing import world_with  # pylint: disable=import-outside-toplevel

    sim.load(world_with('cases', account=account, **switches))


def plausible(switch):
    """Every plausible value of a simulator switch (zoomsim.testing.PLAUSIBLE_SETTINGS), for parametrize."""
    try:
        from zoomsim.testing import PLAUSIBLE_SETTINGS  # pylint: disable=import-outside-toplevel
    except ImportError:  # without the simulator the tests using it skip
        return [None]
    return PLAUSIBLE_SETTINGS[switch]


def calls(sim, since):
    """``(method, path)`` of the API requests (token requests left out) the simulator logged after ``since``."""
    return [(entry['method'], entry['path']) for entry in sim.log(since=since) if entry['path'] != '/oauth/token']


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


def test_lookup_found_reads_full_user(zoomsim, sim_client):
    email = 'olga.offboard@example.com'  # inactive; her manager is only in the full user, not in the List item (§7)
    start = zoomsim.mark()
    found = scim_lookup(sim_client, email)
    assert (found.status, found.exists) == ('inactive', True)
    assert found.resource[ENTERPRISE_URN]['manager'] == 'admin@example.com'
    assert calls(zoomsim, start) == [('GET', SCIM_USERS), ('GET', '%s/%s' % (SCIM_USERS, found.id))]
    query = [entry['query'] for entry in zoomsim.log(since=start) if entry['path'] == SCIM_USERS][0]
    assert dict(parse_qsl(query)) == {'filter': 'userName eq "%s"' % email, 'startIndex': '1', 'count': '10'}
    found = scim_lookup(sim_client, 'mixed.case@example.com')  # stored as Mixed.Case@Example.com
    assert found.status == 'active' and found.resource['userName'] == 'Mixed.Case@Example.com'


def test_lookup_unknown_is_absent(sim_client):
    assert scim_lookup(sim_client, 'nobody@example.com').status == 'absent'


def test_lookup_ignores_other_users_in_the_answer(make_client, zoom_stub):
    """The simulator's filter never answers another user; the lookup must not trust that Zoom's does not."""
    zoom_stub.reply('GET', SCIM_USERS, json=listed({'id': 'x', 'userName': 'other@example.com'}))
    assert scim_lookup(make_client(), EMAIL).status == 'absent'


@pytest.mark.parametrize('trap_status', plausible('scim_pending_status'))  # 400 reported, 404 plausible (§4.4)
@pytest.mark.parametrize('email,switches,status,why', [
    ('pending.invited@example.com', {}, 'pending', ''),
    ('expired.invite@example.com', {}, 'stuck_invitation', 'REST code 1120'),
    ('deleted.invite@example.com', {}, 'stuck_invitation', 'invitation was deleted'),  # REST 404 code 1001
    ('deleted.invite@example.com', {'unknown_email_lookup_code': 1010}, 'stuck_invitation', 'REST code 1010'),
])
def test_lookup_trap_becomes_state(zoomsim, sim_client, trap_status, email, switches, status, why):
    load_world(zoomsim, scim_pending_status=trap_status, **switches)
    start = zoomsim.mark()
    found = scim_lookup(sim_client, email)
    assert found.status == status
    assert 'not exist or not belong' in found.detail and why in found.detail
    assert found.rest is not None
    assert calls(zoomsim, start) == [('GET', SCIM_USERS), ('GET', '/v2/users/' + email)]
    assert zoomsim.writes_since(start) == []


def test_lookup_trap_but_rest_has_real_user(make_client, zoom_stub):
    """SCIM and REST disagreeing (the invitee accepts between the two reads) is a race the simulator's world never has."""
    zoom_stub.reply('GET', SCIM_USERS, status=400, json={'status': 400, 'detail': TRAP.message})
    zoom_stub.reply('GET', '/v2/users/%s' % EMAIL, json={'id': 'u-1', 'email': EMAIL, 'type': 1, 'status': 'active'})
    zoom_stub.reply('GET', SCIM_USERS + '/u-1', json=resource())
    found = scim_lookup(make_client(), EMAIL)
    assert found.status == 'active' and found.resource['id'] == 'u-1'


def test_lookup_other_errors_raise(zoomsim, sim_client):
    load_world(zoomsim, account={'sso_enabled': False})
    with pytest.raises(ZoomAPIError, match='Single Sign-On'):
        scim_lookup(sim_client, EMAIL)


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
    assert scim_view(resource(), {'job_title': 'From REST'})['job_title'] == 'From REST'
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

def test_create_scim_user_reads_back(zoomsim, sim_client):
    start = zoomsim.mark()
    outcome = create_scim_user(sim_client, EMAIL, {'first_name': 'Jane'})
    assert outcome.state.status == 'active' and outcome.created and not outcome.confirmed_after_uncertain
    assert outcome.state.resource['name']['givenName'] == 'Jane'
    assert calls(zoomsim, start) == [('POST', SCIM_USERS), ('GET', '%s/%s' % (SCIM_USERS, outcome.state.id))]


def test_create_scim_user_lost_answer_is_confirmed_not_resent(zoomsim, sim_client):
    zoomsim.set_faults({'script': [LOST_CREATE]})
    start = zoomsim.mark()
    outcome = create_scim_user(sim_client, EMAIL, {})
    assert outcome.state.exists and outcome.confirmed_after_uncertain and outcome.sends == 1
    assert calls(zoomsim, start).count(('POST', SCIM_USERS)) == 1


def test_create_scim_user_never_landing_is_sent_again_bounded(zoomsim, sim_client):
    zoomsim.set_faults({'script': [dict(DROPPED_CREATE, times=None)]})
    start = zoomsim.mark()
    with pytest.raises(ZoomCreateError, match='nothing was created') as info:
        create_scim_user(sim_client, EMAIL, {})
    assert calls(zoomsim, start).count(('POST', SCIM_USERS)) == 3 and info.value.created is False
    assert scim_lookup(sim_client, EMAIL).status == 'absent'


def test_create_scim_user_not_landed_once_is_sent_again(zoomsim, sim_client):
    zoomsim.set_faults({'script': [DROPPED_CREATE]})
    outcome = create_scim_user(sim_client, EMAIL, {})
    assert outcome.created and outcome.sends == 2 and outcome.confirmed_after_uncertain
    assert outcome.state.status == 'active'


@pytest.mark.parametrize('email', [
    'someone@partner.example',  # held by another company's Zoom account: SCIM's filter answers an empty list
    'expired.invite@example.com',  # held by a dead invitation (scim_create_on_stuck_email: conflict, §4.4)
])
def test_create_scim_user_refused_says_nothing_was_created(zoomsim, sim_client, email):
    start = zoomsim.mark()
    with pytest.raises(ZoomCreateError, match='nothing was created.*another Zoom account') as info:
        create_scim_user(sim_client, email, {})
    assert info.value.created is False and info.value.path == SCIM_USERS
    assert [entry['status'] for entry in zoomsim.writes_since(start)] == [400]


def test_set_active(sim_client):
    user_id = scim_lookup(sim_client, 'bob@example.com').id
    set_active(sim_client, user_id, False)  # the simulator refuses a body without Zoom's "Operations" (§4.6)
    assert scim_lookup(sim_client, 'bob@example.com').status == 'inactive'
    set_active(sim_client, user_id, True)
    assert scim_lookup(sim_client, 'bob@example.com').status == 'active'


def test_delete_scim_user(sim_client):
    user_id = scim_lookup(sim_client, 'bob@example.com').id
    assert delete_scim_user(sim_client, user_id, 'bob@example.com') == 'removed'
    # the answer to that DELETE lost, sent again: 404, and the lookup confirms the user is gone
    assert delete_scim_user(sim_client, user_id, 'bob@example.com') == 'already_gone'


def test_delete_scim_user_404_but_user_still_there_raises(zoomsim, sim_client):
    start = zoomsim.mark()
    with pytest.raises(ZoomAPIError) as info:
        delete_scim_user(sim_client, 'stale-id', 'alice@example.com')  # 404 but the user is still there: not "gone"
    assert info.value.status == 404 and scim_lookup(sim_client, 'alice@example.com').status == 'active'
    assert [entry['method'] for entry in zoomsim.writes_since(start)] == ['DELETE']


def test_delete_scim_user_admin_refused(sim_client):
    user_id = scim_lookup(sim_client, 'admin@example.com').id
    with pytest.raises(ZoomAPIError, match='Cannot delete Admin user'):
        delete_scim_user(sim_client, user_id, 'admin@example.com')


# ------------------------------------------------------------------------------------------------ phone attributes

@pytest.mark.parametrize('desired,words', [
    ({'extension_number': '\u00b2'}, 'ASCII digits'),
    ({'extension_number': '\u0663'}, 'ASCII digits'),
    ({'extension_number': '12-3'}, 'ASCII digits'),
    ({'extension_number': '1' * 16}, 'has 16 digits'),
    ({'extension_number': '7'}, 'has 1 digits'),  # the one extension rule of the collection: 2 to 15 digits
    ({'extension_number': '0105'}, 'starts with 0'),
    ({'phone_numbers': ['+14155550100', '+14155550101']}, 'at most one'),
    ({'phone_numbers': ['415 555 0100']}, 'E.164'),
    ({'calling_plans': ['200', '300']}, 'at most one'),
    ({'calling_plans': ['']}, 'empty entry'),
    ({'site': '  '}, 'site: empty value'),
])
def test_phone_problems(desired, words):
    problems = phone_problems(desired)
    assert len(problems) == 1 and words in problems[0]
    assert problems[0].split('=')[0].split(' ')[0].split(':')[0] in desired


def test_phone_problems_accepts(zoomsim, sim_client):
    assert phone_problems({'extension_number': '0', 'phone_numbers': ['+14155550100'], 'calling_plans': ['US/CA Unlimited'],
                           'site': 'Main'}) == []
    start = zoomsim.mark()
    assert phone_inventory_problems(sim_client, {'extension_number': '0'}) == []
    assert calls(zoomsim, start) == []  # nothing to read


def test_phone_inventory_problems_read_only_what_is_needed(zoomsim, sim_client):
    start = zoomsim.mark()  # cases: AU/NZ Metered (101) has one seat, held by plan.full@example.com
    problems = phone_inventory_problems(sim_client, {'calling_plans': ['au/nz metered calling plan'], 'site': 'Mars'})
    assert len(problems) == 2 and "'Mars'" in problems[0] and 'Main Site' in problems[0] and 'no free seat' in problems[1]
    assert zoomsim.writes_since(start) == [] and ('GET', '/v2/phone/numbers') not in calls(zoomsim, start)
