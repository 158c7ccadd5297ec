# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""ZoomModule: option spec, env fallbacks, client building, error results, secrets."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import base64
import json

import yaml

import pytest

from ansible_collections.zoomops.provisioning.plugins.doc_fragments.zoom import ModuleDocFragment
from ansible_collections.zoomops.provisioning.plugins.module_utils import _module
from ansible_collections.zoomops.provisioning.plugins.module_utils._client import quote_path
from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import ZoomError, ZoomPlanError
from ansible_collections.zoomops.provisioning.plugins.module_utils._module import (
    ZOOM_COMMON_ARGSPEC,
    ZOOM_ENV_VARS,
    ZoomModule,
)

# pylint: disable=redefined-outer-name

ALL_ENV = ('ZOOM_ACCOUNT_ID', 'ZOOM_CLIENT_ID', 'ZOOM_CLIENT_SECRET', 'ZOOM_API_URL', 'ZOOM_OAUTH_URL')


@pytest.fixture
def clean_env(monkeypatch):
    for key in ALL_ENV:
        monkeypatch.delenv(key, raising=False)
    return monkeypatch


def _build(module_args, args, spec=None):
    with module_args(args):
        return ZoomModule(argument_spec=spec or {}, supports_check_mode=True)


# --------------------------------------------------------------------------- spec and docs

def test_env_var_wins_over_default(clean_env, module_args):
    clean_env.setenv('ZOOM_API_URL', 'http://127.0.0.1:8900')
    clean_env.setenv('ZOOM_OAUTH_URL', 'http://127.0.0.1:8900/oauth/token')
    clean_env.setenv('ZOOM_ACCOUNT_ID', 'acc-env')
    module = _build(module_args, {})
    assert module.params['api_url'] == 'http://127.0.0.1:8900'
    assert module.params['oauth_url'] == 'http://127.0.0.1:8900/oauth/token'
    assert module.params['account_id'] == 'acc-env'


def test_option_wins_over_env(clean_env, module_args):
    clean_env.setenv('ZOOM_API_URL', 'http://127.0.0.1:8900')
    clean_env.setenv('ZOOM_CLIENT_ID', 'env-id')
    module = _build(module_args, {'api_url': 'https://proxy.example.com', 'client_id': 'opt-id'})
    assert module.params['api_url'] == 'https://proxy.example.com'
    assert module.params['client_id'] == 'opt-id'


def test_defaults_without_env(clean_env, module_args):
    module = _build(module_args, {})
    assert module.params['api_url'] == 'https://api.zoom.us'
    assert module.params['oauth_url'] == 'https://zoom.us/oauth/token'
    assert module.params['timeout'] == 30
    assert module.params['validate_certs'] is True
    assert module.params['client_secret'] is None


def test_module_spec_is_merged(clean_env, module_args):
    module = _build(module_args, {'email': 'a@example.com'}, spec=dict(email=dict(type='str', required=True)))
    assert module.params['email'] == 'a@example.com'
    assert module.params['api_url'] == 'https://api.zoom.us'
    assert 'email' not in ZOOM_COMMON_ARGSPEC  # the shared spec is copied, never changed


def test_doc_fragment_matches_argspec():
    doc = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)
    options = doc['options']
    assert set(options) == set(ZOOM_COMMON_ARGSPEC)
    for name, spec in ZOOM_COMMON_ARGSPEC.items():
        assert options[name]['type'] == spec['type'], name
        assert options[name].get('default') == spec.get('default'), name
        assert bool(options[name].get('no_log')) is False  # no_log is not a documentation key
        env = ZOOM_ENV_VARS.get(name)
        if env:
            assert 'E(%s)' % env in ' '.join(options[name]['description']), name
            assert spec['fallback'][1] == [env]
    assert ZOOM_COMMON_ARGSPEC['client_secret']['no_log'] is True
    assert [name for name, spec in ZOOM_COMMON_ARGSPEC.items() if spec.get('no_log')] == ['client_secret']
    assert doc['requirements'][0].startswith('requests')


