# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_compare: the diff shape of the modules."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

from ansible_collections.zoomops.provisioning.plugins.module_utils._compare import diff_dict

CURRENT = {'id': 'u1', 'email': 'Ada.Lovelace@Example.com', 'first_name': 'Ada', 'last_name': 'Lovelace'}


def test_absent_side_is_an_empty_dict():
    assert diff_dict(None, {'email': 'a@x'}) == {'before': {}, 'after': {'email': 'a@x'}}
    assert diff_dict({'email': 'a@x', 'id': 1}, None) == {'before': {'email': 'a@x', 'id': 1}, 'after': {}}


def test_keys_limit_both_sides():
    assert diff_dict(CURRENT, {'first_name': 'B', 'zzz': 1}, keys=['first_name']) == {
        'before': {'first_name': 'Ada'}, 'after': {'first_name': 'B'}}
    assert diff_dict(CURRENT, {}, keys=('email', 'missing')) == {'before': {'email': 'Ada.Lovelace@Example.com'}, 'after': {}}


def test_sides_are_copies():
    before = {'a': [1]}
    diff = diff_dict(before, before)
    diff['before']['a'].append(2)
    assert before == {'a': [1]} and diff['after'] == {'a': [1]}
