# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The connection options of the Zoom client and the credentials they carry.

Defaults, the checks that refuse a bad value instead of replacing it (``validate_timeout``, ``validate_base_url``),
the messages for missing credentials or library, and every text form of the secret (``secret_forms``) with
``scrub`` to remove them. Used by ``_client.ZoomClient`` and ``_module.ZoomModule``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import base64
import math

from urllib.parse import quote, urlsplit

from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import ZoomConfigError


DEFAULT_API_URL = 'https://api.zoom.us'
DEFAULT_OAUTH_URL = 'https://zoom.us/oauth/token'
DEFAULT_TIMEOUT = 30

CREDENTIAL_ENV = (
    ('account_id', 'ZOOM_ACCOUNT_ID'),
    ('client_id', 'ZOOM_CLIENT_ID'),
    ('client_secret', 'ZOOM_CLIENT_SECRET'),
)

# the base URL options: (default, environment variable)
URL_OPTIONS = {'api_url': (DEFAULT_API_URL, 'ZOOM_API_URL'), 'oauth_url': (DEFAULT_OAUTH_URL, 'ZOOM_OAUTH_URL')}
# the environment variable of every connection option (module fallbacks, messages)
OPTION_ENV = dict(CREDENTIAL_ENV + tuple((name, env) for name, (_default, env) in sorted(URL_OPTIONS.items())))

REDACTED = '********'


def missing_requests_message():
    """The text used when the requests library is not importable."""
    return ('The Python library "requests" is required by the zoomops.provisioning modules but is not installed for the Python '
            'interpreter that runs the module (the controller, connection: local). Install it with: pip install -r requirements.txt '
            '(of the collection) or pip install requests.')


def missing_credentials_message(missing):
    """One message naming every missing credential option and its environment variable."""
    env = dict(CREDENTIAL_ENV)
    names = ', '.join('%s (or %s)' % (name, env.get(name, name.upper())) for name in missing)
    return ('Missing Zoom credentials: %s. Set them as module options, once for all Zoom tasks with '
            'module_defaults (group/zoomops.provisioning.zoom), or in the environment of the controller. They come from the '
            'Server-to-Server OAuth app in the Zoom App Marketplace.' % names)


def validate_base_url(option, value, default):
    """Return ``value`` without trailing slashes (``default`` for None), or raise ZoomConfigError."""
    if value is None:
        return default
    env = OPTION_ENV[option]
    text = str(value).strip()
    if not text:
        raise ZoomConfigError(
            'Option %s is empty. Leave it out (and unset or fill the %s environment variable) to use Zoom\'s %s, or set '
            'it to an http(s) URL.' % (option, env, default))
    parts = urlsplit(text)
    if parts.scheme not in ('http', 'https') or not parts.netloc:
        raise ZoomConfigError(
            'Option %s must be an http(s) URL such as %s, got %r. Fix the option (or the %s environment variable).'
            % (option, default, text, env))
    if parts.query or parts.fragment:
        raise ZoomConfigError('Option %s must not contain a query string or fragment, got %r (use for example %s).' % (option, text, default))
    return text.rstrip('/')


def validate_timeout(value):
    """``timeout`` as seconds (a float over 0); None gives the default. Raises ZoomConfigError, never replaces a value."""
    if value is None:
        return float(DEFAULT_TIMEOUT)
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = None
    if seconds is None or isinstance(value, bool) or not math.isfinite(seconds) or seconds <= 0:
        raise ZoomConfigError(
            'Option timeout must be a number of seconds greater than 0, got %r. Set timeout to the seconds one HTTP request to '
            'Zoom may take (default %d), or leave it out.' % (value, DEFAULT_TIMEOUT))
    return seconds


# ---------------------------------------------------------------------------
# Secrets
# ---------------------------------------------------------------------------

def secret_forms(client_id, client_secret):
    """Every form in which the credentials could come back in an answer, longest first.

    The raw secret, its URL-quoted form, and ``base64(client_id:client_secret)`` (the ``Authorization: Basic``
    value) in standard and URL-safe base64, with and without padding, for UTF-8 and Latin-1 encodings.
    """
    if not client_secret:
        return []
    secret = str(client_secret)
    forms = set([secret, quote(secret, safe='')])
    pair = '%s:%s' % (client_id or '', secret)
    for encoding in ('utf-8', 'latin-1'):
        try:
            raw = pair.encode(encoding)
        except UnicodeEncodeError:
            continue
        for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
            text = encoded.decode('ascii')
            forms.update([text, text.rstrip('=')])
    return sorted((form for form in forms if len(form) >= 4), key=len, reverse=True)


def scrub(value, secrets):
    """``value`` (text, or lists/dicts of them) with every one of ``secrets`` replaced by ``********``."""
    if isinstance(value, str):
        for secret in secrets:
            if secret and secret in value:
                value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, (list, tuple)):
        return type(value)(scrub(item, secrets) for item in value)
    if isinstance(value, dict):
        return dict((key, scrub(item, secrets)) for key, item in value.items())
    return value
