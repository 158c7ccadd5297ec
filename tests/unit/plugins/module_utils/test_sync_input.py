# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests of module_utils/_sync_input.py: the people entries checker (every problem at once, aliases, no exception
for any value), the scope and protection rules, the option checks and users_file loading."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import pytest

from hypothesis import given, settings, strategies as st

from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_input import (
    Scope,
    check_entries,
    load_users_file,
    option_problems,
    resolve_path,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils._users import UserState


def person(index, **overrides):
    entry = {'email': 'user%02d@example.com' % index, 'first_name': 'First%d' % index, 'last_name': 'Last%d' % index,
             'phone': {'site': 'HQ', 'extension_number': 1000 + index, 'calling_plans': ['US/CA Unlimited Calling Plan'],
                       'phone_numbers': ['+1415555%04d' % index]}}
    entry.update(overrides)
    return entry


def texts(problems):
    return ' | '.join(str(p) for p in problems)


class TestScope:
    def test_domains_and_patterns(self):
        scope = Scope(['Example.com'], ['*@sales.example.org'])
        assert scope.configured
        assert scope.contains('Ann@EXAMPLE.com')
        assert scope.contains('bob@sales.example.org')
        assert not scope.contains('bob@example.org')
        assert not Scope().configured

    def test_owner_admins_and_patterns_are_protected(self):
        scope = Scope(['example.com'], protected=['breakglass-*@example.com'])

        def state(email, role_id):
            return UserState(email, 'active', id='u', user={'email': email, 'role_id': role_id})
        assert 'owner' in scope.protected_reason('o@example.com', state('o@example.com', '0'))
        assert 'admin' in scope.protected_reason('a@example.com', state('a@example.com', 1))
        assert 'matches' in scope.protected_reason('BreakGlass-1@example.com', state('BreakGlass-1@example.com', '2'))
        assert scope.protected_reason('m@example.com', state('m@example.com', '2')) is None
        assert scope.protected_reason('new@example.com', UserState('new@example.com', 'absent')) is None


class TestEntries:
    def test_every_problem_at_once_naming_entry_field_and_fix(self):
        users = [
            person(1),
            dict(person(2), email='USER01@example.com'),                       # the same person twice
            person(3, phone={'extension_number': 1001}),                      # extension of user01
            person(4, phone={'phone_numbers': ['+14155550001']}),             # number of user01
            {'email': 'not-an-email'},
            person(5, email='x@elsewhere.org'),                               # outside the scope
            person(6, phone={'extension_number': 'abc', 'phone_numbers': ['4155550100']}),
            person(7, first_name=''),
            person(8, colour='red'),
        ]
        desired, problems, deprecations = check_entries(users, 'users', 'ssoCreate', Scope(['example.com']))
        text = texts(problems)
        assert 'users[1] (USER01@example.com).email: the same person as users[0]' in text
        assert 'users[2] (user03@example.com).phone.extension_number: 1001 is also the extension of user01@example.com' in text
        assert '+14155550001 is also listed for user01@example.com' in text
        assert "users[4].email='not-an-email' is not a valid email address" in text
        assert 'users[5] (x@elsewhere.org).email: outside the scope' in text
        assert "users[6] (user06@example.com).phone.extension_number: 'abc' is not an extension" in text
        assert 'E.164' in text
        assert 'first_name must not be empty' in text
        assert 'users[8] (user08@example.com): unsupported key colour' in text
        assert len(problems) == 9
        assert deprecations == []
        assert sorted(set(p.index for p in problems)) == [1, 2, 3, 4, 5, 6, 7, 8]
        assert problems[0].to_dict() == {'index': 1, 'email': 'USER01@example.com', 'field': 'email',
                                         'message': problems[0].text}
        assert [u.email for u in desired][:2] == ['user01@example.com', 'user03@example.com']

    def test_profile_and_phone_are_normalized(self):
        desired, problems, _deprecations = check_entries([person(1, type='licensed', active='no', department='Sales')],
                                                         'users', 'create')
        assert problems == []
        user = desired[0]
        assert user.profile == {'first_name': 'First1', 'last_name': 'Last1', 'display_name': None, 'type': 'licensed',
                                'active': False, 'department': 'Sales', 'job_title': None, 'timezone': None, 'language': None}
        assert user.create_action == 'create'
        assert user.phone == {'site': 'HQ', 'extension_number': 1001, 'calling_plans': ['US/CA Unlimited Calling Plan'],
                              'phone_numbers': ['+14155550001']}
        assert user.phone_state == 'present'

    @pytest.mark.parametrize('entry, expected', [
        ('a@b.com', "users[0]: expected a mapping with at least an email, for example {email: a@b.com}, got the str 'a@b.com'."),
        (None, 'users[0]: empty entry (null): remove it, or give a mapping with at least an email'),
        (42, 'users[0]: expected a mapping with at least an email, for example {email: ann@example.com}, got the int 42.'),
        ({'first_name': 'X'}, 'users[0].email must not be empty'),
        ({'email': ['a@b.com']}, "users[0].email=\"['a@b.com']\" is not a valid email address"),
        ({'email': 'a@b.com/../../phone?x=1'}, 'users[0].email'),
        ({'email': 'a@example.com', 'phone': {'extension_number': '\u00b2'}}, 'has non-ASCII digits'),
        ({'email': 'a@example.com', 'phone': {'calling_plans': ['\u00b2']}}, 'non-ASCII digits'),
        ({'email': 'a@example.com', 'phone': {'extension_number': [1]}}, 'phone.extension_number: [1] is not an extension'),
        ({'email': 'a@example.com', 'phone': 'HQ'}, "users[0] (a@example.com).phone: expected a mapping"),
        ({'email': 'a@example.com', 'phone': {'state': 'gone'}}, "phone.state: 'gone' is not present or absent"),
        ({'email': 'a@example.com', 'type': 'pro'}, "users[0] (a@example.com).type: 'pro' is not a licence type; use basic or licensed"),
        ({'email': 'a@example.com', 'active': 'maybe'}, "active: 'maybe' is not a boolean; use true or false."),
        ({'email': 'a@example.com', 'create_action': 'magic'}, "create_action: 'magic' is not one of ssoCreate"),
        ({'email': 'a@example.com', 'first_name': {'x': 1}}, "first_name: {'x': 1} is not text"),
        ({'email': 'a@example.com', 'job_title': 'x' * 200}, 'job_title'),
    ])
    def test_bad_values_get_our_own_message(self, entry, expected):
        desired, problems, _deprecations = check_entries([entry], 'users')
        assert expected in texts(problems), texts(problems)
        assert all(p.index == 0 for p in problems)

    def test_not_a_list(self):
        _desired, problems, _deprecations = check_entries({'email': 'a@b.com'}, 'users_file')
        assert texts(problems).startswith('users_file: expected a list of people')


class TestDeprecatedNames:
    def test_old_names_map_to_the_vocabulary_with_one_warning_per_key(self):
        users = [
            {'email': 'a@example.com', 'dept': 'Sales', 'user_type': 'licensed', 'extension': 1001,
             'phone_number': '+14155550001', 'calling_plan': 'US/CA Unlimited Calling Plan', 'site': 'HQ'},
            {'email': 'b@example.com', 'extension_number': '1002', 'calling_plans': [200], 'phone_numbers': ['+14155550002']},
            {'email': 'c@example.com', 'dept': 'Ops'},
        ]
        desired, problems, deprecations = check_entries(users, 'users')
        assert problems == []
        first, second, third = desired
        assert first.profile['department'] == 'Sales' and first.profile['type'] == 'licensed'
        assert first.phone == {'site': 'HQ', 'extension_number': 1001, 'calling_plans': ['US/CA Unlimited Calling Plan'],
                               'phone_numbers': ['+14155550001']}
        assert second.phone == {'extension_number': 1002, 'calling_plans': [200], 'phone_numbers': ['+14155550002']}
        assert third.profile['department'] == 'Ops'
        assert len(deprecations) == 9
        dept = [text for text in deprecations if text.startswith('dept ')][0]
        assert dept == ('dept is deprecated in users entries, use department; dept will be removed in 2.0.0 (used by 2 '
                        'entries, first users[0]).')
        assert any(text.startswith('phone_number is deprecated in users entries, use phone.phone_numbers') for text in deprecations)

    def test_old_and_new_name_with_different_values_is_a_problem(self):
        users = [{'email': 'a@example.com', 'dept': 'Sales', 'department': 'Ops', 'extension': 1001,
                  'phone': {'extension_number': 1002}},
                 {'email': 'b@example.com', 'dept': 'Same', 'department': 'Same'}]
        _desired, problems, _deprecations = check_entries(users, 'users')
        text = texts(problems)
        assert 'users[0] (a@example.com).department: set twice, as dept (deprecated) and as department: keep only department.' in text
        assert ('users[0] (a@example.com).phone.extension_number: set twice, as extension (deprecated) and as '
                'phone.extension_number: keep only phone.extension_number.') in text
        assert len(problems) == 2


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
                           lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children,
                                                                                             max_size=3),
                           max_leaves=6)
