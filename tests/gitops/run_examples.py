# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Run the documented GitOps pipelines against the Zoom simulator (``make gitops-test``).

The shell steps are read from docs/examples/github-actions.yml and docs/examples/gitlab-ci.yml, and the
playbook from docs/examples/zoom/sync.yml (which docs/GITOPS.md must show verbatim), so the docs cannot
drift from what is tested. Only what the CI provider would provide is substituted:

- the checkout: a fresh repository directory holding zoom/sync.yml and zoom/users.yml (tests/gitops/users.yml);
- secrets and CI variables (the simulator's credentials; ZOOM_API_URL / ZOOM_OAUTH_URL point at the simulator);
- a fresh HOME per job (a fresh runner), the project venv as the image's Python;
- ZOOMOPS_COLLECTION, the collection source the examples install from: a git repository of this working tree;
- the forge: ``gh`` is tests/gitops/fake_gh.py, the GitLab API a small in-process server (both keep comments);
- ``uses:`` steps: checkout and setup-python are already done, upload-artifact checks that its path exists;
- the GitLab image: a job sees only the base tools of python:3.11-slim, plus what its apt-get line installs.

For each provider: a pull request whose list drops a user (plan in check mode: plan/plan.json and plan/plan.md at
the repository root, zero writes; refused by max_removal_percent: the job fails, plan.json and the comment - which
carries the digest and the Markdown plan - say why), a push adding 2,000 people (a plan longer than a GitHub
comment: the comment holds its start, cut at a line, <details> closed), a push restoring the list (the plan passes;
the comment is updated each time, never duplicated), the merge after someone changed a user in Zoom (the apply, with the
digest read back from the comment, is refused: zero writes, digest_drift in the plan files), a rerun once the change
is undone (applies the approved plan), and a rerun of that (succeeds, zero writes, "already applied"). Then playbooks/audit.yml writes its drift report
(before/after per field, unlisted users) and says where; for a list with a problem it fails but still writes it.

Usage: python tests/gitops/run_examples.py [--only github|gitlab|audit ...] [--keep]
"""

import argparse
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.join(ROOT, 'tests', 'gitops')
EXAMPLES = os.path.join(ROOT, 'docs', 'examples')
WORLD = os.path.join(ROOT, 'tests', 'simulator', 'worlds', 'demo.yml')
PYTHON_BIN = os.path.dirname(os.path.abspath(sys.executable))
CREDENTIALS = {'ZOOM_ACCOUNT_ID': 'demo-account', 'ZOOM_CLIENT_ID': 'demo-client-id',
               'ZOOM_CLIENT_SECRET': 'demo-client-secret'}
MARKER = re.compile(r'^<!-- zoom-plan-digest: (sha256:[0-9a-f]{64}) -->$')
ALREADY_APPLIED = 'already applied'
COMMENT_LIMIT = {'github': 65536, 'gitlab': 1000000}


class Failure(Exception):
    """A documented step did not do what the docs say."""


def check(condition, message):
    if not condition:
        raise Failure(message)


def log(message):
    print('gitops-test: %s' % message, flush=True)


# ---------------------------------------------------------------------------
# the simulator

class Simulator:
    def __init__(self, work):
        self.work = work
        self.process = None
        self.url = None

    def start(self):
        port_file = os.path.join(self.work, 'zoomsim.port')
        with open(os.path.join(self.work, 'zoomsim.log'), 'w', encoding='utf-8') as sim_log:
            self.process = subprocess.Popen(  # pylint: disable=consider-using-with
                [os.path.join(PYTHON_BIN, 'zoomsim'), 'serve', '--port', '0', '--port-file', port_file,
                 '--world', WORLD, '--quiet'], stdout=sim_log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while not (os.path.exists(port_file) and open(port_file, encoding='utf-8').read().strip()):  # pylint: disable=consider-using-with
            check(self.process.poll() is None, 'the simulator exited; see %s/zoomsim.log' % self.work)
            check(time.monotonic() < deadline, 'the simulator did not start within 60 s')
            time.sleep(0.1)
        with open(port_file, encoding='utf-8') as handle:
            self.url = 'http://127.0.0.1:%s' % handle.read().strip()

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read() or b'null')

    def mark(self):
        return self.call('POST', '/_sim/log/mark')['seq']

    def writes_since(self, seq):
        return self.call('GET', '/_sim/log?writes=1&since=%d' % seq)['entries']

    def patch_user(self, email, changes):
        """Change a user through Zoom's API, as an admin in the web portal would."""
        basic = base64.b64encode(('%s:%s' % (CREDENTIALS['ZOOM_CLIENT_ID'], CREDENTIALS['ZOOM_CLIENT_SECRET'])).encode())
        request = urllib.request.Request(
            self.url + '/oauth/token?grant_type=account_credentials&account_id=' + CREDENTIALS['ZOOM_ACCOUNT_ID'],
            method='POST', headers={'Authorization': 'Basic ' + basic.decode()})
        with urllib.request.urlopen(request, timeout=30) as answer:
            token = json.loads(answer.read())['access_token']
        request = urllib.request.Request(self.url + '/v2/users/' + email, data=json.dumps(changes).encode(), method='PATCH',
                                         headers={'Authorization': 'Bearer ' + token, 'Content-Type': 'application/json'})
        with urllib.request.urlopen(request, timeout=30) as answer:
            check(answer.status == 204, 'the simulator did not take the change of %s' % email)

    def user(self, email):
        for user in self.call('GET', '/_sim/state').get('users') or []:
            if user.get('email') == email:
                return user
        return None


# ---------------------------------------------------------------------------
# the forges

class FakeGitLab:
    """The GitLab REST calls of docs/examples/gitlab-ci.yml: merge request notes and a commit's merge requests."""

    def __init__(self, project_id, token):
        self.project_id = str(project_id)
        self.token = token
        self.notes = {}           # iid -> [{'id', 'body', 'updates'}]
        self.merge_commits = {}   # sha -> iid
        self.next_id = 100
        self.unknown = []
        self.server = None

    def start(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # pylint: disable=arguments-differ
                pass

            def do_GET(self):  # pylint: disable=invalid-name
                fake.dispatch(self, 'GET')

            def do_POST(self):  # pylint: disable=invalid-name
                fake.dispatch(self, 'POST')

            def do_PUT(self):  # pylint: disable=invalid-name
                fake.dispatch(self, 'PUT')

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return 'http://127.0.0.1:%d/api/v4' % self.server.server_address[1]

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    @staticmethod
    def reply(handler, status, data):
        payload = json.dumps(data).encode()
        handler.send_response(status)
        handler.send_header('Content-Type', 'application/json')
        handler.send_header('Content-Length', str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def dispatch(self, handler, method):
        url = urlsplit(handler.path)
        length = int(handler.headers.get('Content-Length') or 0)
        form = parse_qs(handler.rfile.read(length).decode('utf-8'), keep_blank_values=True) if length else {}
        if handler.headers.get('PRIVATE-TOKEN') != self.token:
            return self.reply(handler, 401, {'message': '401 Unauthorized'})
        prefix = '/api/v4/projects/%s/' % self.project_id
        path = url.path[len(prefix):] if url.path.startswith(prefix) else None
        match = re.match(r'^merge_requests/(\d+)/notes(?:/(\d+))?$', path or '')
        if match and method == 'GET' and not match.group(2):
            query = parse_qs(url.query)
            notes = sorted(self.notes.get(match.group(1), []), key=lambda n: n['id'],
                           reverse=query.get('sort') == ['desc'])
            return self.reply(handler, 200, notes[:int(query.get('per_page', ['20'])[0])])
        if match and method == 'POST' and not match.group(2) and 'body' in form:
            self.next_id += 1
            note = {'id': self.next_id, 'body': form['body'][0]}
            self.notes.setdefault(match.group(1), []).append(note)
            return self.reply(handler, 201, note)
        if match and method == 'PUT' and match.group(2) and 'body' in form:
            for note in self.notes.get(match.group(1), []):
                if note['id'] == int(match.group(2)):
                    note['body'] = form['body'][0]
                    note['updates'] = note.get('updates', 0) + 1
                    return self.reply(handler, 200, note)
        match = re.match(r'^repository/commits/([0-9a-f]+)/merge_requests$', path or '')
        if match and method == 'GET':
            iid = self.merge_commits.get(match.group(1))
            return self.reply(handler, 200, [{'iid': iid, 'state': 'merged'}] if iid else [])
        self.unknown.append('%s %s' % (method, handler.path))
        return self.reply(handler, 404, {'message': '404 Not Found'})


# ---------------------------------------------------------------------------
# running steps

class Steps:
    """Runs shell scripts the way a runner does, in a clean environment, and keeps their output."""

    def __init__(self, work, sim):
        self.work = work
        self.sim = sim
        self.bin = os.path.join(work, 'bin')
        self.transcript = []

    def base_env(self, home):
        os.makedirs(home, exist_ok=True)
        env = {
            'PATH': os.pathsep.join([self.bin, PYTHON_BIN, '/usr/local/bin', '/usr/bin', '/bin']),
            'HOME': home, 'LANG': 'C.UTF-8', 'CI': 'true', 'TMPDIR': tempfile.gettempdir(),
            'PIP_DISABLE_PIP_VERSION_CHECK': '1', 'ANSIBLE_NOCOLOR': '1', 'ANSIBLE_RETRY_FILES_ENABLED': 'false',
            'ZOOM_API_URL': self.sim.url, 'ZOOM_OAUTH_URL': self.sim.url + '/oauth/token',
        }
        return env

    def run(self, title, script, env, cwd, shell):
        path = os.path.join(self.sim.work, 'step-%d.sh' % len(self.transcript))
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(script)
        started = time.monotonic()
        done = subprocess.run(shell + [path], cwd=cwd, env=env, capture_output=True, text=True, check=False)
        output = done.stdout + done.stderr
        elapsed = time.monotonic() - started
        self.transcript.append('--- %s (exit %d, %.1f s)\n%s' % (title, done.returncode, elapsed, output))
        return done.returncode, output

    def dump(self):
        for entry in self.transcript:
            print(entry)


def make_bin(work, python):
    """GitHub's runner has gh (here the fake) beside the machine's tools (git, curl, jq...)."""
    directory = os.path.join(work, 'bin')
    os.makedirs(directory)
    with open(os.path.join(directory, 'gh'), 'w', encoding='utf-8') as handle:
        handle.write('#!/bin/sh\nexec "%s" "%s" "$@"\n' % (python, os.path.join(HERE, 'fake_gh.py')))
    os.chmod(os.path.join(directory, 'gh'), 0o755)


# What a python:3.11-slim container has on PATH besides Python: the base system, without git, curl or jq.
SLIM_IMAGE_TOOLS = ('awk', 'basename', 'bash', 'cat', 'chmod', 'cp', 'cut', 'date', 'dirname', 'echo', 'env', 'expr',
                    'false', 'find', 'grep', 'gzip', 'head', 'id', 'ln', 'ls', 'mkdir', 'mktemp', 'mv', 'printf', 'pwd',
                    'readlink', 'rm', 'rmdir', 'sed', 'sh', 'sleep', 'sort', 'stat', 'tail', 'tar', 'tee', 'test', 'touch',
                    'tr', 'true', 'uname', 'wc', 'xargs')
# apt-get in that image: `install` links the named packages' commands (curl, jq, git: command = package) from this
# machine into the image's bin directory, so a tool the job does not install is missing, as in the container.
APT_GET = """#!/bin/sh
image_bin=$(dirname "$0")
[ "$1" = install ] || exit 0
for package in "$@"; do
  case "$package" in install|-*) continue ;; esac
  real=$(PATH=/usr/local/bin:/usr/bin:/bin command -v "$package") || { echo "E: Unable to locate package $package" >&2; exit 100; }
  ln -sf "$real" "$image_bin/$package"
done
"""


def make_image_bin(directory):
    """A fresh python:3.11-slim container's tools (the venv is its Python), with its apt-get."""
    os.makedirs(directory)
    for tool in SLIM_IMAGE_TOOLS:
        real = shutil.which(tool, path='/usr/local/bin:/usr/bin:/bin')
        check(real, 'the tool %s of the GitLab image is missing on this machine' % tool)
        os.symlink(real, os.path.join(directory, tool))
    with open(os.path.join(directory, 'apt-get'), 'w', encoding='utf-8') as handle:
        handle.write(APT_GET)
    os.chmod(os.path.join(directory, 'apt-get'), 0o755)


def collection_source(work):
    """A git repository holding this working tree (as a clone of the collection's repository would)."""
    copy = subprocess.run(['bash', os.path.join(ROOT, 'hack', 'sync-collection.sh'), os.path.join(work, 'source')],
                          capture_output=True, text=True, check=True).stdout.strip()
    git = ['git', '-C', copy, '-c', 'user.name=gitops-test', '-c', 'user.email=gitops-test@example.com',
           '-c', 'commit.gpgsign=false']
    subprocess.run(git + ['add', '-A'], check=True)
    subprocess.run(git + ['commit', '-q', '-m', 'the working tree'], check=True)
    return 'git+file://%s,HEAD' % copy


def make_checkout(path):
    """The users' repository: zoom/sync.yml (the documented playbook) and zoom/users.yml."""
    os.makedirs(os.path.join(path, 'zoom'))
    shutil.copy(os.path.join(EXAMPLES, 'zoom', 'sync.yml'), os.path.join(path, 'zoom', 'sync.yml'))
    shutil.copy(os.path.join(HERE, 'users.yml'), os.path.join(path, 'zoom', 'users.yml'))


def check_docs_show_the_playbook():
    with open(os.path.join(EXAMPLES, 'zoom', 'sync.yml'), encoding='utf-8') as handle:
        playbook = handle.read()
    with open(os.path.join(ROOT, 'docs', 'GITOPS.md'), encoding='utf-8') as handle:
        guide = handle.read()
    check('```yaml\n%s```' % playbook in guide,
          'docs/GITOPS.md does not show docs/examples/zoom/sync.yml verbatim (in a ```yaml block): update one of them')


# ---------------------------------------------------------------------------
# GitHub Actions

EXPRESSION = re.compile(r'\$\{\{\s*(.*?)\s*\}\}')


class GitHubJob:
    """One job of the workflow: `if`, `env` (workflow, job, step), `${{ }}` contexts, GITHUB_OUTPUT, `uses:`."""

    def __init__(self, workflow, name, context, steps, checkout):
        self.workflow = workflow
        self.name = name
        self.job = workflow['jobs'][name]
        self.context = context
        self.steps = steps
        self.checkout = checkout
        self.outputs = {}

    def lookup(self, expr):
        parts = expr.split('.')
        if parts[0] == 'steps' and len(parts) == 4 and parts[2] == 'outputs':
            return self.outputs.get(parts[1], {}).get(parts[3], '')
        value = self.context
        for part in parts:
            check(isinstance(value, dict) and part in value, 'unknown expression in %s: %s' % (self.name, expr))
            value = value[part]
        return value

    def condition(self, expr, failed):
        expr = EXPRESSION.sub(r'\1', expr or 'success()').strip()
        if expr in ('success()', 'always()', 'failure()'):
            return {'success()': not failed, 'always()': True, 'failure()': failed}[expr]
        match = re.match(r"^([\w.-]+)\s*(==|!=)\s*'([^']*)'$", expr)
        check(match, 'unsupported condition in %s: %s' % (self.name, expr))
        equal = str(self.lookup(match.group(1))) == match.group(3)
        return (equal if match.group(2) == '==' else not equal) and not failed

    def expand(self, text):
        return EXPRESSION.sub(lambda m: str(self.lookup(m.group(1))), str(text))

    def run(self, base_env):
        """(ran, success, output)."""
        if not self.condition(self.job.get('if'), False):
            return False, True, ''
        failed, outputs = False, []
        env = dict(base_env)
        for scope in (self.workflow.get('env'), self.job.get('env')):
            env.update((key, self.expand(value)) for key, value in (scope or {}).items())
        for index, step in enumerate(self.job['steps']):
            if not self.condition(step.get('if'), failed):
                continue
            title = '%s: %s' % (self.name, step.get('name') or step.get('uses') or index)
            if 'uses' in step:
                failed = self.uses(step) or failed
                continue
            output_file = os.path.join(self.steps.sim.work, 'github-output-%d' % len(self.steps.transcript))
            open(output_file, 'w', encoding='utf-8').close()  # pylint: disable=consider-using-with
            step_env = dict(env, GITHUB_OUTPUT=output_file)
            step_env.update((key, self.expand(value)) for key, value in (step.get('env') or {}).items())
            code, output = self.steps.run(title, self.expand(step['run']), step_env, self.checkout,
                                          ['bash', '--noprofile', '--norc', '-eo', 'pipefail'])
            outputs.append(output)
            with open(output_file, encoding='utf-8') as handle:
                pairs = [line.split('=', 1) for line in handle.read().splitlines() if '=' in line]
            if step.get('id'):
                self.outputs[step['id']] = dict(pairs)
            failed = failed or code != 0
        return True, not failed, '\n'.join(outputs)

    def uses(self, step):
        """True when the action fails."""
        action = step['uses'].split('@')[0]
        if action in ('actions/checkout', 'actions/setup-python'):
            return False  # the checkout exists; the venv's Python is on PATH
        if action == 'actions/upload-artifact':
            path = os.path.join(self.checkout, step['with']['path'])
            present = os.path.isdir(path) and sorted(os.listdir(path))
            self.steps.transcript.append('--- %s: upload-artifact %s: %s' % (self.name, step['with']['path'], present))
            return not present
        raise Failure('no stand-in for the action %s' % action)


def run_github(work, sim, source, steps):
    with open(os.path.join(EXAMPLES, 'github-actions.yml'), encoding='utf-8') as handle:
        workflow = yaml.safe_load(handle)
    check('ZOOMOPS_COLLECTION' in (workflow.get('env') or {}),
          'github-actions.yml has no env ZOOMOPS_COLLECTION (the collection source)')
    workflow['env']['ZOOMOPS_COLLECTION'] = source
    checkout = os.path.join(work, 'github', 'repo')
    make_checkout(checkout)
    state_file = os.path.join(work, 'github', 'gh-state.json')
    merge_sha = 'a1b2c3d4' * 5
    with open(state_file, 'w', encoding='utf-8') as handle:
        json.dump({'comments': {}, 'next_id': 1000, 'merge_commits': {merge_sha: 42}}, handle)

    def pipeline(event, sha, home):
        """The workflow run for one event: {job: (success, output)} of the jobs that ran."""
        context = {
            'github': {'event_name': event, 'token': 'ghs_fake_token', 'repository': 'example/zoom-users',
                       'sha': sha, 'workspace': checkout, 'event': {'pull_request': {'number': 42}}},
            'secrets': dict(CREDENTIALS),
        }
        env = steps.base_env(os.path.join(work, 'github', home))
        env.update(GITHUB_WORKSPACE=checkout, GITHUB_REPOSITORY='example/zoom-users', GITHUB_SHA=sha,
                   GITHUB_EVENT_NAME=event, GITHUB_ACTIONS='true', FAKE_GH_STATE=state_file)
        results = {}
        for name in workflow['jobs']:
            ran, ok, output = GitHubJob(workflow, name, context, steps, checkout).run(env)
            if ran:
                results[name] = (ok, output)
        return results

    def comments():
        with open(state_file, encoding='utf-8') as handle:
            return json.load(handle)['comments'].get('42', [])

    run_pipeline('github', sim, checkout, pipeline, comments, merge_sha)


# ---------------------------------------------------------------------------
# GitLab CI

def gitlab_rule(expr, variables):
    """A `rules: if:` of the example: comparisons joined by &&."""
    def value(token):
        token = token.strip()
        if token.startswith('$'):
            return variables.get(token[1:], '')
        check(token.startswith('"') and token.endswith('"'), 'unsupported rule operand: %s' % token)
        return token[1:-1]

    for clause in expr.split('&&'):
        match = re.match(r'^\s*(\S+)\s*(==|!=)\s*(\S+)\s*$', clause)
        check(match, 'unsupported rule: %s' % expr)
        equal = value(match.group(1)) == value(match.group(3))
        if equal != (match.group(2) == '=='):
            return False
    return True


def run_gitlab(work, sim, source, steps):
    with open(os.path.join(EXAMPLES, 'gitlab-ci.yml'), encoding='utf-8') as handle:
        config = yaml.safe_load(handle)
    check('ZOOMOPS_COLLECTION' in (config.get('variables') or {}),
          'gitlab-ci.yml has no variable ZOOMOPS_COLLECTION (the collection source)')
    checkout = os.path.join(work, 'gitlab', 'repo')
    make_checkout(checkout)
    token = 'glpat-fake-token'
    forge = FakeGitLab(7, token)
    api_url = forge.start()
    merge_sha = 'f0e1d2c3' * 5
    forge.merge_commits[merge_sha] = 17
    job_names = [name for name, spec in config.items() if isinstance(spec, dict) and 'script' in spec]

    def pipeline(event, sha, home):
        """The pipeline for one event: {job: (success, output)} of the jobs its rules let in."""
        variables = {
            'CI': 'true', 'GITLAB_CI': 'true', 'CI_API_V4_URL': api_url, 'CI_PROJECT_ID': '7', 'CI_PROJECT_DIR': checkout,
            'CI_PIPELINE_SOURCE': event, 'CI_COMMIT_SHA': sha, 'CI_DEFAULT_BRANCH': 'main',
            'GITLAB_API_TOKEN': token,
        }
        variables.update(CREDENTIALS)
        if event == 'merge_request_event':
            variables['CI_MERGE_REQUEST_IID'] = '17'
        else:
            variables['CI_COMMIT_BRANCH'] = 'main'
        for key, value in (config.get('variables') or {}).items():
            variables[key] = re.sub(r'\$\{(\w+)\}', lambda m: variables.get(m.group(1), ''), str(value))
        variables['ZOOMOPS_COLLECTION'] = source  # a project CI/CD variable wins over the file's
        results = {}
        for name in job_names:
            spec = config[name]
            if not any(gitlab_rule(rule['if'], variables) for rule in spec.get('rules') or []):
                continue
            env = steps.base_env(os.path.join(work, 'gitlab', home))
            image_bin = os.path.join(work, 'gitlab', home, 'image-' + name)
            make_image_bin(image_bin)
            env.update(variables, PATH=os.pathsep.join([image_bin, PYTHON_BIN]))
            lines = (spec.get('before_script') or config.get('default', {}).get('before_script') or []) + spec['script']
            code, output = steps.run('gitlab %s' % name, '\n'.join(lines) + '\n', env, checkout, ['bash', '-eo', 'pipefail'])
            for path in spec.get('artifacts', {}).get('paths') or []:
                present = os.path.isdir(os.path.join(checkout, path)) and sorted(os.listdir(os.path.join(checkout, path)))
                steps.transcript.append('--- %s: artifacts %s: %s' % (name, path, present))
                check(present, '%s: the artifact path %s does not exist in the checkout' % (name, path))
            results[name] = (code == 0, output)
        return results

    try:
        run_pipeline('gitlab', sim, checkout, pipeline, lambda: forge.notes.get('17', []), merge_sha)
    finally:
        forge.stop()
    check(not forge.unknown, 'gitlab-ci.yml made calls the fake GitLab does not know: %s' % forge.unknown)


# ---------------------------------------------------------------------------
# the scenario, the same for both providers

def run_pipeline(provider, sim, checkout, pipeline, comments, merge_sha):
    """Pull request, second push, merge, rerun of the apply; ``pipeline(event, sha, home)`` runs one event."""
    timings = []
    try:
        pull_request_then_merge(provider, sim, checkout, pipeline, comments, merge_sha, timings)
    finally:
        log('%s: %s' % (provider, ', '.join('%s %.1f s' % item for item in timings)))


def pull_request_then_merge(provider, sim, checkout, pipeline, comments, merge_sha, timings):
    plan_job, apply_job, pr_event = {'github': ('plan', 'apply', 'pull_request'),
                                     'gitlab': ('zoom-plan', 'zoom-apply', 'merge_request_event')}[provider]
    plan_dir = os.path.join(checkout, 'plan')
    users_file = os.path.join(checkout, 'zoom', 'users.yml')
    with open(users_file, encoding='utf-8') as handle:
        full_list = handle.read()
    # the pull request first drops a user by mistake: deactivating 1 of the 5 users in scope is over
    # max_removal_percent=5, refused; then it adds 2,000 people (a plan longer than a GitHub comment); the last push
    # restores the list that is merged
    truncated = ''.join(line for line in full_list.splitlines(True) if 'bob.stone@' not in line)
    large = full_list + ''.join('- {email: new.person.%05d@example.com, first_name: New, last_name: Person%05d}\n' % (i, i)
                                for i in range(2000))
    pushes = (('pull request dropping a user', truncated, False), ('push adding 2,000 people', large, True),
              ('push restoring the list', full_list, True))
    for number, (attempt, content, expect_ok) in enumerate(pushes):
        with open(users_file, 'w', encoding='utf-8') as handle:
            handle.write(content)
        started, mark = time.monotonic(), sim.mark()
        results = pipeline(pr_event, '0123abc%d' % number * 5, 'home-%d' % len(timings))
        timings.append((attempt, time.monotonic() - started))
        check(list(results) == [plan_job], '%s: the %s ran %s, not only %s' % (provider, attempt, list(results), plan_job))
        check(results[plan_job][0] == expect_ok, '%s: the plan job %s on the %s' % (
            provider, 'failed' if expect_ok else 'passed a refused plan', attempt))
        check(not sim.writes_since(mark), '%s: the plan job wrote to Zoom: %s' % (provider, sim.writes_since(mark)))
        for name in ('plan.json', 'plan.md'):
            check(os.path.isfile(os.path.join(plan_dir, name)), '%s: no %s in plan/ at the repository root' % (provider, name))
        check(not os.path.exists(os.path.join(checkout, 'zoom', 'plan')), '%s: a plan landed in zoom/plan' % provider)
        with open(os.path.join(plan_dir, 'plan.json'), encoding='utf-8') as handle:
            plan = json.load(handle)
        with open(os.path.join(plan_dir, 'plan.md'), encoding='utf-8') as handle:
            markdown = handle.read()
        check('new.hire@example.com' in markdown, '%s: plan.md does not list the create' % provider)
        posted = comments()
        check(len(posted) == 1, '%s: expected one plan comment after the %s, found %d' % (provider, attempt, len(posted)))
        body = posted[0]['body']
        check(posted[0].get('updates', 0) == number, '%s: the %s did not update the plan comment' % (provider, attempt))
        marker = MARKER.match(body.split('\n', 1)[0])
        check(marker and marker.group(1) == plan['digest'],
              '%s: the comment does not start with the digest marker of plan.json: %r' % (provider, body[:120]))
        check(len(body) <= COMMENT_LIMIT[provider], '%s: the comment is longer than the forge allows' % provider)
        check_comment_holds(provider, body, markdown)
        if content is large:
            check(len(markdown) > COMMENT_LIMIT['github'], 'the plan of 2,000 creates fits a GitHub comment: make it longer')
        if not expect_ok:
            refusal = plan.get('refusal') or {}
            check(refusal.get('rule') == 'max_removal_percent' and refusal.get('users') == ['bob.stone@example.com'],
                  '%s: plan.json does not hold the max_removal_percent refusal: %s' % (provider, refusal))
            check('### Refused: max_removal_percent' in body and 'The plan failed' in body,
                  '%s: the comment does not say the plan was refused and why' % provider)
    check(sim.user('new.hire@example.com') is None, '%s: the plan created a user' % provider)

    # someone changes a user in the web portal after the review: the merge is refused with zero writes and the plan
    # file says what differs; once the change is undone, re-running the job applies the approved plan
    for attempt in ('merge after a change in Zoom', 'rerun after undoing it', 'rerun of the apply'):
        if attempt == 'merge after a change in Zoom':
            sim.patch_user('ann.lee@example.com', {'last_name': 'Leigh'})
        elif attempt == 'rerun after undoing it':
            sim.patch_user('ann.lee@example.com', {'last_name': 'Lee'})
        started, mark = time.monotonic(), sim.mark()
        results = pipeline('push', merge_sha, 'home-%d' % len(timings))
        timings.append((attempt, time.monotonic() - started))
        check(list(results) == [apply_job], '%s: the %s ran %s, not only %s' % (provider, attempt, list(results), apply_job))
        ok, output = results[apply_job]
        writes = sim.writes_since(mark)
        if attempt == 'merge after a change in Zoom':
            with open(os.path.join(plan_dir, 'plan.json'), encoding='utf-8') as handle:
                refusal = json.load(handle).get('refusal') or {}
            with open(os.path.join(plan_dir, 'plan.md'), encoding='utf-8') as handle:
                markdown = handle.read()
            check(not ok and not writes, '%s: the apply after a change in Zoom was not refused with zero writes' % provider)
            check(refusal.get('rule') == 'digest_drift' and '### Refused: digest_drift' in markdown,
                  '%s: the plan files do not hold the digest_drift refusal: %s' % (provider, refusal))
            continue
        check(ok, '%s: the apply job failed on the %s' % (provider, attempt))
        if attempt == 'rerun after undoing it':
            user = sim.user('new.hire@example.com')
            check(writes and user and user.get('status') == 'active',
                  '%s: the apply did not create new.hire@example.com (%d writes): %s' % (provider, len(writes), user))
            with open(os.path.join(checkout, 'plan', 'progress.jsonl'), encoding='utf-8') as handle:
                events = [json.loads(line) for line in handle if line.strip()]
            check(events and events[-1].get('event') == 'finished' and not events[-1].get('failed'),
                  '%s: plan/progress.jsonl does not end with the finished apply: %s' % (provider, events[-1:]))
        else:
            check(not writes, '%s: the rerun of the apply wrote to Zoom: %s' % (provider, writes))
            check(ALREADY_APPLIED in output, '%s: the rerun does not say "%s"' % (provider, ALREADY_APPLIED))
    log('%s: ok' % provider)


def check_comment_holds(provider, body, markdown):
    """The comment holds plan.md, or - when plan.md is longer than a comment - its start cut at a line, with every
    <details> closed and a note saying where the whole plan is."""
    if markdown.strip() in body:
        return
    check('this is its start' in body, '%s: the comment holds neither plan.md nor the note that it was cut' % provider)
    part = body[body.index('## Zoom user sync plan'):body.index('\n\n_The plan is longer than a')]
    check(part.count('<details') == part.count('</details>'), '%s: the cut comment leaves a <details> open' % provider)
    closing = '\n\n</details>'
    kept = part[:-len(closing)] if part.endswith(closing) and not markdown.startswith(part + '\n') else part
    check(len(kept) > 50000 and markdown.startswith(kept + '\n'),
          '%s: the comment does not hold the start of plan.md cut at a line' % provider)


def run_audit(work, sim, source, steps):
    """playbooks/audit.yml writes the Markdown drift report (before/after, unlisted users) to a file and says where."""
    mark = sim.mark()
    env = steps.base_env(os.path.join(work, 'audit', 'home'))
    env.update(CREDENTIALS)
    report = os.path.join(work, 'audit', 'drift.md')
    people = os.path.join(HERE, 'audit-users.yml')
    code, output = steps.run(
        'audit', 'ansible-galaxy collection install "%s"\n'
        'ansible-playbook zoomops.provisioning.audit -e audit_users_file=%s -e audit_domains=example.com '
        '-e audit_report_file=%s\n' % (source, people, report), env, os.path.join(work, 'audit'), ['bash', '-eo', 'pipefail'])
    check(code == 0, 'audit: the playbook failed')
    check(os.path.isfile(report), 'audit: no report at %s' % report)
    check(report in output, 'audit: the output does not say where the report is')
    with open(report, encoding='utf-8') as handle:
        text = handle.read()
    check('| `dan.ruiz@example.com` | last_name | Ruiz | Ruiz-Diaz |' in text,
          'audit: the report lacks the before/after of the changed field')
    for email in ('bob.stone@example.com', 'frank.old@example.com'):
        check('`%s`' % email in text, 'audit: the report does not show %s, in scope but not in the list' % email)
    check('erin.cho' not in text and 'it.admin' not in text, 'audit: the report shows a user outside the scope')

    # a list with a problem: the audit fails, but the report is written (with the refusal) and said where
    bad_list = os.path.join(work, 'audit', 'bad-users.yml')
    with open(bad_list, 'w', encoding='utf-8') as handle:
        handle.write('- {email: ann.lee@example.com, type: gold}\n')
    code, output = steps.run(
        'audit of a bad list', 'ansible-playbook zoomops.provisioning.audit -e audit_users_file=%s '
        '-e audit_report_file=%s\n' % (bad_list, report), env, os.path.join(work, 'audit'), ['bash', '-eo', 'pipefail'])
    with open(report, encoding='utf-8') as handle:
        text = handle.read()
    check(code != 0 and report in output, 'audit: a list with a problem did not fail, or did not say where the report is')
    check('### Refused: problems' in text and 'gold' in text, 'audit: the report of a bad list does not hold the problem')
    check(not sim.writes_since(mark), 'audit: the audit wrote to Zoom: %s' % sim.writes_since(mark))
    log('audit: ok')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--only', choices=('github', 'gitlab', 'audit'), action='append',
                        help='run only this part (repeatable; default: all)')
    parser.add_argument('--keep', action='store_true', help='keep the work directory')
    args = parser.parse_args(argv)
    work = tempfile.mkdtemp(prefix='zoomops-gitops-')
    parts = {'github': run_github, 'gitlab': run_gitlab, 'audit': run_audit}
    failed = None
    try:
        missing = [tool for tool in ('git', 'jq', 'curl') if not shutil.which(tool)]
        check(not missing, 'the example pipelines need %s on this machine (e.g. apt-get install %s)'
              % (' and '.join(missing), ' '.join(missing)))
        check_docs_show_the_playbook()
        make_bin(work, sys.executable)
        source = collection_source(work)
        for name in args.only or list(parts):
            sim = Simulator(os.path.join(work, name))
            steps = Steps(work, sim)
            os.makedirs(sim.work)
            try:
                sim.start()
                parts[name](work, sim, source, steps)
            except Failure as exc:
                failed = failed or exc
                steps.dump()
                log('FAILED: %s' % exc)
            finally:
                sim.stop()
    except Failure as exc:
        failed = exc
        log('FAILED: %s' % exc)
    if args.keep or failed:
        log('work directory kept: %s' % work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
