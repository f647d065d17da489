"""build/src as a git tree, export, and the refusal to lose work."""

import pytest

from conftest import TOPDIR, commit, git
from patchq import export, series, srctree
from patchq.paths import PatchqError


@pytest.fixture
def queue(tmp_path, tarball):
    """A source tree with two commits after upstream, exported."""
    src, patches = tmp_path / "src", tmp_path / "patches"
    patches.mkdir()
    srctree.create(src, tarball, TOPDIR, patches)
    commit(src, "Lib/mod.py", "x = 10\ny = 2\nz = 3\n", "Change x\n\nWhy.")
    commit(src, "README", "patched readme\n", "Reword the readme")
    export.export(src, patches, log=lambda *a: None)
    return src, patches


def snapshot(directory):
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_upstream_commit_holds_the_whole_tarball(tmp_path, tarball):
    src = tmp_path / "src"
    srctree.create(src, tarball, TOPDIR, tmp_path)
    files = git(src, "ls-files").split()
    assert files == [".gitignore", "Lib/mod.py", "README", "shipped.o"]
    assert git(src, "rev-parse", "HEAD") == git(src, "rev-parse", "upstream")


def test_export_writes_series_and_numbered_patches(queue):
    src, patches = queue
    assert series.read(patches / "series") == [
        "0001-change-x.patch", "0002-reword-the-readme.patch"]
    assert series.check(patches) == []
    text = (patches / "0001-change-x.patch").read_text()
    assert text.startswith("From 0000000000000000000000000000000000000000 ")
    assert "Subject: [PATCH] Change x" in text
    assert not text.rstrip().endswith("--")  # no version signature


def test_export_of_an_unchanged_tree_is_byte_identical(queue):
    src, patches = queue
    before = snapshot(patches)
    export.export(src, patches, log=lambda *a: None)
    assert snapshot(patches) == before


def test_round_trip_import_then_export_gives_the_same_bytes(
        queue, tmp_path, tarball):
    _, patches = queue
    before = snapshot(patches)
    again = tmp_path / "again"
    srctree.create(again, tarball, TOPDIR, patches)
    assert len(srctree.commits(again)) == 2
    export.export(again, patches, log=lambda *a: None)
    assert snapshot(patches) == before


def test_inserting_a_patch_renames_no_other(queue):
    src, patches = queue
    # Insert a commit between the two: rebuild the branch by hand.
    first, second = srctree.commits(src)
    git(src, "checkout", "-q", "-B", "main", first)
    commit(src, "Lib/new.py", "new = True\n", "Add a new module")
    git(src, "cherry-pick", second)
    export.export(src, patches, log=lambda *a: None)
    assert series.read(patches / "series") == [
        "0001-change-x.patch", "0003-add-a-new-module.patch",
        "0002-reword-the-readme.patch"]
    assert series.check(patches) == []


def test_a_reworded_patch_keeps_its_number(queue):
    src, patches = queue
    git(src, "commit", "-q", "--amend", "-m", "Reword the README file")
    export.export(src, patches, log=lambda *a: None)
    assert series.read(patches / "series")[1] == "0002-reword-the-readme.patch"
    assert "Reword the README file" in (
        patches / "0002-reword-the-readme.patch").read_text()


def test_a_dropped_patch_is_removed(queue):
    src, patches = queue
    git(src, "reset", "-q", "--hard", "HEAD~1")
    export.export(src, patches, log=lambda *a: None)
    assert series.read(patches / "series") == ["0001-change-x.patch"]
    assert not (patches / "0002-reword-the-readme.patch").exists()


def test_export_carries_commits_only_and_says_so(queue):
    src, patches = queue
    before = snapshot(patches)
    (src / "README").write_text("edited\n")
    said = []
    export.export(src, patches, log=said.append)
    assert snapshot(patches) == before
    assert any("1 uncommitted change(s)" in line for line in said)
    assert srctree.unexported_work(src, patches)


def test_an_exported_tree_has_no_unexported_work(queue):
    src, patches = queue
    assert srctree.unexported_work(src, patches) == []


def test_bytecode_written_by_a_build_is_not_work(queue):
    src, patches = queue
    (src / "Lib" / "__pycache__").mkdir()
    (src / "Lib" / "__pycache__" / "mod.cpython-313.pyc").write_bytes(b"\0")
    assert srctree.unexported_work(src, patches) == []
    git(src, "add", "-A")
    assert "__pycache__" not in git(src, "diff", "--cached", "--name-only")


