# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Ansible diffs (``--diff``) of the modules.

Each planner (``_users.plan_user``, ``_scim.plan_scim``, ``_phone.plan_phone``, the sync's planner) compares only
the fields the user set, in its own terms; what they share is the shape of the diff they return::

    diff = diff_dict(before, after, keys=['first_name', 'last_name'])   # {'before': {...}, 'after': {...}}
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import copy


def diff_dict(before, after, keys=None):
    """Ansible's ``{'before': ..., 'after': ...}`` diff; ``None`` (absent) becomes ``{}``.

    With ``keys`` only those top-level keys are shown on both sides. Both sides are copies.
    """
    before = copy.deepcopy(before) if before is not None else {}
    after = copy.deepcopy(after) if after is not None else {}
    if keys is not None:
        keys = list(keys)
        if isinstance(before, dict):
            before = dict((key, before[key]) for key in keys if key in before)
        if isinstance(after, dict):
            after = dict((key, after[key]) for key in keys if key in after)
    return {'before': before, 'after': after}
