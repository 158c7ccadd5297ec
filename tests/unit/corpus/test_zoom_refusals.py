# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Zoom's refusals (issue #10 item 4): each account condition of zoomsim.testing.FAULT_CONDITIONS, per module.

A refusal Zoom will not lift by itself (a scope the app lacks, the REST API disabled, no free licence)
must stop the run with one message that says what Zoom said and what to change, with nothing half done:
no write that Zoom accepted. A refusal that passes (the 429 "Too many concurrent requests" on a removal)
must be waited out: the run converges and reports only what Zoom did.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import pytest

from ansible_collections.zoomops.provisioning.tests.unit.corpus.conftest import (  # pylint: disable=import-error
    corpus_world, has_traceback, result_text)

zoomsim_testing = pytest.importorskip('zoomsim.testing')

pytestmark = pytest.mark.usefixtures('fast_retries')

SCOPE_FIX = ['add the scope', 'add it', 'scopes of the app', 'marketplace', 'grant']
REST_FIX = ['zoom support', 'contact', 'enable']
SEAT_FIX = ['free a', 'buy', 'more licen', 'type: basic', 'type=basic', 'seats', 'remove']
NEW = {'users': [{'email': 'refused.one@example.com'}, {'email': 'refused.two@example.com'}],
       'scope': {'emails': ['refused.one@example.com', 'refused.two@example.com']}}
DELETE_BOB = {'email': 'bob@example.com', 'state': 'absent', 'removal_action': 'delete', 'allow_data_loss': True}
SYNC_DELETE_BOB = {'users': [{'email': 'alice@example.com'}], 'scope': {'emails': ['alice@example.com', 'bob@example.com']},
                   'unlisted': 'remove', 'removal_action': 'delete', 'allow_data_loss': True, 'max_removal_percent': 100}

# id, module, args, world (behaviour switches and account fields), expected: 'refused' with the words the
# message must hold (`names`: all of them; `fix`: one of them), or 'converges' with the user that must be gone.
REFUSALS = [
    dict(id='scopes-user-create', module='zoom_user', args={'email': 'refused.one@example.com'},
         behaviour={'app_scopes': []}, names=['scope'], fix=SCOPE_FIX),
    dict(id='scopes-scim-create', module='zoom_scim_user', args={'email': 'refused.one@example.com'},
         behaviour={'app_scopes': []}, names=['scope'], fix=SCOPE_FIX),
    dict(id='scopes-phone', module='zoom_phone_user', args={'email': 'nophone@example.com', 'extension_number': '1550'},
         behaviour={'app_scopes': []}, names=['scope'], fix=SCOPE_FIX),
    dict(id='scopes-sync', module='zoom_user_sync', args=NEW, behaviour={'app_scopes': []}, names=['scope'], fix=SCOPE_FIX),
    dict(id='scopes-export', module='zoom_user_info', args={}, behaviour={'app_scopes': []}, names=['scope'], fix=SCOPE_FIX),
    dict(id='rest-disabled-user', module='zoom_user', args={'email': 'refused.one@example.com'},
         behaviour={'rest_api_disabled': True}, names=['rest api'], fix=REST_FIX),
    dict(id='rest-disabled-scim', module='zoom_scim_user', args={'email': 'refused.one@example.com'},
         behaviour={'rest_api_disabled': True}, names=['api'], fix=REST_FIX),
    dict(id='rest-disabled-sync', module='zoom_user_sync', args=NEW, behaviour={'rest_api_disabled': True}, names=['rest api'], fix=REST_FIX),
    dict(id='no-paid-seat-create', module='zoom_user', args={'email': 'refused.one@example.com', 'type': 'licensed'},
         account={'paid_seats': 0}, names=['licen'], fix=SEAT_FIX),
    dict(id='no-paid-seat-create-3412', module='zoom_user', args={'email': 'refused.one@example.com', 'type': 'licensed'},
         account={'paid_seats': 0}, behaviour={'seat_limit_error': '3412'}, names=['licen'], fix=SEAT_FIX),
    dict(id='no-basic-seat-create', module='zoom_user', args={'email': 'refused.one@example.com', 'type': 'basic'},
         account={'basic_seats': 0}, names=['basic'], fix=SEAT_FIX),
    dict(id='no-paid-seat-upgrade', module='zoom_user', args={'email': 'bob@example.com', 'type': 'licensed'},
         account={'paid_seats': 0}, names=['licen'], fix=SEAT_FIX),
    dict(id='no-basic-seat-reactivate-3412', module='zoom_user', args={'email': 'ivan.inactive@example.com', 'active': True},
         account={'basic_seats': 0}, behaviour={'seat_limit_error': '3412'}, names=['basic'], fix=SEAT_FIX),
    dict(id='no-paid-seat-scim-create', module='zoom_scim_user', args={'email': 'refused.one@example.com', 'type': 'licensed'},
         account={'paid_seats': 0}, names=['licen'], fix=SEAT_FIX),
    dict(id='no-paid-seat-sync', module='zoom_user_sync', args=dict(NEW, new_user_type='licensed'),
         account={'paid_seats': 0}, names=['licen'], fix=SEAT_FIX),
    dict(id='removal-concurrent-once-user', module='zoom_user', args=DELETE_BOB,
         behaviour={'removal_concurrent_429': 'once'}, gone='bob@example.com'),
    dict(id='removal-concurrent-once-removed-user', module='zoom_user', args=DELETE_BOB,
         behaviour={'removal_concurrent_429': 'once_removed'}, gone='bob@example.com'),
    dict(id='removal-concurrent-once-sync', module='zoom_user_sync', args=SYNC_DELETE_BOB,
         behaviour={'removal_concurrent_429': 'once'}, gone='bob@example.com'),
    dict(id='removal-concurrent-once-removed-sync', module='zoom_user_sync', args=SYNC_DELETE_BOB,
         behaviour={'removal_concurrent_429': 'once_removed'}, gone='bob@example.com'),
]


def test_every_condition_is_covered():
    covered = set()
    for case in REFUSALS:
        covered.update(case.get('behaviour') or {})
        covered.update(case.get('account') or {})
    assert set(zoomsim_testing.FAULT_CONDITIONS) <= covered, set(zoomsim_testing.FAULT_CONDITIONS) - covered


@pytest.mark.parametrize('case', REFUSALS, ids=[case['id'] for case in REFUSALS])
def test_zoom_refusal(case, corpus_sim, run_zoom):
    corpus_sim.load(zoomsim_testing.world_with(corpus_world(), account=case.get('account'), **(case.get('behaviour') or {})))
    result = run_zoom(case['module'], case['args'])
    assert not has_traceback(result), (result.get('exception') or '')[-800:]
    text = result_text(result)
    if 'gone' in case:
        assert not result.get('failed'), 'did not converge: %s' % text
        assert result.get('changed') is True
        assert corpus_sim.user(case['gone']) is None, '%s is still in the account' % case['gone']
        return
    accepted = [(w['method'], w['path'], w['status']) for w in corpus_sim.writes() if 200 <= w['status'] < 300]
    problems = []
    if not result.get('failed'):
        problems.append('not refused (changed=%s)' % result.get('changed'))
    missing = [word for word in case['names'] if word not in text.lower()]
    if missing:
        problems.append('message does not say %s' % missing)
    if not any(fix in text.lower() for fix in case['fix']):
        problems.append('message does not say what to change (one of %s)' % case['fix'])
    if accepted:
        problems.append('half done: Zoom accepted %s' % accepted)
    assert not problems, '%s\nmessage: %s' % ('; '.join(problems), text[:1500])
