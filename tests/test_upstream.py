import hashlib

import pytest

from patchq import upstream
from patchq.paths import PatchqError


def test_verify_accepts_the_pinned_checksum(tmp_path):
    path = tmp_path / "t.tar.xz"
    path.write_bytes(b"content")
    expected = hashlib.sha256(b"content").hexdigest()
    assert upstream.verify(path, expected) == path


def test_verify_refuses_a_mismatch_with_a_clear_message(tmp_path):
    path = tmp_path / "t.tar.xz"
    path.write_bytes(b"not the CPython tarball")
    with pytest.raises(PatchqError) as err:
        upstream.verify(path)
    message = str(err.value)
    assert "SHA-256 mismatch" in message
    assert upstream.SHA256 in message
    assert hashlib.sha256(b"not the CPython tarball").hexdigest() in message
    assert "--upstream-tarball" in message


def test_a_wrong_given_tarball_is_refused_and_not_cached(tmp_path):
    given = tmp_path / "Python-3.13.5.tar.xz"
    given.write_bytes(b"tampered")
    downloads = tmp_path / "downloads"
    with pytest.raises(PatchqError, match="SHA-256 mismatch"):
        upstream.obtain(downloads, given)
    assert not (downloads / upstream.TARBALL).exists()


def test_a_corrupted_cache_is_refused(tmp_path):
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    (downloads / upstream.TARBALL).write_bytes(b"truncated")
    with pytest.raises(PatchqError, match="SHA-256 mismatch"):
        upstream.obtain(downloads)


def test_pick_revision_prefers_the_pinned_one():
    listing = ("Package: python3.13\nVersion: 3.13.5-2+deb13u6\n\n"
               f"Package: python3.13\nVersion: {upstream.DEBIAN_REVISION}\n")
    assert upstream.pick_revision(listing) == upstream.DEBIAN_REVISION


def test_pick_revision_falls_back_to_the_newest_of_the_same_version():
    listing = ("Version: 3.13.5-2+deb13u6\n\nVersion: 3.13.5-2+deb13u10\n\n"
               "Version: 3.13.7-1\n")
    assert upstream.pick_revision(listing) == "3.13.5-2+deb13u10"


def test_pick_revision_refuses_another_upstream_version():
    with pytest.raises(PatchqError, match="--upstream-tarball"):
        upstream.pick_revision("Version: 3.13.7-1\n")
