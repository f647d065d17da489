"""The real series in patches/ against the pinned upstream tarball."""

import subprocess

import pytest

from conftest import ROOT
from patchq import export, series, srctree, upstream

PATCHES = ROOT / "patches"
TARBALL = ROOT / "build" / "downloads" / upstream.TARBALL


def test_series_is_consistent_with_the_files():
    assert series.read(PATCHES / "series"), "the series is empty"
    assert series.check(PATCHES) == []


@pytest.fixture(scope="module")
def applied(tmp_path_factory):
    if not TARBALL.exists():
        pytest.skip("no upstream tarball yet: run ./configure")
    upstream.verify(TARBALL)
    src = tmp_path_factory.mktemp("series") / "src"
    srctree.create(src, TARBALL, upstream.TOPDIR, PATCHES)
    return src


def test_every_patch_applies_and_exports_back_byte_for_byte(
        applied, tmp_path):
    names = series.read(PATCHES / "series")
    assert len(srctree.commits(applied)) == len(names)
    out = tmp_path / "patches"
    out.mkdir()
    for name in names:   # keep the names, as in a checkout
        (out / name).write_bytes((PATCHES / name).read_bytes())
    (out / "series").write_bytes((PATCHES / "series").read_bytes())
    export.export(applied, out, log=lambda *a: None)
    for name in names + ["series"]:
        assert (out / name).read_bytes() == (PATCHES / name).read_bytes(), \
            name


def test_each_patch_carries_tests_and_a_news_entry():
    for name in series.read(PATCHES / "series"):
        text = (PATCHES / name).read_text()
        assert "+++ b/Lib/test/" in text, f"{name} carries no test"
        assert "+++ b/Misc/NEWS.d/next/" in text, f"{name}: no NEWS entry"


def test_news_entries_are_valid_blurbs(applied):
    blurb = pytest.importorskip("blurb._blurb_file")
    entries = sorted((applied / "Misc" / "NEWS.d" / "next").glob("*/*.rst"))
    assert entries
    for path in entries:
        blurbs = blurb.Blurbs()
        blurbs.load_next(str(path))   # raises on a malformed entry
        metadata = blurbs[0][0]
        assert (int(metadata.get("gh-issue", 0)) >= 32426
                or int(metadata.get("bpo", 0)) > 0), path.name


def test_no_restricted_execution_names_remain(applied):
    """Patch 0001: no code defines or uses them any more (the docs name
    them only to record their removal)."""
    names = r"\b(PY_WRITE_RESTRICTED|_Py_WRITE_RESTRICTED|READ_RESTRICTED)\b"
    found = subprocess.run(
        ["git", "-C", str(applied), "grep", "-nE", names, "--",
         "Include", "Objects", "Python", "Modules", "Lib", "PC", "Tools"],
        stdout=subprocess.PIPE, text=True).stdout
    leftovers = [line for line in found.splitlines()
                 if "was _Py_WRITE_RESTRICTED" not in line]
    assert leftovers == []


# CPython's Tools/patchcheck, run on the series against the upstream tag by
# the patched interpreter (patchcheck's reindent must parse 3.13 syntax).
PATCHCHECK = """
import os, sys
src = sys.argv[1]
sys.path[:0] = [os.path.join(src, 'Tools', 'patchcheck')]
import patchcheck, reindent, untabify
patchcheck.SRCDIR = src
files = patchcheck.changed_files('upstream')
py = [f for f in files if f.endswith('.py')]
c = [f for f in files if f.endswith(('.c', '.h'))]
print('python', *patchcheck.normalize_whitespace(py))
print('c', *patchcheck.normalize_c_whitespace(c))
print('news', patchcheck.reported_news({f for f in files
                                        if f.startswith('Misc')}))
"""


def test_patchcheck_is_clean(applied):
    python = ROOT / "build" / "patched" / "python"
    if not python.exists():
        pytest.skip("build/patched is not built")
    # PCbuild's project files end their lines with CRLF, as upstream's.
    check = subprocess.run(["git", "-C", str(applied), "diff", "--check",
                            "upstream", "HEAD", "--", ".", ":!PCbuild"],
                           capture_output=True, text=True)
    assert check.returncode == 0 and check.stdout == "", check.stdout
    proc = subprocess.run([str(python), "-c", PATCHCHECK, str(applied)],
                          capture_output=True, text=True, cwd=applied)
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines()
             if line.split()[:1] in (["python"], ["c"], ["news"])]
    # Nothing that patchcheck would fix (it would rewrite the files).
    assert lines == ["python", "c", "news True"], proc.stdout


def test_news_entries_say_their_issue_is_a_placeholder(applied):
    # Or, for a fix of a defect upstream knows, that it is that issue.
    for path in (applied / "Misc" / "NEWS.d" / "next").glob("*/*.rst"):
        text = " ".join(path.read_text().split())
        assert ("placeholder" in text and "upstream issue" in text
                or "is the upstream issue of this defect" in text), path.name
