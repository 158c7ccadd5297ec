# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""ZoomModule: the AnsibleModule every zoomops.provisioning module uses.

It merges the shared auth/connection options (documented once in the
``zoomops.provisioning.zoom`` doc fragment) into the module's own spec, builds
the ZoomClient lazily, and turns ZoomError exceptions into failed results::

    module = ZoomModule(argument_spec=dict(email=dict(type='str', required=True)), supports_check_mode=True)
    try:
        user = module.client.get('/v2/users/' + quote_path(module.params['email']))
    except ZoomError as exc:
        module.fail_from_error(exc, changed=False)
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import copy
import threading
import traceback

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.zoomops.provisioning.plugins.module_utils._client import HAS_REQUESTS, REQUESTS_IMPORT_ERROR, ZoomClient
from ansible_collections.zoomops.provisioning.plugins.module_utils._client_options import (
    CREDENTIAL_ENV,
    DEFAULT_API_URL,
    DEFAULT_OAUTH_URL,
    DEFAULT_TIMEOUT,
    OPTION_ENV,
    missing_credentials_message,
    secret_forms,
    validate_base_url,
    validate_timeout,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import ZoomError

try:
    import jmespath
    HAS_JMESPATH = True
    JMESPATH_IMPORT_ERROR = None
except ImportError:
    jmespath = None  # pylint: disable=invalid-name
    HAS_JMESPATH = False
    JMESPATH_IMPORT_ERROR = traceback.format_exc()


# The environment variable of each common option (also documented in the doc fragment).
ZOOM_ENV_VARS = OPTION_ENV

# AnsibleModule applies fallbacks before defaults, so an environment variable
# wins over the default when the option is not given (tests check this).
ZOOM_COMMON_ARGSPEC = dict(
    account_id=dict(type='str', fallback=(env_fallback, [OPTION_ENV['account_id']])),
    client_id=dict(type='str', fallback=(env_fallback, [OPTION_ENV['client_id']])),
    client_secret=dict(type='str', no_log=True, fallback=(env_fallback, [OPTION_ENV['client_secret']])),
    api_url=dict(type='str', default=DEFAULT_API_URL, fallback=(env_fallback, [OPTION_ENV['api_url']])),
    oauth_url=dict(type='str', default=DEFAULT_OAUTH_URL, fallback=(env_fallback, [OPTION_ENV['oauth_url']])),
    timeout=dict(type='int', default=DEFAULT_TIMEOUT),
    validate_certs=dict(type='bool', default=True),
)

# verbosity (-vvvv) from which results carry zoom_request_log and zoom_stats
DEBUG_VERBOSITY = 4


def zoom_argument_spec(argument_spec=None):
    """A fresh copy of the common options, updated with ``argument_spec``."""
    spec = copy.deepcopy(ZOOM_COMMON_ARGSPEC)
    spec.update(copy.deepcopy(argument_spec or {}))
    return spec


def error_result(exc):
    """The result fields of an exception (``msg`` included)."""
    if isinstance(exc, ZoomError):
        return exc.to_dict()
    return {'msg': 'Unexpected error: %s: %s' % (type(exc).__name__, exc)}


class ZoomModule(AnsibleModule):
    """AnsibleModule with the Zoom options, a lazily built client and error reporting."""

    # the class used to build the client (tests may replace it)
    client_factory = ZoomClient

    def __init__(self, argument_spec=None, **kwargs):
        self._zoom_client = None
        self._zoom_request_log = []
        self._zoom_log_lock = threading.Lock()
        super(ZoomModule, self).__init__(argument_spec=zoom_argument_spec(argument_spec), **kwargs)
        # the Basic header's base64 (and its variants) can come back in an error body: mask them like the secret
        for value in secret_forms(self.params.get('client_id'), self.params.get('client_secret')):
            self.no_log_values.add(value)
        self._check_connection_options()

    def _check_connection_options(self):
        """Refuse bad connection options at once, all of them in one message (none is silently replaced)."""
        problems = []
        checks = (
            lambda: validate_timeout(self.params.get('timeout')),
            lambda: validate_base_url('api_url', self.params.get('api_url'), DEFAULT_API_URL),
            lambda: validate_base_url('oauth_url', self.params.get('oauth_url'), DEFAULT_OAUTH_URL),
        )
        for check in checks:
            try:
                check()
            except ZoomError as exc:
                problems.append(exc.msg)
        if problems:
            self.fail_json(msg=' '.join(problems), problems=problems)

    # --------------------------------------------------------------- options

    def deprecate_value(self, option, old, new):
        """Emit the deprecation of the value ``old`` of ``option`` (renamed ``new``) and return ``new``.

        For aliased values, which ``deprecated_aliases`` cannot express; list both values in ``choices``::

            if module.params['on_pending'] == 'warn':
                module.params['on_pending'] = module.deprecate_value('on_pending', 'warn', 'keep')
        """
        # a literal version: ansible-test's pylint checks deprecation versions against galaxy.yml
        self.deprecate('%s=%s is deprecated, use %s=%s; %s will be removed in 2.0.0.' % (option, old, option, new, old),
                       version='2.0.0', collection_name='zoomops.provisioning')
        return new

    # ----------------------------------------------------------------- client

    @property
    def client(self):
        """The ZoomClient of this run (built on first use; fails the module with one clear message if it cannot be)."""
        return self.get_client()

    def get_client(self, **client_kwargs):
        """Build the client once; ``client_kwargs`` (e.g. ``rate_limit_tier='business'``, ``max_retries``) go to ZoomClient.

        Later calls return the client already built and ignore ``client_kwargs``.
        """
        if self._zoom_client is not None:
            return self._zoom_client
        if not HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
        missing = [name for name, dummy in CREDENTIAL_ENV if not self.params.get(name)]
        if missing:
            self.fail_json(msg=missing_credentials_message(missing), missing_options=missing,
                           missing_env_vars=[ZOOM_ENV_VARS[name] for name in missing])
        options = dict(
            account_id=self.params['account_id'],
            client_id=self.params['client_id'],
            client_secret=self.params['client_secret'],
            api_url=self.params.get('api_url'),
            oauth_url=self.params.get('oauth_url'),
            timeout=self.params.get('timeout'),
            validate_certs=self.params.get('validate_certs', True),
            on_token=self._register_secret,
        )
        if self._debug_enabled():
            options['log_hook'] = self._record_request
        options.update(client_kwargs)
        try:
            self._zoom_client = self.client_factory(**options)
        except ZoomError as exc:
            self.fail_from_error(exc)
        return self._zoom_client

    def _register_secret(self, value):
        """Mask ``value`` (an access token) in everything the module returns or logs."""
        if value:
            self.no_log_values.add(value)

    def _debug_enabled(self):
        return (getattr(self, '_verbosity', 0) or 0) >= DEBUG_VERBOSITY

    def _record_request(self, method, path, status, elapsed):
        entry = {'method': method, 'path': path, 'status': status, 'elapsed': round(elapsed, 3)}
        with self._zoom_log_lock:
            self._zoom_request_log.append(entry)

    def _debug_fields(self, result):
        if not self._debug_enabled():
            return result
        with self._zoom_log_lock:
            log = list(self._zoom_request_log)
        if log:
            result.setdefault('zoom_request_log', log)
        if self._zoom_client is not None:
            result.setdefault('zoom_stats', self._zoom_client.stats)
        return result

    # ---------------------------------------------------------------- queries

    def query_expression(self, option='query', example=None):
        """``(expression, problem)`` for the JMESPath option ``option``: ``(None, None)`` when it is not set.

        A missing jmespath library fails the module at once; a syntax error comes back as ``problem`` (naming the
        option, the syntax page and ``example``) so the module reports it with its other input problems.
        """
        text = self.params.get(option)
        if not text:
            return None, None
        if not HAS_JMESPATH:
            self.fail_json(msg=missing_required_lib('jmespath'), exception=JMESPATH_IMPORT_ERROR)
        try:
            return jmespath.compile(text), None
        except jmespath.exceptions.JMESPathError as exc:
            return None, ('%s: %r is not a valid JMESPath expression: %s. See https://jmespath.org for the syntax%s.'
                          % (option, text, exc, ' (for example %s)' % example if example else ''))

    def query_result(self, expression, data, option='query', **result):
        """``expression.search(data)``; if it cannot be applied, fail with ``result`` and the names ``data`` has."""
        try:
            return expression.search(data)
        except jmespath.exceptions.JMESPathError as exc:
            names = ', '.join(sorted(data)) if isinstance(data, dict) else 'a list of %d items' % len(data)
            self.fail_json(msg='%s: %r cannot be applied to the data: %s. Check the names used (%s).'
                               % (option, self.params.get(option), exc, names), **result)

    # ---------------------------------------------------------------- results

    def mask_secrets(self, text):
        """``text`` with every no_log value (client secret, access tokens) replaced by ``********``."""
        if not isinstance(text, str):
            return text
        for value in list(self.no_log_values):
            if isinstance(value, str) and value and value in text:
                text = text.replace(value, '********')
        return text

    def warn(self, warning, *args, **kwargs):  # pylint: disable=arguments-differ
        # ansible-core 2.19 does not apply no_log masking to warnings
        super(ZoomModule, self).warn(self.mask_secrets(warning), *args, **kwargs)

    def exit_json(self, **kwargs):
        super(ZoomModule, self).exit_json(**self._debug_fields(kwargs))

    def fail_json(self, msg, **kwargs):  # pylint: disable=arguments-differ
        # the signature of AnsibleModule.fail_json differs between ansible-core releases
        super(ZoomModule, self).fail_json(msg, **self._debug_fields(kwargs))

    def fail_from_error(self, exc, **result):
        """Fail with the fields of ``exc`` (msg, status, code, zoom_message, errors, method, path...) added to ``result``.

        The error fields win over keys of ``result`` with the same name.
        """
        fields = error_result(exc)
        msg = fields.pop('msg')
        result.update(fields)
        if isinstance(exc, BaseException) and 'exception' not in result:
            result['exception'] = ''.join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.fail_json(msg=msg, **result)