def test_doc_fragment_attributes():
    group = yaml.safe_load(ModuleDocFragment.ACTIONGROUP)['attributes']['action_group']
    assert group['membership'] == ['zoomops.provisioning.zoom']
    assert group['support'] == 'full'
    check_diff = yaml.safe_load(ModuleDocFragment.CHECK_DIFF)['attributes']
    assert check_diff['check_mode']['support'] == 'full' and check_diff['diff_mode']['support'] == 'full'
    info = yaml.safe_load(ModuleDocFragment.INFO)['attributes']
    assert info['check_mode']['support'] == 'full' and info['diff_mode']['support'] == 'N/A'


# --------------------------------------------------------------------------- running modules

def _main(body, spec=None):
    def main():
        module = ZoomModule(argument_spec=spec or {}, supports_check_mode=True)
        try:
            body(module)
        except ZoomError as exc:
            module.fail_from_error(exc, changed=False)
    return main


def test_missing_credentials_one_message(run_module):
    result = run_module(_main(lambda m: m.exit_json(changed=False, client=repr(m.client))), {})
    assert result['failed'] is True
    msg = result['msg']
    for option, env in (('account_id', 'ZOOM_ACCOUNT_ID'), ('client_id', 'ZOOM_CLIENT_ID'), ('client_secret', 'ZOOM_CLIENT_SECRET')):
        assert '%s (or %s)' % (option, env) in msg
    assert 'module_defaults' in msg
    assert result['missing_options'] == ['account_id', 'client_id', 'client_secret']
    assert result['missing_env_vars'] == ['ZOOM_ACCOUNT_ID', 'ZOOM_CLIENT_ID', 'ZOOM_CLIENT_SECRET']


def test_missing_secret_only(run_module, zoom_stub):
    env = zoom_stub.env()
    del env['ZOOM_CLIENT_SECRET']
    result = run_module(_main(lambda m: m.exit_json(changed=False, client=repr(m.client))), {}, env=env)
    assert result['failed'] is True
    assert result['missing_options'] == ['client_secret']
    assert 'client_id' not in result['msg'].split(':', 1)[1].split('.')[0]


def test_credentials_from_environment_reach_zoom(run_module, zoom_stub):
    zoom_stub.reply('GET', '/v2/users/a+b@example.com', json={'id': 'u1', 'email': 'a+b@example.com'})

    def body(module):
        module.exit_json(changed=False, user=module.client.get('/v2/users/' + quote_path(module.params['email'])))

    result = run_module(_main(body, spec=dict(email=dict(type='str'))), {'email': 'a+b@example.com'}, env=zoom_stub.env())
    assert result.get('failed') is not True, result
    assert result['user'] == {'id': 'u1', 'email': 'a+b@example.com'}
    assert zoom_stub.client_secret not in result['_stdout']
    assert 'zoom_request_log' not in result and 'zoom_stats' not in result


def test_fail_from_error_puts_fields_in_result(run_module, zoom_stub):
    zoom_stub.reply('GET', '/v2/users/x@example.com', status=404, json={'code': 1001, 'message': 'User does not exist: x@example.com.'})

    def body(module):
        try:
            module.client.get('/v2/users/x@example.com')
        except ZoomError as exc:
            module.fail_from_error(exc, changed=False, user=None, step='lookup')

    result = run_module(_main(body), zoom_stub.module_args())
    assert result['failed'] is True
    assert result['status'] == 404
    assert result['code'] == 1001
    assert result['zoom_message'] == 'User does not exist: x@example.com.'
    assert result['method'] == 'GET' and result['path'] == '/v2/users/x@example.com'
    assert result['step'] == 'lookup' and result['changed'] is False and result['user'] is None
    assert 'HTTP 404' in result['msg']
    assert zoom_stub.client_secret not in result['_stdout']