KEYS = ('email', 'first_name', 'last_name', 'display_name', 'type', 'active', 'create_action', 'department', 'dept',
        'job_title', 'timezone', 'language', 'phone', 'extension', 'phone_number', 'calling_plan', 'site', 'user_type')
PHONE = st.dictionaries(st.sampled_from(('state', 'site', 'extension_number', 'calling_plans', 'phone_numbers', 'x')),
                        JSON_VALUES, max_size=5)


@settings(max_examples=300, deadline=None)
@given(entries=st.lists(st.one_of(JSON_VALUES, st.dictionaries(st.sampled_from(KEYS), JSON_VALUES | PHONE, max_size=6)),
                        max_size=4))
def test_no_value_raises(entries):
    desired, problems, _deprecations = check_entries(entries, 'users')
    flagged = set(p.index for p in problems)
    for index, entry in enumerate(entries):
        # every entry is either accepted or named by a problem; a non-mapping is always a problem
        assert index in flagged or any(user.index == index for user in desired)
        if not isinstance(entry, dict):
            assert index in flagged
    for problem in problems:
        assert problem.text.startswith('users[')


def test_option_problems():
    assert option_problems({'users': [], 'unlisted': 'ignore'}) == []
    problems = option_problems({'users': None, 'users_file': None, 'unlisted': 'remove', 'scope': None, 'concurrency': 0,
                                'transfer_to': 'not an email', 'max_removals': -1})
    text = ' | '.join(problems)
    assert 'Give the people as users' in text
    assert 'needs a scope' in text
    assert 'concurrency must be between 1 and 64, got 0' in text
    assert "transfer_to='not an email'" in text
    assert 'max_removals must be 0 or more' in text
    assert 'give only one of them' in ' '.join(option_problems({'users': [], 'users_file': 'x.yml'}))


def test_users_file_loading(tmp_path):
    path = tmp_path / 'people.yml'
    path.write_text('users:\n  - email: a@example.com\n')
    assert load_users_file(str(path)) == ([{'email': 'a@example.com'}], None)
    path.write_text('[{"email": "b@example.com"}]')
    assert load_users_file(str(path)) == ([{'email': 'b@example.com'}], None)
    path.write_text('email: a@example.com\n')
    assert 'must hold a list of people' in load_users_file(str(path))[1]
    path.write_text('- [unclosed\n')
    assert 'is not valid YAML' in load_users_file(str(path))[1]
    assert 'cannot be read' in load_users_file(str(tmp_path / 'missing.yml'))[1]


def test_relative_paths_are_anchored(tmp_path):
    assert resolve_path('plan/plan.json', str(tmp_path)) == str(tmp_path / 'plan' / 'plan.json')
    assert resolve_path(str(tmp_path / 'x.json')) == str(tmp_path / 'x.json')
    assert resolve_path(None) is None
