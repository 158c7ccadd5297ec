# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""zoom_user_sync input: the people entries (``users`` / ``users_file``), the scope and protection rules, and the
module-level option checks.

``check_entries`` is the one checker of people entries: it converts types, maps the deprecated names to the
vocabulary's ones, and collects every problem of every entry (index, email, field and fix) before anything is read
from or written to Zoom. It never raises on user data. The ``users`` option is declared ``elements: raw`` so that
this checker, not ansible-core's generic one, speaks for every value.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import fnmatch
import json
import os
import re

from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import ZoomError
from ansible_collections.zoomops.provisioning.plugins.module_utils._phone import normalize_desired as normalize_phone
from ansible_collections.zoomops.provisioning.plugins.module_utils._users import (
    CREATE_ACTIONS,
    USER_TYPES as USER_TYPE_CODES,
    email_domain,
    email_problems,
    language_problems,
    norm_email as email_key,
    timezone_problems,
    validate_email,
    validate_name,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils._users_input import TEXT_LIMITS

try:
    import yaml
    try:
        from yaml import CSafeLoader as YamlLoader
    except ImportError:
        from yaml import SafeLoader as YamlLoader
    HAS_YAML = True
except ImportError:
    yaml = None  # pylint: disable=invalid-name
    YamlLoader = None  # pylint: disable=invalid-name
    HAS_YAML = False

USER_TYPES = tuple(USER_TYPE_CODES)
# Free-text REST profile fields (PATCH /v2/users/{id}). Zoom's list rows may lack one that an entry sets (the
# documented list has no job_title): that user is then read with GET /v2/users/{id} before planning.
TEXT_FIELDS = ('department', 'job_title', 'timezone', 'language')
NAME_LIMITS = tuple((name, TEXT_LIMITS[name]) for name in ('first_name', 'last_name', 'display_name'))
PHONE_KEYS = ('state', 'site', 'extension_number', 'calling_plans', 'phone_numbers')
ENTRY_KEYS = ('email', 'first_name', 'last_name', 'display_name', 'type', 'active', 'create_action') + TEXT_FIELDS + ('phone',)
# Old name -> (new top-level key, or ('phone', key)), whether a single value becomes a one-item list.
DEPRECATED_KEYS = {
    'dept': ('department', False),
    'user_type': ('type', False),
    'extension': (('phone', 'extension_number'), False),
    'phone_number': (('phone', 'phone_numbers'), True),
    'calling_plan': (('phone', 'calling_plans'), True),
    'site': (('phone', 'site'), False),
    'extension_number': (('phone', 'extension_number'), False),
    'calling_plans': (('phone', 'calling_plans'), False),
    'phone_numbers': (('phone', 'phone_numbers'), False),
}
REMOVED_IN = '2.0.0'
_ENTRY_KEY_SET = frozenset(ENTRY_KEYS)
_PHONE_KEY_SET = frozenset(PHONE_KEYS)

_CONTROL_CHARS = re.compile('[\x00-\x1f]')
_DOMAIN_RE = re.compile(r'^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$')
# an email glob pattern: one @, no whitespace, no URL path characters
_PATTERN_RE = re.compile(r'^[^@\s/\\?#%]+@[^@\s/\\?#%]+$')
FORMAT_CHECKS = (('timezone', timezone_problems), ('language', language_problems))
_TRUE = ('y', 'yes', 'on', '1', 'true', 't')
_FALSE = ('n', 'no', 'off', '0', 'false', 'f')


def _short(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + '...'


class Scope:
    """Which Zoom users the list manages, and which are never touched.

    A user is in scope when its email domain is one of ``domains`` or its email matches one of the glob ``patterns``
    (case-insensitive). Without domains and patterns only the listed users are managed. Protected: every email
    matching one of the ``protected`` patterns, and the account owner and admins (``UserState.role``, the rule the
    single-user modules apply).
    """

    def __init__(self, domains=None, patterns=None, protected=None):
        self.domains = sorted(set(email_key(d).lstrip('@') for d in (domains or []) if d and str(d).strip()))
        self.patterns = [email_key(p) for p in (patterns or []) if p and str(p).strip()]
        self.protected = [email_key(p) for p in (protected or []) if p and str(p).strip()]

    @property
    def configured(self):
        return bool(self.domains or self.patterns)

    def contains(self, email):
        if email_domain(email) in self.domains:
            return True
        key = email_key(email)
        return any(fnmatch.fnmatchcase(key, pattern) for pattern in self.patterns)

    def protected_reason(self, email, state=None):
        """Why ``email`` is protected (a sentence), or None. ``state``: its ``UserState`` when Zoom has the user."""
        if self.protected:
            key = email_key(email)
            for pattern in self.protected:
                if fnmatch.fnmatchcase(key, pattern):
                    return 'protected (matches %s)' % pattern
        role = state.role if state is not None and state.user else None
        if role in ('owner', 'admin'):
            return 'protected (account %s)' % role
        return None

    def to_dict(self):
        return {'domains': list(self.domains), 'emails': list(self.patterns), 'protected': list(self.protected)}


class Problem:
    """One input or plan problem: the sentence, and where it is (entry index, email, field) for callers that attribute
    problems per person (the role)."""

    __slots__ = ('text', 'index', 'email', 'field')

    def __init__(self, text, index=None, email=None, field=None):
        self.text = text
        self.index = index
        self.email = email
        self.field = field

    def __str__(self):
        return self.text

    def to_dict(self):
        return {'index': self.index, 'email': self.email, 'field': self.field, 'message': self.text}


class DesiredUser:
    """One checked entry."""

    def __init__(self, index, email, profile, create_action, phone=None, phone_state=None):
        self.index = index
        self.email = email
        self.key = email_key(email)
        self.profile = profile            # _users.plan_user's ``desired`` (None = not managed)
        self.create_action = create_action
        self.phone = phone                # _phone.normalize_desired output, or None (phone not managed)
        self.phone_state = phone_state    # 'present' | 'absent' | None

    def __repr__(self):
        return 'DesiredUser(%r)' % self.email


class EntryChecker:
    """Checks people entries one by one; keeps every problem, the cross-entry indexes and the deprecations seen."""

    def __init__(self, source='users', default_create_action='ssoCreate', scope=None):
        self.source = source
        self.default_create_action = default_create_action
        self.scope = scope
        self.desired = []
        self.problems = []
        self.deprecated = {}      # old key -> [count, first index]
        self._emails = {}
        self._extensions = {}
        self._numbers = {}

    # -- reporting
    def _where(self, index, email=None):
        return '%s[%d]%s' % (self.source, index, ' (%s)' % email if email else '')

    def _problem(self, index, email, field, text):
        where = self._where(index, email)
        self.problems.append(Problem('%s%s: %s' % (where, '.' + field if field else '', text), index, email, field))

    def deprecations(self):
        """One sentence per deprecated key, however many entries used it."""
        result = []
        for old in sorted(self.deprecated, key=lambda name: self.deprecated[name][1]):
            count, first = self.deprecated[old]
            new, _listed = DEPRECATED_KEYS[old]
            new_name = new if isinstance(new, str) else '.'.join(new)
            result.append('%s is deprecated in %s entries, use %s; %s will be removed in %s (used by %d entr%s, first %s[%d]).'
                          % (old, self.source, new_name, old, REMOVED_IN, count, 'y' if count == 1 else 'ies', self.source, first))
        return result

    # -- one entry
    def add(self, index, item):
        if not isinstance(item, dict):
            if item is None:
                self._problem(index, None, None, 'empty entry (null): remove it, or give a mapping with at least an email, '
                                                 'for example {email: ann@example.com}.')
            else:
                self._problem(index, None, None, 'expected a mapping with at least an email, for example {email: %s}, got '
                                                 'the %s %s.' % (item if isinstance(item, str) and '@' in item else 'ann@example.com',
                                                                 type(item).__name__, _short(item)))
            return
        raw_email = item.get('email')
        email = raw_email.strip() if isinstance(raw_email, str) else None
        if any(key in DEPRECATED_KEYS for key in item):
            item = self._renamed(index, email, item)
        unknown = [key for key in item if key not in _ENTRY_KEY_SET]
        if unknown:
            self._problem(index, email, None, 'unsupported key%s %s; supported: %s.' % (
                's' if len(unknown) > 1 else '', ', '.join(sorted(str(k) for k in unknown)), ', '.join(ENTRY_KEYS)))
        try:
            email = validate_email(raw_email, '%s.email' % self._where(index))
        except ZoomError as exc:
            self.problems.append(Problem(exc.msg, index, email, 'email'))
            return
        key = email_key(email)
        if key in self._emails:
            self._problem(index, email, 'email', 'the same person as %s[%d] (emails compare case-insensitively); keep one '
                                                 'entry per person.' % (self.source, self._emails[key]))
            return
        self._emails[key] = index
        if self.scope is not None and self.scope.configured and not self.scope.contains(email):
            self._problem(index, email, 'email', 'outside the scope (%s); add its domain to scope.domains or remove the entry.'
                          % ', '.join(self.scope.domains + self.scope.patterns))
        profile = self._profile(index, email, item)
        create_action = item.get('create_action')
        if create_action is None:
            create_action = self.default_create_action
        elif create_action not in CREATE_ACTIONS:
            self._problem(index, email, 'create_action', '%s is not one of %s.' % (_short(create_action), ', '.join(CREATE_ACTIONS)))
            create_action = self.default_create_action
        phone, phone_state = self._phone(index, email, item.get('phone'))
        self.desired.append(DesiredUser(index, email, profile, create_action, phone, phone_state))

    def _renamed(self, index, email, item):
        """``item`` with the deprecated keys under their new names; both names set is a problem naming both."""
        item = dict(item)
        phone = item.get('phone')
        phone = dict(phone) if isinstance(phone, dict) else phone
        for old in [key for key in item if key in DEPRECATED_KEYS]:
            value = item.pop(old)
            new, listed = DEPRECATED_KEYS[old]
            entry = self.deprecated.setdefault(old, [0, index])
            entry[0] += 1
            if listed and value is not None and not isinstance(value, list):
                value = [value]
            if isinstance(new, str):
                if item.get(new) is not None and value is not None and item[new] != value:
                    self._problem(index, email, new, 'set twice, as %s (deprecated) and as %s: keep only %s.' % (old, new, new))
                    continue
                if value is not None:
                    item[new] = value
                continue
            block, name = new
            if phone is None:
                phone = {}
            if not isinstance(phone, dict):
                continue  # reported with the phone block itself
            if phone.get(name) is not None and value is not None and phone[name] != value:
                self._problem(index, email, '.'.join(new), 'set twice, as %s (deprecated) and as %s.%s: keep only %s.%s.'
                              % (old, block, name, block, name))
                continue
            if value is not None:
                phone[name] = value
        if phone is not None:
            item['phone'] = phone
        return item

    def _profile(self, index, email, item):
        profile = {}
        for option, limit in NAME_LIMITS:
            value = item.get(option)
            if value is None or (isinstance(value, str) and len(value) <= limit and value.strip()
                                 and not _CONTROL_CHARS.search(value)):
                profile[option] = value  # the common case, decided without validate_name's per-character scan
                continue
            if not isinstance(value, str):
                self._problem(index, email, option, '%s is not text; write the name as a string.' % _short(value))
                continue
            try:
                profile[option] = validate_name(value, '%s.%s' % (self._where(index, email), option), limit)
            except ZoomError as exc:
                self.problems.append(Problem(exc.msg, index, email, option))
        user_type = item.get('type')
        if user_type is not None and user_type not in USER_TYPES:
            self._problem(index, email, 'type', '%s is not a licence type; use basic or licensed (or leave type out to keep '
                                                'the current one).' % _short(user_type))
            user_type = None
        profile['type'] = user_type
        active = item.get('active')
        if active is not None and not isinstance(active, bool):
            text = str(active).strip().lower() if isinstance(active, (str, int)) else None
            if text in _TRUE:
                active = True
            elif text in _FALSE:
                active = False
            else:
                self._problem(index, email, 'active', '%s is not a boolean; use true or false.' % _short(active))
                active = None
        profile['active'] = active
        for option in TEXT_FIELDS:
            value = item.get(option)
            limit = TEXT_LIMITS.get(option, 128)
            if value is not None and (not isinstance(value, str) or len(value) > limit or _CONTROL_CHARS.search(value)):
                self._problem(index, email, option, '%s must be text of at most %d characters without control characters.'
                              % (_short(value), limit))
                value = None
            profile[option] = value
        for option, problems_of in FORMAT_CHECKS:
            if profile[option] is not None:
                for text in problems_of(profile[option], '%s.%s' % (self._where(index, email), option)):
                    self.problems.append(Problem(text, index, email, option))
                    profile[option] = None
        return profile

    def _phone(self, index, email, block):
        if block is None:
            return None, None
        if not isinstance(block, dict):
            self._problem(index, email, 'phone', 'expected a mapping (%s), got %s.' % (', '.join(PHONE_KEYS), _short(block)))
            return None, None
        unknown = [key for key in block if key not in _PHONE_KEY_SET]
        if unknown:
            self._problem(index, email, 'phone', 'unsupported key%s %s; supported: %s.' % (
                's' if len(unknown) > 1 else '', ', '.join(sorted(str(k) for k in unknown)), ', '.join(PHONE_KEYS)))
        state = block.get('state')
        if state is None:
            state = 'present'
        elif state not in ('present', 'absent'):
            self._problem(index, email, 'phone.state', '%s is not present or absent.' % _short(state))
            state = 'present'
        values = {}
        for name in ('calling_plans', 'phone_numbers'):
            value = block.get(name)
            if value is not None and not isinstance(value, list):
                value = [value] if isinstance(value, (str, int)) and not isinstance(value, bool) else value
            if value is not None and not isinstance(value, list):
                self._problem(index, email, 'phone.' + name, 'expected a list, got %s.' % _short(value))
                value = None
            values[name] = value
        site = block.get('site')
        if site is not None and not isinstance(site, (str, int)) or isinstance(site, bool):
            self._problem(index, email, 'phone.site', '%s is not a site name or id.' % _short(site))
            site = None
        extension = block.get('extension_number')
        if isinstance(extension, (list, dict, float)):
            self._problem(index, email, 'phone.extension_number', '%s is not an extension; write digits (for example 1001) '
                                                                  'or auto.' % _short(extension))
            extension = None
        phone, problems = normalize_phone(site=site, extension_number=extension, calling_plans=values['calling_plans'],
                                          phone_numbers=values['phone_numbers'])
        for entry in problems:
            field = entry.get('field') if isinstance(entry, dict) else None
            text = entry.get('msg') if isinstance(entry, dict) else str(entry)
            self.problems.append(Problem('%s.phone.%s' % (self._where(index, email), text), index, email,
                                         'phone.%s' % field if field else 'phone'))
        if state == 'present':
            self._claim(index, email, phone)
        return phone, state

    def _claim(self, index, email, phone):
        """The same extension or number on two people is refused (each belongs to one user)."""
        ext = phone.get('extension_number')
        if isinstance(ext, int):
            if ext in self._extensions:
                self._problem(index, email, 'phone.extension_number', '%s is also the extension of %s; each extension belongs '
                                                                      'to one user.' % (ext, self._extensions[ext]))
            else:
                self._extensions[ext] = email
        for number in phone.get('phone_numbers') or []:
            if number in self._numbers:
                self._problem(index, email, 'phone.phone_numbers', '%s is also listed for %s; a number belongs to one user.'
                              % (number, self._numbers[number]))
            else:
                self._numbers[number] = email


def check_entries(entries, source='users', default_create_action='ssoCreate', scope=None):
    """Check people entries; return ``(desired users, problems, deprecation sentences)``. Nothing is read from Zoom."""
    checker = EntryChecker(source, default_create_action, scope)
    if not isinstance(entries, list):
        checker.problems.append(Problem('%s: expected a list of people (mappings with at least an email), got %s.'
                                        % (source, _short(entries)), field=source))
        return [], checker.problems, []
    for index, item in enumerate(entries):
        checker.add(index, item)
    return checker.desired, checker.problems, checker.deprecations()


def load_users_file(path):
    """The raw entries of a YAML or JSON file: a list of people, or a mapping whose ``users`` key holds that list.

    Returns ``(list, error)``; the entries are checked afterwards with ``check_entries``.
    """
    try:
        with open(path, 'rb') as handle:
            raw = handle.read()
    except (IOError, OSError) as exc:
        return None, 'users_file=%s cannot be read: %s' % (path, exc)
    data = None
    text = raw.decode('utf-8', 'replace')
    if text.lstrip()[:1] in ('[', '{'):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
    if data is None:
        if not HAS_YAML:
            return None, 'users_file=%s is not JSON and PyYAML is not installed to read YAML.' % path
        try:
            data = yaml.load(text, Loader=YamlLoader)  # nosec B506 - a safe loader
        except yaml.YAMLError as exc:
            return None, 'users_file=%s is not valid YAML: %s' % (path, exc)
    if isinstance(data, dict) and 'users' in data:
        data = data['users']
    if not isinstance(data, list):
        return None, 'users_file=%s must hold a list of people (or a mapping with a users key), found %s.' % (
            path, type(data).__name__)
    return data, None


def resolve_path(path, base=None):
    """``path`` made absolute: relative paths are taken from ``base`` (the playbook directory), else the working
    directory (where ansible-core runs a local module: the playbook directory too)."""
    if not path:
        return path
    path = os.path.expanduser(path)
    if os.path.isabs(path):
        return path
    return os.path.abspath(os.path.join(base or os.getcwd(), path))


def domain_problems(values, field):
    """Problems of a list of email domains (``scope.domains``): bare domains such as example.com."""
    problems = []
    for value in values or []:
        text = value.strip().casefold() if isinstance(value, str) else None
        if not text or not _DOMAIN_RE.match(text):
            problems.append('%s: %s is not a domain; write it like example.com (without @, paths or spaces).'
                            % (field, _short(value)))
    return problems


def pattern_problems(values, field):
    """Problems of a list of emails or email glob patterns (``scope.emails``, ``protected``)."""
    problems = []
    for value in values or []:
        if not isinstance(value, str) or not _PATTERN_RE.match(value.strip()):
            problems.append('%s: %s is not an email address or pattern; write a valid email address like '
                            'breakglass@example.com, or a glob like *@sales.example.com.' % (field, _short(value)))
    return problems


def option_problems(params):
    """Module-level option checks: every problem at once (sentences naming the option and the fix)."""
    problems = []
    users, users_file = params.get('users'), params.get('users_file')
    if users is None and not users_file:
        problems.append('Give the people as users (a list) or users_file (a path to a YAML or JSON list).')
    elif users is not None and users_file:
        problems.append('users and users_file are both set: give only one of them.')
    if params.get('concurrency') is not None and not 1 <= params['concurrency'] <= 64:
        problems.append('concurrency must be between 1 and 64, got %s.' % params['concurrency'])
    share = params.get('rate_limit_share')
    if share is not None and not 0 < share <= 1:
        problems.append('rate_limit_share must be greater than 0 and at most 1, got %s.' % share)
    if params.get('max_removals') is not None and params['max_removals'] < 0:
        problems.append('max_removals must be 0 or more, got %s.' % params['max_removals'])
    if params.get('max_removal_percent') is not None and not 0 <= params['max_removal_percent'] <= 100:
        problems.append('max_removal_percent must be between 0 and 100, got %s.' % params['max_removal_percent'])
    if params.get('phone_wait_timeout') is not None and params['phone_wait_timeout'] < 0:
        problems.append('phone_wait_timeout must be 0 or more seconds, got %s.' % params['phone_wait_timeout'])
    scope = params.get('scope') or {}
    if params.get('unlisted', 'ignore') != 'ignore' and not (scope.get('domains') or scope.get('emails')):
        problems.append('unlisted=%s needs a scope (scope.domains or scope.emails): without it the module cannot tell which '
                        'Zoom users the list manages.' % params['unlisted'])
    problems += domain_problems(scope.get('domains'), 'scope.domains')
    problems += pattern_problems(scope.get('emails'), 'scope.emails')
    problems += pattern_problems(params.get('protected'), 'protected')
    if params.get('transfer_to') is not None:
        problems += email_problems(params['transfer_to'], 'transfer_to')
    return problems
