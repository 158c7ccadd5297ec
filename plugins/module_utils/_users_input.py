# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Input checks for a person (the modules' options, the sync's entries, the role's people): pure, never raise.

Each ``*_problems`` function returns a list of sentences, each naming the field and the fix, so a caller can
collect every problem of its input and refuse it at once (``raise_problems``) before the first call to Zoom.
``_users`` re-exports these names.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import re

try:
    import zoneinfo
except ImportError:  # pragma: no cover - Python < 3.9
    zoneinfo = None

from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import ZoomConfigError


USER_TYPES = {'basic': 1, 'licensed': 2}
TYPE_NAMES = {1: 'basic', 2: 'licensed', 3: 'on_prem', 4: 'unassigned', 99: 'none'}

# Zoom's length limits of a person's text fields (Users API schema); the one table every input checker reads
TEXT_LIMITS = {'first_name': 64, 'last_name': 64, 'display_name': 128, 'department': 128, 'job_title': 128}
NAME_LIMITS = tuple(TEXT_LIMITS.items())

# Web portal language codes from Zoom's abbreviation list
# (https://developers.zoom.us/docs/api/rest/other-references/abbreviation-lists/#languages); Zoom's own spelling.
LANGUAGES = ('en-US', 'de-DE', 'es-ES', 'fr-FR', 'jp-JP', 'pt-PT', 'ru-RU', 'zh-CN', 'zh-TW', 'ko-KO', 'it-IT',
             'vi-VN', 'pl-PL', 'Tr-TR', 'id-ID', 'nl-NL', 'sv-SE')
_LANGUAGE_BY_FOLD = dict((code.casefold(), code) for code in LANGUAGES)
# Used only when the machine has no time zone database: IANA Area/Location names.
_TZ_PATTERN = re.compile(r'^(?:(?:Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc)'
                         r'(?:/[A-Za-z0-9_+-]{1,30}){1,2}|UTC|GMT)$')

_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_RE = re.compile(r'^(?P<local>%s)@(?P<domain>%s(?:\.%s)*\.[A-Za-z]{2,63})$' % (_LOCAL, _LABEL, _LABEL))
# An email is a URL path segment (GET /v2/users/{email}); these would change which endpoint is called.
PATH_CHARACTERS = ('/', '?', '#', '%', '\\')


def norm_email(email):
    """The comparison key of an email (Zoom's email case rules are not established, docs/ZOOM-API-FACTS.md §7)."""
    return (email or '').strip().casefold()


def email_domain(email):
    return norm_email(email).rsplit('@', 1)[-1]


def email_problems(value, field='email'):
    """Every problem of an email option, each naming ``field`` and the fix (pure, never raises)."""
    if value is None or not str(value).strip():
        return ['%s must not be empty: give the user\'s email address, for example jane.doe@example.com.' % field]
    text = str(value).strip()
    problems = []
    bad = sorted(set(ch for ch in text if ch in PATH_CHARACTERS or ch.isspace()))
    if bad or '..' in text:
        shown = ', '.join('space' if ch.isspace() else repr(ch) for ch in bad) + (', ' if bad and '..' in text else '')
        problems.append('%s=%r contains %s%s, which cannot be part of a Zoom email address (the email goes into the URL '
                        'path of the Users API): remove it and give a plain address such as jane.doe@example.com.'
                        % (field, text, shown, "'..'" if '..' in text else ''))
    if len(text) > 128:
        problems.append('%s is %d characters long; Zoom accepts at most 128: give a shorter address.' % (field, len(text)))
    found = EMAIL_RE.match(text)
    if not problems and (not found or len(found.group('local')) > 64):
        problems.append('%s=%r is not a valid email address: expected local-part@domain.tld (letters, digits and . _ + - in '
                        'the local part, at most 64 characters before the @, no spaces, no leading, trailing or double '
                        'dots), for example jane.doe@example.com.' % (field, text))
    return problems


def validate_email(value, field='email'):
    """Return the stripped email or raise ``ZoomConfigError`` naming ``field`` and the fix."""
    problems = email_problems(value, field)
    if problems:
        raise ZoomConfigError(' '.join(problems))
    return str(value).strip()


