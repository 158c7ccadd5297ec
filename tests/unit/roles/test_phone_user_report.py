# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The phone_user role's helper script: defaults merged under each person by the module's own key names."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import importlib.util
import os

import pytest

SCRIPT = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, os.pardir, 'roles', 'phone_user', 'files',
                      'phone_user_report.py')


@pytest.fixture(scope='module', name='report')
def report_script():
    spec = importlib.util.spec_from_file_location('phone_user_report', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize('person,defaults,expected', [
    # a deprecated key of the person wins over the default of the field it stands for
    ({'email': 'a@example.com', 'dept': 'Sales'}, {'department': 'R&D'}, {'email': 'a@example.com', 'dept': 'Sales'}),
    ({'email': 'a@example.com', 'user_type': 'basic'}, {'type': 'licensed'}, {'email': 'a@example.com', 'user_type': 'basic'}),
    ({'email': 'a@example.com', 'extension': 1001}, {'phone': {'extension_number': 'auto', 'site': 'HQ'}},
     {'email': 'a@example.com', 'extension': 1001, 'phone': {'site': 'HQ'}}),
    ({'email': 'a@example.com', 'phone': {'site': 'Paris'}}, {'department': 'R&D', 'phone': {'site': 'HQ', 'calling_plans': [200]}},
     {'email': 'a@example.com', 'department': 'R&D', 'phone': {'site': 'Paris', 'calling_plans': [200]}}),
])
def test_defaults_go_under_each_person(report, person, defaults, expected):
    assert report.merge_defaults(person, defaults) == expected


def test_an_unreadable_people_file_names_the_role_variable(report, tmp_path):
    path = tmp_path / 'people.yml'
    path.write_text('users: {not: [a list')
    with pytest.raises(ValueError, match='^phone_user_people_file=.*is not valid YAML'):
        report.people_of({'people_file': str(path)})
    path.write_text('{"users": [{"email": "a@example.com"}]}')
    assert report.people_of({'people_file': str(path)}) == [{'email': 'a@example.com'}]


def test_a_refused_list_is_reported_per_person(report):
    result = {'refusal': {'rule': 'problems'}, 'problem_details': [
        {'index': 1, 'email': 'b@example.com', 'field': 'phone.extension_number',
         'message': "users[1] (b@example.com).phone.extension_number: '7' has 1 digits; give 2 to 15."}]}
    people = [{'email': 'a@example.com'}, {'email': 'b@example.com'}]
    refused = report.list_refused(result)
    entries = report.build_report(people, result, {}, refused=refused)
    assert refused and [item['status'] for item in entries] == ['not_started', 'refused']
    assert entries[1]['message'] == "phone.extension_number: '7' has 1 digits; give 2 to 15."
    assert report.summary(entries, refused=refused)['refused'] is True
    assert report.list_refused({'totals': {}, 'refusal': None}) is False
