# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Checks of the desired Zoom Phone setup, before any call to Zoom: ``normalize_desired`` and its helpers.

Every problem names the option and the fix; user text never reaches ``int()`` unless it is ASCII digits
(``"²".isdigit()`` is True but ``int("²")`` raises). ``_phone`` re-exports these names.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import re

from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import ZoomConfigError
from ansible_collections.zoomops.provisioning.plugins.module_utils._phone_inventory import ASCII_DIGITS_RE, _as_int, _fold
from ansible_collections.zoomops.provisioning.plugins.module_utils._users import validate_email

E164_RE = re.compile(r'\+[1-9][0-9]{1,14}\Z')
EXTENSION_AUTO = 'auto'
# Extension length (docs/ZOOM-API-FACTS.md §5.3): at most 6 digits by default, at most 15 with the account
# feature "15-Digit Max Length Extensions"; short extensions have at least 2.
EXTENSION_MIN_DIGITS = 2
EXTENSION_MAX_DIGITS = 15
# a Zoom user id: what the per-user phone options take besides an email (it goes into the URL path)
USER_ID_RE = re.compile(r'[A-Za-z0-9_-]{1,64}\Z')


def problem(field, value, msg):
    """One planner problem: a dict with the option name, the value and a message naming the fix."""
    return {'field': field, 'value': value, 'msg': msg}


def valid_e164(number):
    return isinstance(number, str) and bool(E164_RE.match(number))


def _is_numeric_text(text):
    """True for text made only of Unicode digits/numerals ('²', '٣', '1'): what a user means as a number."""
    return text.isnumeric()  # every digit is numeric; False for ''


def extension_problem(value):
    """The problem of an extension that is not ``auto``, or None when it is a valid full extension number."""
    text = str(value).strip()
    fix = ("give the full extension number in ASCII digits (site code + short extension, %d to %d digits, e.g. 1005) "
           "or 'auto' to let Zoom pick one." % (EXTENSION_MIN_DIGITS, EXTENSION_MAX_DIGITS))
    if not ASCII_DIGITS_RE.match(text):
        what = 'has non-ASCII digits' if _is_numeric_text(text) else 'is not an extension'
        return 'extension_number: %r %s; %s' % (value, what, fix)
    if text.startswith('0'):
        return ('extension_number: %r starts with 0; Zoom stores extensions as numbers and would drop the leading zero; '
                '%s' % (value, fix))
    if not EXTENSION_MIN_DIGITS <= len(text) <= EXTENSION_MAX_DIGITS:
        return 'extension_number: %r has %d digits; %s' % (value, len(text), fix)
    return None


def normalize_desired(site=None, extension_number=None, calling_plans=None, phone_numbers=None):
    """Check and normalise the desired phone setup; return ``(desired, problems)``. No I/O.

    ``extension_number``: int, string of ASCII digits or ``auto``; ``calling_plans``:
    names or ASCII type codes; ``phone_numbers``: E.164. ``None`` means "not
    managed". Malformed values and duplicates become problems naming the
    option and the fix, all at once; nothing here raises on user text.
    """
    problems = []
    desired = {}
    if site is not None:
        site = str(site).strip()
        if not site:
            problems.append(problem('site', site, 'site: empty value; give a site name or id (see zoom_phone_info gather=sites) or leave it out.'))
        desired['site'] = site
    if extension_number is not None:
        text = '' if isinstance(extension_number, bool) else str(extension_number).strip()
        if text.casefold() == EXTENSION_AUTO:
            desired['extension_number'] = EXTENSION_AUTO
        else:
            message = extension_problem(text)
            if message is None:
                desired['extension_number'] = int(text)
            else:
                problems.append(problem('extension_number', extension_number, message))
    if calling_plans is not None:
        refs = []
        seen = {}
        for ref in calling_plans:
            text = str(ref).strip() if ref is not None and not isinstance(ref, bool) else ''
            if not text:
                problems.append(problem('calling_plans', ref, 'calling_plans: empty entry; give a plan name such as "US/CA Unlimited '
                                        'Calling Plan" or a type code such as 200.'))
                continue
            if _is_numeric_text(text) and not ASCII_DIGITS_RE.match(text):
                problems.append(problem('calling_plans', ref, 'calling_plans: %r has non-ASCII digits; write a type code in ASCII '
                                        'digits (e.g. 200) or the name of one of the account\'s plans (zoom_phone_info '
                                        'gather=calling_plans).' % (ref,)))
                continue
            ref = _as_int(text) if _as_int(text) is not None else text
            key = ref if isinstance(ref, int) else _fold(ref)
            if key in seen:
                problems.append(problem('calling_plans', ref, 'calling_plans: %r is listed twice; list each plan once.' % (ref,)))
                continue
            seen[key] = True
            refs.append(ref)
        desired['calling_plans'] = refs
    if phone_numbers is not None:
        numbers = []
        for number in phone_numbers:
            text = str(number).strip() if number is not None else ''
            if not valid_e164(text):
                problems.append(problem('phone_numbers', number,
                                        'phone_numbers: %r is not an E.164 number; write it as + country code and ASCII digits '
                                        'without spaces or dashes, e.g. +14155550100.' % (number,)))
                continue
            if text in numbers:
                problems.append(problem('phone_numbers', text, 'phone_numbers: %s is listed twice; list each number once.' % text))
                continue
            numbers.append(text)
        desired['phone_numbers'] = numbers
    return desired, problems


def check_user_ref(value, field='email'):
    """The email or Zoom user id, stripped; raises ``ZoomConfigError`` naming ``field`` and the fix.

    Checked before any call: the value goes into URL paths, so '/', '?', '..' and the like are refused here.
    """
    text = str(value).strip() if value is not None else ''
    if '@' in text:
        return validate_email(text, field=field)
    if not USER_ID_RE.match(text):
        raise ZoomConfigError('%s=%r is neither an email address nor a Zoom user id: give the user\'s email address, for '
                              'example jane.doe@example.com, or the id Zoom shows for the user (letters, digits, - and _).'
                              % (field, text))
    return text
