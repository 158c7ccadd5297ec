# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_compare: compare only what the user set; diffs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import pytest

from hypothesis import given, settings, strategies as st

from ansible_collections.zoomops.provisioning.plugins.module_utils._compare import (
    apply_changes,
    as_set,
    as_text,
    casefold,
    changed_fields,
    diff_dict,
    diff_from_changes,
    is_email_field,
    values_equal,
)

CURRENT = {
    'id': 'u1',
    'email': 'Ada.Lovelace@Example.com',
    'first_name': 'Ada',
    'last_name': 'Lovelace',
    'type': 2,
    'dept': 'Math',
    'group_ids': ['g2', 'g1'],
    'feature': {'zoom_phone': False, 'large_meeting': True},
    'created_at': '2024-01-01T00:00:00Z',
}


def test_only_user_set_fields_are_compared():
    desired = {'first_name': 'Ada', 'last_name': None, 'dept': None, 'type': 2}
    assert changed_fields(desired, CURRENT) == {}


def test_changed_values_reported_before_after():
    changes = changed_fields({'first_name': 'Augusta', 'type': 1}, CURRENT)
    assert changes == {'first_name': ('Ada', 'Augusta'), 'type': (2, 1)}


def test_email_compare_is_case_insensitive():
    assert changed_fields({'email': 'ada.lovelace@example.COM '}, CURRENT) == {}
    assert changed_fields({'email': 'ada@example.com'}, CURRENT) == {'email': ('Ada.Lovelace@Example.com', 'ada@example.com')}
    assert changed_fields({'manager_email': 'BOSS@x.com'}, {'manager_email': 'boss@x.com'}) == {}
    assert changed_fields({'userName': 'A@X.com'}, {'userName': 'a@x.com'}) == {}
    # other text fields stay case-sensitive unless asked
    assert changed_fields({'dept': 'math'}, CURRENT) == {'dept': ('Math', 'math')}
    assert changed_fields({'dept': 'math'}, CURRENT, casefold_fields=('dept',)) == {}


def test_set_fields_ignore_order_and_duplicates():
    assert changed_fields({'group_ids': ['g1', 'g2', 'g1']}, CURRENT, set_fields=('group_ids',)) == {}
    assert changed_fields({'group_ids': ['g1', 'g2']}, CURRENT) == {'group_ids': (['g2', 'g1'], ['g1', 'g2'])}
    assert changed_fields({'group_ids': ['g1']}, CURRENT, set_fields=('group_ids',)) == {'group_ids': (['g2', 'g1'], ['g1'])}
    assert changed_fields({'group_ids': []}, {'group_ids': None}, set_fields=('group_ids',)) == {}
    plans = [{'type': 200}, {'type': 100}]
    assert changed_fields({'calling_plans': [{'type': 100}, {'type': 200}]}, {'calling_plans': plans}, set_fields=('calling_plans',)) == {}


def test_nested_dicts_compare_only_set_keys():
    assert changed_fields({'feature': {'zoom_phone': False}}, CURRENT) == {}
    assert changed_fields({'feature': {'zoom_phone': False, 'other': None}}, CURRENT) == {}
    changes = changed_fields({'feature': {'zoom_phone': True}}, CURRENT)
    assert changes == {'feature': ({'zoom_phone': False}, {'zoom_phone': True})}
    assert changed_fields({'feature': {'zoom_phone': True}}, {}) == {'feature': (None, {'zoom_phone': True})}


def test_normalizers():
    current = {'extension_number': 1001}
    assert changed_fields({'extension_number': '1001'}, current) == {'extension_number': (1001, '1001')}
    assert changed_fields({'extension_number': '1001'}, current, normalizers={'extension_number': as_text}) == {}
    assert changed_fields({'numbers': ['+1 555']}, {'numbers': ['+1555']}, normalizers={'numbers': lambda v: v.replace(' ', '')}) == {}


def test_bool_is_not_int():
    assert changed_fields({'flag': True}, {'flag': 1}) == {'flag': (1, True)}
    assert changed_fields({'count': 0}, {'count': False}) == {'count': (False, 0)}


def test_absent_current():
    assert changed_fields({'first_name': 'Ada', 'x': None}, None) == {'first_name': (None, 'Ada')}


def test_apply_changes_predicts_result():
    changes = changed_fields({'first_name': 'Augusta', 'feature': {'zoom_phone': True}}, CURRENT)
    after = apply_changes(CURRENT, changes)
    assert after['first_name'] == 'Augusta'
    assert after['feature'] == {'zoom_phone': True, 'large_meeting': True}
    assert CURRENT['first_name'] == 'Ada'  # input untouched
    assert changed_fields({'first_name': 'Augusta', 'feature': {'zoom_phone': True}}, after) == {}


def test_diff_helpers():
    changes = changed_fields({'first_name': 'Augusta'}, CURRENT)
    assert diff_from_changes(changes, before_extra={'email': 'a@x'}, after_extra={'email': 'a@x'}) == {
        'before': {'email': 'a@x', 'first_name': 'Ada'}, 'after': {'email': 'a@x', 'first_name': 'Augusta'}}
    assert diff_dict(None, {'email': 'a@x'}) == {'before': {}, 'after': {'email': 'a@x'}}
    assert diff_dict({'email': 'a@x', 'id': 1}, None) == {'before': {'email': 'a@x', 'id': 1}, 'after': {}}
    assert diff_dict(CURRENT, {'first_name': 'B', 'zzz': 1}, keys=['first_name']) == {
        'before': {'first_name': 'Ada'}, 'after': {'first_name': 'B'}}
    before = {'a': [1]}
    diff = diff_dict(before, before)
    diff['before']['a'].append(2)
    assert before == {'a': [1]}  # copies, not references


def test_small_helpers():
    assert is_email_field('email') and is_email_field('manager_email') and is_email_field('userName')
    assert not is_email_field('emails_sent')
    assert casefold(' A@B.com ') == 'a@b.com' and casefold(3) == 3
    assert as_text(5) == '5' and as_text(True) is True and as_text(None) is None
    assert as_set(None) == frozenset() and as_set('x') == frozenset(['x'])
    assert values_equal('x', None, 'anything')


@pytest.mark.parametrize('desired, current', [
    ({'a': 'x'}, {'a': 'x', 'b': 'server default'}),
    ({'a': {'b': 1}}, {'a': {'b': 1, 'c': 2}}),
    ({'email': 'A@B.C'}, {'email': 'a@b.c'}),
])
def test_server_defaults_never_cause_changes(desired, current):
    assert changed_fields(desired, current) == {}


_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=4))
_keys = st.sampled_from(['email', 'first_name', 'dept', 'type', 'group_ids', 'feature'])
_values = st.one_of(_scalars, st.lists(st.text(max_size=3), max_size=4), st.dictionaries(st.sampled_from(['x', 'y']), _scalars, max_size=2))


@settings(max_examples=300, deadline=None)
@given(desired=st.dictionaries(_keys, _values, max_size=6), current=st.dictionaries(_keys, _values, max_size=6))
def test_applying_changes_converges(desired, current):
    """After applying the reported changes nothing is left to change (idempotence of a rerun)."""
    changes = changed_fields(desired, current, set_fields=('group_ids',))
    for name in changes:
        assert desired[name] is not None
    after = apply_changes(current, changes)
    assert changed_fields(desired, after, set_fields=('group_ids',)) == {}
    # fields the user did not set are untouched
    for name, value in current.items():
        if desired.get(name) is None:
            assert after[name] == value