def name_problems(value, field, max_len=64):
    """``None`` is fine (not set); an empty string, control characters or more than ``max_len`` characters are not."""
    if value is None:
        return []
    text = str(value)
    if not text.strip():
        return ['%s must not be empty: give a value or leave the option out to keep the current one.' % field]
    problems = []
    if len(text) > max_len:
        problems.append('%s is %d characters long; Zoom accepts at most %d: shorten it.' % (field, len(text), max_len))
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        problems.append('%s contains control characters (newline, tab...): remove them.' % field)
    return problems


def validate_name(value, field, max_len=64):
    """The value, or ``ZoomConfigError`` with every problem (kept for the sync's input checker)."""
    problems = name_problems(value, field, max_len)
    if problems:
        raise ZoomConfigError(' '.join(problems))
    return None if value is None else str(value)


_TIMEZONES = []


def known_timezones():
    """IANA names of this machine's time zone database (empty without tzdata)."""
    if not _TIMEZONES and zoneinfo is not None:
        try:
            _TIMEZONES.append(frozenset(zoneinfo.available_timezones()))
        except (OSError, ValueError):  # pragma: no cover - broken tz database
            _TIMEZONES.append(frozenset())
    return _TIMEZONES[0] if _TIMEZONES else frozenset()


def timezone_problems(value, field='timezone'):
    """Zoom takes IANA time zone names (e.g. Europe/Berlin, America/Chicago), case-sensitive."""
    if value is None:
        return []
    text = str(value)
    zones = known_timezones()
    if (text in zones) if zones else bool(_TZ_PATTERN.match(text)):
        return []
    return ['%s=%r is not a time zone name Zoom knows: give an IANA name such as Europe/Berlin, America/Chicago or '
            'Asia/Tokyo (Area/Location, exact case).' % (field, text)]


def language_problems(value, field='language'):
    if value is None or str(value).strip().casefold() in _LANGUAGE_BY_FOLD:
        return []
    return ['%s=%r is not a Zoom language code: use one of %s.' % (field, value, ', '.join(LANGUAGES))]


def normalize_language(value):
    """Zoom's spelling of a language code (``JP-jp`` -> ``jp-JP``); unknown values are returned as given."""
    return None if value is None else _LANGUAGE_BY_FOLD.get(str(value).strip().casefold(), value)


def profile_problems(profile, prefix=''):
    """Problems of the profile options of one person (names, department, job title, time zone, language)."""
    problems = []
    for option, limit in NAME_LIMITS:
        problems += name_problems(profile.get(option), prefix + option, limit)
    problems += timezone_problems(profile.get('timezone'), prefix + 'timezone')
    problems += language_problems(profile.get('language'), prefix + 'language')
    return problems


def raise_problems(problems, subject):
    """One ``ZoomConfigError`` with every problem, before anything is sent."""
    if problems:
        raise ZoomConfigError('%s: %d problem%s in the input, nothing was sent to Zoom. %s' % (
            subject, len(problems), '' if len(problems) == 1 else 's', ' | '.join(problems)))


def type_code(value):
    """Option value (basic/licensed or an int) -> Zoom's integer user type; None stays None."""
    if value is None:
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip().lower()
    if text in USER_TYPES:
        return USER_TYPES[text]
    if re.match(r'^[0-9]{1,3}$', text):
        return int(text)
    raise ZoomConfigError('type=%r is not supported: use one of %s.' % (value, ', '.join(sorted(USER_TYPES))))


def type_name(code):
    try:
        return TYPE_NAMES.get(int(code), str(code))
    except (TypeError, ValueError):
        return code


def transfer_problems(params, email):
    """Input problems of ``transfer_to`` / ``transfer`` (pure; shared by the user modules)."""
    transfer_to = params.get('transfer_to')
    if transfer_to is not None:
        problems = email_problems(transfer_to, 'transfer_to')
        if not problems and norm_email(transfer_to) == norm_email(email):
            problems.append('transfer_to must be another user than email (%s): name the active user who receives the data.'
                            % email)
        return problems
    if params.get('transfer'):
        return ['transfer is set but transfer_to is not: give transfer_to, the email of the user who receives %s.'
                % ', '.join(params['transfer'])]
    return []