@pytest.mark.parametrize("make_work", ["commit", "edit", "untracked"])
def test_sync_refuses_to_clobber_unexported_work(
        queue, tarball, tmp_path, make_work):
    src, patches = queue
    if make_work == "commit":
        commit(src, "Lib/mod.py", "x = 11\ny = 2\nz = 3\n", "Local work")
    elif make_work == "edit":
        (src / "Lib" / "mod.py").write_text("x = 12\n")
    else:
        (src / "Lib" / "brand_new.py").write_text("pass\n")
    assert srctree.unexported_work(src, patches)
    # patches/ moves on (as after a pull), so the tree would be re-applied.
    (patches / "0002-reword-the-readme.patch").unlink()
    series.write(patches / "series", ["0001-change-x.patch"])
    head = git(src, "rev-parse", "HEAD")
    with pytest.raises(PatchqError) as err:
        srctree.sync(src, tarball, TOPDIR, patches, log=lambda *a: None)
    assert "make export" in str(err.value)
    assert git(src, "rev-parse", "HEAD") == head
    if make_work == "edit":
        assert (src / "Lib" / "mod.py").read_text() == "x = 12\n"


def test_sync_keeps_a_tree_that_holds_the_series(queue, tarball):
    src, patches = queue
    commit(src, "Lib/mod.py", "x = 11\ny = 2\nz = 3\n", "Work in progress")
    head = git(src, "rev-parse", "HEAD")
    srctree.sync(src, tarball, TOPDIR, patches, log=lambda *a: None)
    assert git(src, "rev-parse", "HEAD") == head


def test_sync_reapplies_a_new_series_when_nothing_is_lost(
        queue, tarball, tmp_path):
    src, patches = queue
    (patches / "0002-reword-the-readme.patch").unlink()
    series.write(patches / "series", ["0001-change-x.patch"])
    srctree.sync(src, tarball, TOPDIR, patches, log=lambda *a: None)
    assert len(srctree.commits(src)) == 1
    assert (src / "README").read_text() == "upstream readme\n"


def test_a_patch_that_does_not_apply_is_reported(tmp_path, tarball):
    patches = tmp_path / "patches"
    patches.mkdir()
    (patches / "0001-bad.patch").write_text(
        "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 "
        "2001\nFrom: T <t@example.org>\nDate: Thu, 1 Jan 2026 00:00:00 "
        "+0000\nSubject: [PATCH] Bad\n\n---\n"
        "diff --git a/README b/README\n--- a/README\n+++ b/README\n"
        "@@ -1 +1 @@\n-not what is there\n+new\n")
    series.write(patches / "series", ["0001-bad.patch"])
    with pytest.raises(PatchqError, match="0001-bad.patch does not apply"):
        srctree.create(tmp_path / "src", tarball, TOPDIR, patches)


def test_series_check_finds_inconsistencies(tmp_path):
    (tmp_path / "0001-a.patch").write_text("")
    (tmp_path / "0007-stray.patch").write_text("")
    series.write(tmp_path / "series",
                 ["0001-a.patch", "0002-missing.patch", "0001-a.patch",
                  "Bad Name.patch"])
    problems = series.check(tmp_path)
    assert "0001-a.patch is listed twice in series" in problems
    assert "0002-missing.patch is listed in series but missing" in problems
    assert "0007-stray.patch is not listed in series" in problems
    assert "Bad Name.patch: not a NNNN-slug.patch name" in problems


def test_slug():
    assert series.slug("Add PyThreadState.builtins (SPEC 4.2)") == \
        "add-pythreadstate-builtins-spec-4-2"
    assert len(series.slug("word " * 40)) <= series.SLUG_MAX


def test_changes_made_by_a_test_run_are_found(queue):
    src, _ = queue
    (src / "README").write_text("work in progress\n")    # the developer's
    before = srctree.snapshot(src)
    assert srctree.changes_since(src, before) == []
    (src / "Lib" / "__pycache__").mkdir()                 # bytecode: not a change
    (src / "Lib" / "__pycache__" / "mod.cpython-313.pyc").write_bytes(b"\0")
    assert srctree.changes_since(src, before) == []
    (src / "Lib" / "mod.py").write_text("print(world)")  # as test_pdb did
    (src / "stray.py").write_text("")
    assert srctree.changes_since(src, before) == [" M Lib/mod.py",
                                                  "?? stray.py"]
    (src / "Lib" / "mod.py").write_text(git(src, "show", "HEAD:Lib/mod.py"))
    (src / "stray.py").unlink()
    (src / "README").write_text("work in progress, changed by a test\n")
    assert srctree.changes_since(src, before) == [
        "(a file that was already modified changed again)"]
