"""docs/ZOOM-API-FACTS.md: every section the repository cites exists, and the simulator cites nothing outside
the repository (issue #10 item 6)."""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
FACTS = ROOT / "docs" / "ZOOM-API-FACTS.md"
CITATION = re.compile(r"(?:ZOOM-API-FACTS\.md |BEHAVIOU[R]\.md )?§ ?(\d+(?:\.\d+)*)")
OWN = ("tests/simulator", "docs/SIMULATOR.md", "docs/simulator-phone.md", "docs/simulator-users-scim.md",
       "docs/ZOOM-API-FACTS.md")

pytestmark = pytest.mark.skipif(not FACTS.is_file() or not (ROOT / ".git").exists(),
                                reason="runs inside the collection's git checkout only")


def tracked_text_files(*paths):
    listing = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", *paths],
                             cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for name in listing:
        path = ROOT / name
        if path.suffix in (".gz", ".png", ".jpg") or not path.is_file():
            continue
        try:
            yield name, path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue


def facts_sections():
    return set(re.findall(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", FACTS.read_text(encoding="utf-8"), re.M))


def test_facts_doc_keeps_the_sheet_numbering():
    sections = facts_sections()
    expected = {"0", "1", "2", "3", "4", "5", "6", "7", "8"} | {"1.%d" % i for i in range(1, 6)} \
        | {"2.%d" % i for i in range(1, 12)} | {"4.%d" % i for i in range(1, 9)} | {"5.%d" % i for i in range(1, 9)} \
        | {"6.%d" % i for i in range(1, 4)}
    assert expected <= sections, sorted(expected - sections)


def test_every_cited_section_exists():
    """`§2.9`-style citations anywhere in the repository name a section of docs/ZOOM-API-FACTS.md."""
    sections = facts_sections()
    missing = set()
    for name, text in tracked_text_files("."):
        for found in CITATION.finditer(text):
            number = found.group(1)
            if number.count(".") > 1 or int(number.split(".")[0]) > 8:
                continue  # other documents' numbering (e.g. RFC 7644 §3.4.2.2)
            if number not in sections:
                missing.add("%s: §%s" % (name, number))
    assert not missing, sorted(missing)


def test_simulator_files_cite_nothing_outside_the_repository():
    # written so that this file does not match itself
    bad = re.compile(r"BEHAVIOU[R]\.md|/wor[k]/|shared/zoom[-]api|openapi/SOURCE\.md")
    offenders = [name for name, text in tracked_text_files(*OWN) if bad.search(text)]
    assert not offenders
