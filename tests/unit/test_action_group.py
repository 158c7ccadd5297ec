# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``zoom`` action group in meta/runtime.yml lists exactly the collection's modules.

Users write ``module_defaults: {group/zoomops.provisioning.zoom: {...}}`` once; a module
missing from the group silently ignores those defaults, and a stale entry breaks the group.
"""

from __future__ import annotations

import os

import pytest
import yaml

COLLECTION = "zoomops.provisioning"
GROUP = "zoom"
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir))


def module_names(root=ROOT):
    """Short names of the modules in plugins/modules (no __init__, no private helpers)."""
    modules_dir = os.path.join(root, "plugins", "modules")
    if not os.path.isdir(modules_dir):
        return []
    return sorted(
        name[:-3]
        for name in os.listdir(modules_dir)
        if name.endswith(".py") and name != "__init__.py" and not name.startswith("_")
    )


def group_entries(root=ROOT, group=GROUP):
    """Entries of action_groups.<group> in meta/runtime.yml, as written."""
    with open(os.path.join(root, "meta", "runtime.yml"), encoding="utf-8") as handle:
        runtime = yaml.safe_load(handle) or {}
    groups = runtime.get("action_groups") or {}
    assert group in groups, "meta/runtime.yml has no action_groups.%s" % group
    entries = groups[group]
    assert isinstance(entries, list), "action_groups.%s must be a list" % group
    return entries


def short_names(entries, collection=COLLECTION):
    """Normalise group entries to short module names; reject anything else."""
    names = []
    prefix = collection + "."
    for entry in entries:
        if isinstance(entry, dict) and set(entry) == {"metadata"}:
            continue  # group metadata (e.g. extend_group) is not a module
        assert isinstance(entry, str), "unexpected group entry %r" % (entry,)
        if entry.startswith(prefix):
            entry = entry[len(prefix):]
        assert "." not in entry, "%r is not a module of %s" % (entry, collection)
        names.append(entry)
    return names


def check_group(root=ROOT):
    """Return a list of problems (empty when the group matches the modules)."""
    problems = []
    names = short_names(group_entries(root))
    modules = module_names(root)
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        problems.append("listed more than once: %s" % ", ".join(duplicates))
    missing = sorted(set(modules) - set(names))
    if missing:
        problems.append("modules missing from the group: %s" % ", ".join(missing))
    extra = sorted(set(names) - set(modules))
    if extra:
        problems.append("group entries without a module in plugins/modules: %s" % ", ".join(extra))
    if not modules:
        problems.append("plugins/modules holds no modules")
    return problems


def test_action_group_lists_exactly_the_modules():
    problems = check_group()
    assert not problems, "meta/runtime.yml action_groups.%s: %s" % (GROUP, "; ".join(problems))


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        (["zoom_user", "zoomops.provisioning.zoom_user_info"], ["zoom_user", "zoom_user_info"]),
        ([{"metadata": {"extend_group": ["other"]}}, "zoom_user"], ["zoom_user"]),
    ],
)
def test_short_names_accepts_short_and_fqcn(entries, expected):
    assert short_names(entries) == expected


@pytest.mark.parametrize("entry", ["community.general.foo", 42, {"zoom_user": None}])
def test_short_names_rejects_foreign_entries(entry):
    with pytest.raises(AssertionError):
        short_names([entry])


def _make_tree(tmp_path, modules, group):
    (tmp_path / "meta").mkdir()
    (tmp_path / "plugins" / "modules").mkdir(parents=True)
    (tmp_path / "plugins" / "modules" / "__init__.py").write_text("")
    for name in modules:
        (tmp_path / "plugins" / "modules" / (name + ".py")).write_text("# module\n")
    (tmp_path / "meta" / "runtime.yml").write_text(yaml.safe_dump({"action_groups": {GROUP: group}}))
    return str(tmp_path)


def test_check_group_passes_on_match(tmp_path):
    root = _make_tree(tmp_path, ["zoom_a", "zoom_b"], ["zoom_a", "zoomops.provisioning.zoom_b"])
    assert check_group(root) == []


@pytest.mark.parametrize(
    ("modules", "group", "fragment"),
    [
        (["zoom_a", "zoom_b"], ["zoom_a"], "missing from the group: zoom_b"),
        (["zoom_a"], ["zoom_a", "zoom_gone"], "without a module in plugins/modules: zoom_gone"),
        (["zoom_a"], ["zoom_a", "zoomops.provisioning.zoom_a"], "listed more than once: zoom_a"),
        ([], [], "holds no modules"),
    ],
)
def test_check_group_reports_drift(tmp_path, modules, group, fragment):
    root = _make_tree(tmp_path, modules, group)
    assert any(fragment in problem for problem in check_group(root))
