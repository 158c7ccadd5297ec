# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""pylint's duplicate-code check (R0801) over plugins/ (`make duplicate-code`), with pylint's defaults.

It runs on a copy of plugins/ in which the module documentation strings - the module-level ``DOCUMENTATION``,
``EXAMPLES`` and ``RETURN`` assignments - are blanked (same line numbers). They are YAML data for ansible-doc, and
Ansible's conventions make every module repeat parts of them (the ``author`` and ``extends_documentation_fragment``
block, ``module_defaults`` in examples, common return values); the check is about code implemented twice. Everything
else - module_utils, doc fragments, module code - is checked as it is.

Blanking them also makes pylint see all of the module code: its docstring detection (``ignore-docstrings``) takes a
line that starts with triple quotes - such as the closing line of ``DOCUMENTATION = r\'\'\'...`` - as the start of a
docstring and skips the code after it, so on the files as they are it misses duplicated module code.

Usage: python hack/duplicate_code.py [extra pylint options]
"""

import ast
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC_STRINGS = ('DOCUMENTATION', 'EXAMPLES', 'RETURN')
# pylint's defaults, spelled out: 4 lines; comments, docstrings, imports and signatures ignored
PYLINT = ['--persistent=n', '--disable=all', '--enable=duplicate-code', '--min-similarity-lines=4', '--recursive=y']


def blank_doc_strings(source, name):
    """``source`` with the module-level DOCUMENTATION/EXAMPLES/RETURN string assignments replaced by a one-line
    string naming the file (so the placeholders of two modules do not match each other), line count kept."""
    lines = source.splitlines(True)
    for node in ast.parse(source).body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id in DOC_STRINGS and isinstance(node.value, ast.Constant)):
            first, last = node.lineno - 1, node.end_lineno
            lines[first:last] = ['%s = "%s"\n' % (node.targets[0].id, name)] + ['\n'] * (last - first - 1)
    return ''.join(lines)


def main(argv):
    work = tempfile.mkdtemp(prefix='zoomops-duplicate-code-')
    try:
        for directory, _dirs, files in os.walk(os.path.join(ROOT, 'plugins')):
            for name in files:
                if not name.endswith('.py'):
                    continue
                source = os.path.join(directory, name)
                target = os.path.join(work, os.path.relpath(source, ROOT))
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(source, encoding='utf-8') as handle:
                    text = handle.read()
                with open(target, 'w', encoding='utf-8') as handle:
                    handle.write(blank_doc_strings(text, name) if os.sep + 'modules' + os.sep in source else text)
        # from the copy's root, so the reports name plugins/... with the line numbers of the real files
        return subprocess.call([sys.executable, '-m', 'pylint'] + PYLINT + argv + ['plugins'], cwd=work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
