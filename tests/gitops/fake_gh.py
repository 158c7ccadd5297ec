# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A stand-in for the GitHub CLI ``gh``, for tests/gitops/run_examples.py.

It answers exactly the calls docs/examples/github-actions.yml makes, from a JSON state file
(``FAKE_GH_STATE``: pull request comments, and which pull request each merge commit came from):

    gh api repos/OWNER/REPO/issues/N/comments [--paginate] [--jq EXPR]
    gh api -X PATCH repos/OWNER/REPO/issues/comments/ID -F body=@FILE
    gh api repos/OWNER/REPO/commits/SHA/pulls [--jq EXPR]
    gh pr comment N --body-file FILE

Anything else exits 2 with a message, so a changed example fails the test instead of passing unseen.
``--jq`` runs the real ``jq -r`` (gh prints strings raw, like jq -r).
"""

import json
import os
import re
import subprocess
import sys


def fail(message):
    sys.stderr.write('fake gh: %s\n' % message)
    sys.exit(2)


def load_state(path):
    with open(path, encoding='utf-8') as handle:
        return json.load(handle)


def save_state(path, state):
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as handle:
        json.dump(state, handle, indent=2)
    os.replace(tmp, path)


def read_body(value):
    """``body=@file`` (-F) or a ``--body-file`` path: the file's text."""
    if value.startswith('body=@'):
        value = value[len('body=@'):]
    elif value.startswith('body='):
        return value[len('body='):]
    with open(value, encoding='utf-8') as handle:
        return handle.read()


def output(data, jq_expr):
    text = json.dumps(data)
    if jq_expr is None:
        print(text)
        return
    done = subprocess.run(['jq', '-r', jq_expr], input=text, capture_output=True, text=True, check=False)
    if done.returncode:
        fail('jq %r failed: %s' % (jq_expr, done.stderr.strip()))
    sys.stdout.write(done.stdout)


def api(state, args, repository):
    method, jq_expr, fields, path = 'GET', None, [], None
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        if arg == '-X':
            method = rest.pop(0)
        elif arg == '--jq':
            jq_expr = rest.pop(0)
        elif arg == '-F':
            fields.append(rest.pop(0))
        elif arg == '--paginate':
            pass  # one page holds everything here
        elif path is None and not arg.startswith('-'):
            path = arg
        else:
            fail('unsupported argument %r in: gh api %s' % (arg, ' '.join(args)))
    prefix = 'repos/%s/' % repository
    if path is None or not path.startswith(prefix):
        fail('path %r is not under %s' % (path, prefix))
    path = path[len(prefix):]
    comments = state['comments']
    match = re.match(r'^issues/(\d+)/comments$', path)
    if match and method == 'GET':
        return output(comments.get(match.group(1), []), jq_expr)
    match = re.match(r'^issues/comments/(\d+)$', path)
    if match and method == 'PATCH':
        if len(fields) != 1:
            fail('PATCH of a comment takes one -F body=@file')
        for thread in comments.values():
            for comment in thread:
                if comment['id'] == int(match.group(1)):
                    comment['body'] = read_body(fields[0])
                    comment['updates'] = comment.get('updates', 0) + 1
                    return output(comment, jq_expr)
        fail('no comment %s' % match.group(1))
    match = re.match(r'^commits/([0-9a-f]+)/pulls$', path)
    if match and method == 'GET':
        number = state['merge_commits'].get(match.group(1))
        return output([{'number': number}] if number else [], jq_expr)
    return fail('unsupported call: gh api -X %s %s' % (method, path))


def pr_comment(state, args):
    if len(args) != 3 or args[1] != '--body-file' or not args[0].isdigit():
        fail('unsupported: gh pr comment %s' % ' '.join(args))
    state['next_id'] += 1
    state['comments'].setdefault(args[0], []).append({'id': state['next_id'], 'body': read_body(args[2])})


def main(argv):
    path = os.environ['FAKE_GH_STATE']
    repository = os.environ['GITHUB_REPOSITORY']
    if not os.environ.get('GH_TOKEN'):
        fail('GH_TOKEN is not set (gh would not be authenticated)')
    state = load_state(path)
    if argv[:1] == ['api']:
        api(state, argv[1:], repository)
    elif argv[:2] == ['pr', 'comment']:
        pr_comment(state, argv[2:])
    else:
        fail('unsupported command: gh %s' % ' '.join(argv))
    save_state(path, state)


if __name__ == '__main__':
    main(sys.argv[1:])
