"""docs/pep.rst: plain reStructuredText that docutils renders without a
warning, in PEP 12's structure, with no figure left to fill in."""

import re

import pytest

from conftest import ROOT

PEP = ROOT / "docs" / "pep.rst"
SECTIONS = ["Abstract", "Motivation", "Rationale", "Specification",
            "Backwards Compatibility", "Security Implications",
            "How to Teach This", "Reference Implementation", "Performance",
            "Rejected Ideas", "Open Issues", "Copyright"]


def test_docutils_renders_it_without_warnings():
    core = pytest.importorskip("docutils.core")
    html = core.publish_string(
        PEP.read_text(), writer="html",
        settings_overrides={"halt_level": 2, "report_level": 2,
                            "warning_stream": False})
    assert b"Builtins-Scoped Interpreter State" in html


def test_it_has_the_sections_of_pep_12_in_order():
    text = PEP.read_text()
    headers = re.findall(r"^(.+)\n=+\n", text, re.MULTILINE)
    assert [h for h in headers if h in SECTIONS] == SECTIONS
    preamble = text.split("\n\n", 1)[0]
    for field in ("PEP", "Title", "Author", "Status", "Type", "Created",
                  "Python-Version"):
        assert re.search(rf"^{field}: \S", preamble, re.MULTILINE), field


def test_no_placeholder_is_left():
    assert "@@" not in PEP.read_text()