def test_plan_error_problems_are_listed(run_module):
    def body(module):
        raise ZoomPlanError('The phone plan cannot be applied:', problems=['extension 1001 is used by b@x.com', 'number +1555 is taken'])

    result = run_module(_main(body), {})
    assert result['failed'] is True
    assert result['problems'] == ['extension 1001 is used by b@x.com', 'number +1555 is taken']
    assert 'extension 1001 is used by b@x.com' in result['msg'] and 'number +1555 is taken' in result['msg']


def test_secret_and_token_are_masked_in_results(run_module, zoom_stub):
    zoom_stub.reply('GET', '/v2/users/a@example.com', json={'id': 'u1'})

    def body(module):
        module.client.get('/v2/users/a@example.com')
        token = zoom_stub.issued_tokens[-1]
        module.warn('careless warning with %s' % token)
        module.exit_json(changed=False, leaked_token=token, leaked_secret=module.params['client_secret'])

    result = run_module(_main(body), {}, env=zoom_stub.env())
    out = result['_stdout']
    assert zoom_stub.client_secret not in out
    assert 'stub-token-1' not in out
    assert result['leaked_token'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
    assert 'careless warning with ********' in out


def test_api_error_echoing_secret_is_masked(run_module, zoom_stub):
    zoom_stub.reply('GET', '/v2/users/a@example.com', status=400, json={'code': 300, 'message': 'echo %s' % zoom_stub.client_secret})
    result = run_module(_main(lambda m: m.client.get('/v2/users/a@example.com')), zoom_stub.module_args())
    assert result['failed'] is True
    assert zoom_stub.client_secret not in result['_stdout']
    assert 'stub-token' not in result['_stdout']


def test_debug_verbosity_adds_request_log(run_module, zoom_stub):
    zoom_stub.reply('GET', '/v2/users/a@example.com', json={'id': 'u1'})
    args = dict(zoom_stub.module_args(), _ansible_verbosity=4)
    result = run_module(_main(lambda m: m.exit_json(changed=False, user=m.client.get('/v2/users/a@example.com'))), args)
    log = result['zoom_request_log']
    assert [(entry['method'], entry['path'], entry['status']) for entry in log] == [('POST', '/oauth/token', 200), ('GET', '/v2/users/a@example.com', 200)]
    assert result['zoom_stats']['calls'] == 1
    assert 'Bearer' not in result['_stdout'] and 'stub-token' not in result['_stdout']


def test_invalid_api_url_fails_cleanly(run_module, zoom_stub):
    args = dict(zoom_stub.module_args(), api_url='api.zoom.us')
    result = run_module(_main(lambda m: m.exit_json(changed=False, c=repr(m.client))), args)
    assert result['failed'] is True
    assert 'api_url' in result['msg'] and 'http(s) URL' in result['msg']


def test_missing_requests(run_module, zoom_stub, monkeypatch):
    monkeypatch.setattr(_module, 'HAS_REQUESTS', False)
    result = run_module(_main(lambda m: m.exit_json(changed=False, c=repr(m.client))), zoom_stub.module_args())
    assert result['failed'] is True
    assert 'requests' in result['msg']
    assert 'Failed to import the required Python library' in result['msg']


def test_get_client_passes_options_and_builds_once(module_args, zoom_stub, clean_env):
    with module_args(zoom_stub.module_args()):
        module = ZoomModule(argument_spec={})
    client = module.get_client(rate_limit_tier='business', max_retries=2)
    assert client.rate_budget is not None and client.max_retries == 2
    assert module.client is client
    assert client.timeout == 30.0
    assert client.api_url == zoom_stub.url


def test_client_factory_can_be_replaced(module_args, zoom_stub, clean_env, monkeypatch):
    built = []

    def factory(**kwargs):
        built.append(kwargs)
        return 'fake-client'

    monkeypatch.setattr(ZoomModule, 'client_factory', staticmethod(factory))
    with module_args(dict(zoom_stub.module_args(), timeout=7, validate_certs=False)):
        module = ZoomModule(argument_spec={})
    assert module.client == 'fake-client'
    assert built[0]['timeout'] == 7 and built[0]['validate_certs'] is False
    assert built[0]['client_secret'] == zoom_stub.client_secret
    assert callable(built[0]['on_token'])
    assert 'log_hook' not in built[0]


# --------------------------------------------------------------------------- options refused, never replaced

@pytest.mark.parametrize('timeout', [0, -5])
def test_timeout_not_positive_is_refused(run_module, zoom_stub, timeout):
    args = dict(zoom_stub.module_args(), timeout=timeout)
    result = run_module(_main(lambda m: m.exit_json(changed=False, user=m.client.get('/v2/users/a@example.com'))), args)
    assert result['failed'] is True
    assert 'timeout' in result['msg'] and 'greater than 0' in result['msg'] and repr(timeout) in result['msg']
    assert 'leave it out' in result['msg']
    assert not zoom_stub.requests  # refused before anything was sent


def test_empty_urls_are_refused_together(run_module, zoom_stub):
    args = dict(zoom_stub.module_args(), api_url='', oauth_url=' ', timeout=0)
    result = run_module(_main(lambda m: m.exit_json(changed=False)), args)
    assert result['failed'] is True
    assert len(result['problems']) == 3  # every problem at once
    assert 'api_url is empty' in result['msg'] and 'ZOOM_API_URL' in result['msg']
    assert 'oauth_url is empty' in result['msg'] and 'timeout' in result['msg']


def test_empty_url_from_environment_is_refused(run_module, zoom_stub):
    env = dict(zoom_stub.env(), ZOOM_API_URL='')
    result = run_module(_main(lambda m: m.exit_json(changed=False)), {}, env=env)
    assert result['failed'] is True
    assert 'api_url is empty' in result['msg']


# --------------------------------------------------------------------------- encoded secrets

ECHO_SECRET = 'S>?~e>?c~0'  # its Basic value has '+', '/' and padding


def _credential_forms(stub):
    raw = ('%s:%s' % (stub.client_id, stub.client_secret)).encode()
    standard = base64.b64encode(raw).decode()
    urlsafe = base64.urlsafe_b64encode(raw).decode()
    return [stub.client_secret, standard, standard.rstrip('='), urlsafe, urlsafe.rstrip('=')]


@pytest.mark.parametrize('verbosity', [0, 4])
def test_encoded_credentials_never_in_results_warnings_or_debug(run_module, zoom_stub, verbosity):
    zoom_stub.client_secret = ECHO_SECRET
    forms = _credential_forms(zoom_stub)

    def echo(request):
        return zoom_stub.Response(400, json={'code': 300, 'message': 'echo %s / %s' % (request.headers.get('Authorization'), ' '.join(forms))})

    zoom_stub.handle('GET', '/v2/users/a@example.com', echo, times=1)

    def body(module):
        module.warn('careless warning with %s' % ' '.join(forms))
        module.client.get('/v2/users/a@example.com')

    args = dict(zoom_stub.module_args(), _ansible_verbosity=verbosity)
    result = run_module(_main(body), args)
    assert result['failed'] is True
    out = result['_stdout']
    for secret in forms + zoom_stub.issued_tokens:
        assert secret not in out
    assert 'careless warning with' in out
    assert ('zoom_request_log' in result) == (verbosity == 4)


def test_token_error_echoing_basic_header_is_masked(run_module, zoom_stub):
    zoom_stub.client_secret = ECHO_SECRET
    forms = _credential_forms(zoom_stub)
    zoom_stub.handle('POST', '/oauth/token', lambda request: zoom_stub.Response(
        400, json={'reason': 'bad %s' % request.headers.get('Authorization'), 'error': 'invalid_client'}), times=1)
    result = run_module(_main(lambda m: m.client.get('/v2/users/a@example.com')), zoom_stub.module_args())
    assert result['failed'] is True and 'Basic ********' in result['msg']
    for secret in forms:
        assert secret not in result['_stdout']


# --------------------------------------------------------------------------- deprecated values

def test_deprecate_value_warns_and_returns_the_new_value(run_module):
    spec = dict(on_pending=dict(type='str', default='keep', choices=['keep', 'fail', 'warn']))

    def body(module):
        if module.params['on_pending'] == 'warn':
            module.params['on_pending'] = module.deprecate_value('on_pending', 'warn', 'keep')
        module.exit_json(changed=False, on_pending=module.params['on_pending'])

    result = run_module(_main(body, spec=spec), {'on_pending': 'warn'})
    assert result['on_pending'] == 'keep'
    assert len(result['deprecations']) == 1
    text = json.dumps(result['deprecations'])  # the shape of a deprecation differs between ansible-core releases
    assert 'on_pending=warn is deprecated, use on_pending=keep; warn will be removed in 2.0.0.' in text
    assert '2.0.0' in text and 'zoomops.provisioning' in text
    assert 'deprecations' not in run_module(_main(body, spec=spec), {'on_pending': 'keep'})


# --------------------------------------------------------------------------- the simulator-backed module runner

def _set_department(module):
    path = '/v2/users/%s' % quote_path('admin@example.com')
    before = module.client.get(path)
    if not module.check_mode:
        module.client.patch(path, json={'dept': 'Audit'})
    module.exit_json(changed=before.get('dept') != 'Audit')


def test_run_sim_reports_the_writes_of_a_run(run_sim):
    checked = run_sim(_main(_set_department), {}, check=True)
    assert checked['changed'] is True and checked['_writes'] == []
    applied = run_sim(_main(_set_department), {})
    assert [(entry['method'], entry['path']) for entry in applied['_writes']] == [('PATCH', '/v2/users/admin@example.com')]
    assert run_sim.sim.credential.client_secret not in applied['_stdout']


# --------------------------------------------------------------------------- JMESPath queries

QUERY_SPEC = dict(query=dict(type='str'))


def _query_main(data):
    def body(module):
        expression, problem = module.query_expression(example="[?type=='licensed'].email")
        if problem:
            module.fail_json(msg=problem)
        result = dict(changed=False, count=len(data))
        if expression is not None:
            result['query_result'] = module.query_result(expression, data, **result)
        module.exit_json(**result)
    return _main(body, spec=QUERY_SPEC)


def test_query_selects_from_the_data(run_module):
    data = {'users': [{'email': 'a@x.com', 'type': 'licensed'}, {'email': 'b@x.com', 'type': 'basic'}]}
    result = run_module(_query_main(data), {'query': "users[?type=='licensed'].email"})
    assert result['query_result'] == ['a@x.com']
    assert 'query_result' not in run_module(_query_main(data), {})


def test_query_syntax_error_names_the_option_and_an_example(run_module):
    result = run_module(_query_main({'users': []}), {'query': 'users[?type==licensed'})
    assert result['failed'] is True
    assert result['msg'].startswith("query: 'users[?type==licensed' is not a valid JMESPath expression")
    assert "[?type=='licensed'].email" in result['msg'] and 'https://jmespath.org' in result['msg']


def test_query_that_cannot_be_applied_names_the_data(run_module):
    result = run_module(_query_main({'users': [], 'sites': []}), {'query': 'abs(users)'})
    assert result['failed'] is True
    assert 'cannot be applied to the data' in result['msg'] and '(sites, users)' in result['msg']
    assert result['count'] == 2


def test_query_without_jmespath_fails_with_the_library_name(run_module, monkeypatch):
    monkeypatch.setattr(_module, 'HAS_JMESPATH', False)
    result = run_module(_query_main({}), {'query': 'users'})
    assert result['failed'] is True and 'jmespath' in result['msg']
