# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The bad-input corpus (issue #9): every case of bad_input.yml is refused cleanly and before any write.

Per case: the module run fails; no traceback; the message names the field and says the fix; the
simulator's request log shows zero write calls. The table and its keys are described in bad_input.yml.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import json
import os

import pytest
import yaml

from ansible_collections.zoomops.provisioning.tests.unit.corpus.conftest import (  # pylint: disable=import-error
    CORPUS_DIR, MODULES, closed_port_url, has_traceback, result_text)

CASE_KEYS = frozenset(('id', 'module', 'args', 'env', 'check', 'field', 'fix', 'plan', 'edit_plan', 'all_fields', 'files'))


pytestmark = pytest.mark.usefixtures('fast_retries')


def load_cases():
    with open(os.path.join(CORPUS_DIR, 'bad_input.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle)['cases']


CASES = load_cases()


def alternatives(value):
    """A string or a (possibly nested, through YAML aliases) list of strings -> flat list."""
    if isinstance(value, (list, tuple)):
        return [item for part in value for item in alternatives(part)]
    return [str(value)]


def substitute(value, names):
    """Replace "{name}" placeholders in every string of ``value``."""
    if isinstance(value, dict):
        return dict((key, substitute(item, names)) for key, item in value.items())
    if isinstance(value, list):
        return [substitute(item, names) for item in value]
    if isinstance(value, str):
        for name, replacement in names.items():
            value = value.replace('{%s}' % name, replacement)
    return value


def test_table_is_well_formed():
    ids = [case['id'] for case in CASES]
    assert len(ids) == len(set(ids)), 'duplicate ids: %s' % sorted(set(i for i in ids if ids.count(i) > 1))
    assert len(CASES) >= 200
    for case in CASES:
        assert set(case) <= CASE_KEYS, (case['id'], set(case) - CASE_KEYS)
        assert case['module'] in MODULES, case['id']
        assert alternatives(case['field']) and alternatives(case['fix']), case['id']
    assert set(case['module'] for case in CASES) == set(MODULES)


def write_plan(run_zoom, tmp_path, case):
    """Run the case's ``plan`` options in check mode with plan_file; apply ``edit_plan``; -> (path, digest)."""
    path = str(tmp_path / 'plan.json')
    planned = run_zoom('zoom_user_sync', dict(case['plan'], plan_file=path), check=True)
    assert not planned.get('failed'), 'the approval setup run failed: %s' % planned.get('msg')
    with open(path, encoding='utf-8') as handle:
        text = handle.read()
    digest = json.loads(text)['digest']
    if case.get('edit_plan'):
        old, new = case['edit_plan']
        assert old in text, 'edit_plan: %r is not in the plan file' % old
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(text.replace(old, new))
    return path, digest


@pytest.mark.parametrize('case', CASES, ids=[case['id'] for case in CASES])
def test_bad_input_is_refused_before_any_write(case, run_zoom, corpus_sim, tmp_path):
    corpus_sim.use_plain_world()
    names = {'sim_url': corpus_sim.url, 'closed_url': closed_port_url()}
    for name, text in (case.get('files') or {}).items():
        (tmp_path / name).write_text(text, encoding='utf-8')
        names['file:' + name] = str(tmp_path / name)
    if case.get('plan'):
        names['plan_file'], names['plan_digest'] = write_plan(run_zoom, tmp_path, case)
    env = corpus_sim.env(**case['env']) if case.get('env') else None
    seq = corpus_sim.mark()
    try:
        result = run_zoom(case['module'], substitute(case.get('args') or {}, names), check=bool(case.get('check')), env=env)
        writes = corpus_sim.writes(since=seq)
    finally:
        if corpus_sim.writes(since=seq):  # a case that wrote must not leak into the next one (reset: the plain world)
            corpus_sim.reset()
    text = result_text(result)
    problems = []
    if not result.get('failed'):
        problems.append('not refused (changed=%s)' % result.get('changed'))
    if has_traceback(result):
        problems.append('traceback: %s' % (result.get('exception') or '')[-600:])
    fields = alternatives(case['field'])
    named = [field for field in fields if field.lower() in text.lower()]
    if case.get('all_fields') and len(named) != len(fields):
        problems.append('message does not name every field of %s' % fields)
    elif not named:
        problems.append('message does not name the field (one of %s)' % fields)
    if not any(fix.lower() in text.lower() for fix in alternatives(case['fix'])):
        problems.append('message does not say the fix (one of %s)' % alternatives(case['fix']))
    if writes:
        problems.append('%d write call(s): %s' % (len(writes), ['%s %s -> %s' % (w['method'], w['path'], w['status']) for w in writes]))
    assert not problems, '%s: %s\nmessage: %s' % (case['id'], '; '.join(problems), text[:1500])
