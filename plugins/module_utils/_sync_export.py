# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""zoom_user_info export: the account (a ``_sync_read.Snapshot``) as ``users`` entries of zoom_user_sync."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

from ansible_collections.zoomops.provisioning.plugins.module_utils._phone import summarize_phone_user
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_input import email_key
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_read import REST_FIELD, USER_STATUSES
from ansible_collections.zoomops.provisioning.plugins.module_utils._users import UserState, type_name

EXPORTED_TEXT_FIELDS = ('department', 'job_title')


def export_user(row, phone_row=None, inventory=None):
    """One account user as a ``users`` entry of zoom_user_sync (only fields the sync module takes)."""
    item = {'email': row.get('email')}
    first = row.get('first_name') or ''
    last = row.get('last_name') or ''
    if first:
        item['first_name'] = first
    if last:
        item['last_name'] = last
    display = row.get('display_name') or ''
    if display and display != ' '.join(part for part in (first.strip(), last.strip()) if part):
        item['display_name'] = display
    name = type_name(row.get('type')) if row.get('type') is not None else None
    if name in ('basic', 'licensed'):
        item['type'] = name
    for option in EXPORTED_TEXT_FIELDS:
        if row.get(REST_FIELD[option]):
            item[option] = row[REST_FIELD[option]]
    if row.get('status') == 'inactive':
        item['active'] = False
    if phone_row is not None:
        summary = summarize_phone_user(phone_row, inventory)
        phone = {}
        if summary.get('site'):
            phone['site'] = summary['site']
        if summary.get('extension_number') is not None:
            phone['extension_number'] = str(summary['extension_number'])
        phone['calling_plans'] = list(summary.get('calling_plans') or [])
        phone['phone_numbers'] = list(summary.get('phone_numbers') or [])
        item['phone'] = phone
    return item


def export_users(snap, scope=None, emails=None, statuses=USER_STATUSES, include_admins=False):
    """The account's users as a list of ``users`` entries, sorted by email.

    ``scope``: a ``_sync_input.Scope`` (None: every user). The account owner and admins are left out unless
    ``include_admins``: zoom_user_sync never changes them (it lists them as protected and warns), so an export meant
    as its input would only add warnings.
    """
    wanted = set(email_key(e) for e in emails or [])
    result = []
    for key, row in sorted(snap.all_rows()):
        if (row.get('status') or 'active') not in statuses:
            continue
        if scope is not None and scope.configured and not scope.contains(key):
            continue
        if wanted and key not in wanted:
            continue
        if not include_admins and UserState(row.get('email') or key, 'active', user=row).role in ('owner', 'admin'):
            continue
        result.append(export_user(row, snap.phone_rows.get(key), snap.inventory))
    return result
