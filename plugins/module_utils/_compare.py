# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Compare only what the user set, and build Ansible diffs.

Pure functions (no I/O), shared by the single-user modules and the sync module::

    changes = changed_fields({'first_name': 'Ada', 'dept': None}, current_user)
    # {'first_name': ('Adah', 'Ada')}    -- dept is None: not set by the user, ignored
    diff = diff_from_changes(changes)    # {'before': {'first_name': 'Adah'}, 'after': {'first_name': 'Ada'}}

Rules of ``changed_fields``:

* a desired value of ``None`` means "not set by the user": never compared;
* nested dicts are compared key by key, again only for the keys the user set;
* fields whose name is ``email``, ends in ``_email`` or is ``userName`` are
  compared case-insensitively (``casefold_fields`` adds more);
* lists named in ``set_fields`` are compared as sets (order and duplicates
  ignored); other lists are compared in order;
* ``normalizers`` maps a field name to a function applied to both sides
  before comparing (for example ``str`` for Zoom's integer extension numbers).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import copy

from json import dumps as json_dumps


def is_email_field(name):
    """True for field names that hold an email address (compared case-insensitively)."""
    lowered = str(name).lower()
    return lowered in ('email', 'username', 'user_name') or lowered.endswith('_email')


def casefold(value):
    """Case-folded, stripped text (emails); other values unchanged."""
    if isinstance(value, str):
        return value.strip().casefold()
    return value


def as_text(value):
    """``str(value)`` for numbers and text (``1001`` equals ``'1001'``); None and booleans unchanged."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float, str)):
        return str(value)
    return value


def _hashable(value):
    if isinstance(value, (dict, list)):
        return json_dumps(value, sort_keys=True, default=str)
    return value


def as_set(values, normalizer=None):
    """A frozenset of (normalised) list items; dicts and lists are keyed by their sorted JSON."""
    if values is None:
        return frozenset()
    if not isinstance(values, (list, tuple, set, frozenset)):
        values = [values]
    result = set()
    for item in values:
        if normalizer is not None:
            item = normalizer(item)
        result.add(_hashable(item))
    return frozenset(result)


def _subset(current, desired):
    """The part of ``current`` that corresponds to the keys set in ``desired`` (recursively)."""
    if not isinstance(desired, dict):
        return current
    if not isinstance(current, dict):
        return current
    result = {}
    for key, value in desired.items():
        if value is None:
            continue
        result[key] = _subset(current.get(key), value)
    return result


def values_equal(name, desired, current, normalizers=None, set_fields=(), casefold_fields=()):
    """True if ``current`` already satisfies ``desired`` for field ``name`` (see the module docstring)."""
    normalizers = normalizers or {}
    if desired is None:
        return True
    normalizer = normalizers.get(name)
    if normalizer is None and (is_email_field(name) or name in casefold_fields):
        normalizer = casefold
    if isinstance(desired, dict):
        if not isinstance(current, dict):
            return False
        for key, value in desired.items():
            if not values_equal(key, value, current.get(key), normalizers, set_fields, casefold_fields):
                return False
        return True
    if name in set_fields:
        if current is None:
            current = []
        return as_set(desired, normalizer) == as_set(current, normalizer)
    if normalizer is not None:
        if isinstance(desired, (list, tuple)) and isinstance(current, (list, tuple)):
            return [normalizer(item) for item in desired] == [normalizer(item) for item in current]
        return normalizer(desired) == normalizer(current)
    if isinstance(desired, tuple):
        desired = list(desired)
    if isinstance(current, tuple):
        current = list(current)
    if isinstance(desired, bool) != isinstance(current, bool):
        # True == 1 in Python, not in an API
        return False
    return desired == current


def changed_fields(desired, current, normalizers=None, set_fields=(), casefold_fields=()):
    """``{name: (before, after)}`` for every field the user set (not None) whose current value differs.

    ``before`` is the current value (for nested dicts only the keys the user
    set), ``after`` the desired value. ``current`` may be None (object absent).
    """
    current = current or {}
    changes = {}
    for name, value in (desired or {}).items():
        if value is None:
            continue
        before = current.get(name)
        if values_equal(name, value, before, normalizers, set_fields, casefold_fields):
            continue
        after = _strip_none(value)
        changes[name] = (copy.deepcopy(_subset(before, value)), copy.deepcopy(after))
    return changes


def _strip_none(value):
    if isinstance(value, dict):
        return dict((key, _strip_none(item)) for key, item in value.items() if item is not None)
    return value


def _deep_merge(base, update):
    result = copy.deepcopy(base) if isinstance(base, dict) else {}
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _deep_merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def apply_changes(current, changes):
    """The object ``current`` would become after ``changes`` (for check mode's predicted result)."""
    result = copy.deepcopy(current) if current else {}
    for name, pair in changes.items():
        after = pair[1]
        if isinstance(after, dict) and isinstance(result.get(name), dict):
            result[name] = _deep_merge(result[name], after)
        else:
            result[name] = copy.deepcopy(after)
    return result


def diff_dict(before, after, keys=None):
    """Ansible's ``{'before': ..., 'after': ...}`` diff; ``None`` (absent) becomes ``{}``.

    With ``keys`` only those top-level keys are shown on both sides.
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


def diff_from_changes(changes, before_extra=None, after_extra=None):
    """A diff showing only the changed fields of ``changed_fields()`` (plus optional extra keys on each side)."""
    before = dict(before_extra or {})
    after = dict(after_extra or {})
    for name, pair in changes.items():
        before[name] = copy.deepcopy(pair[0])
        after[name] = copy.deepcopy(pair[1])
    return {'before': before, 'after': after}
