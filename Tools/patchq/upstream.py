"""Obtain the pinned CPython tarball and verify it.

The tarball is Debian trixie's orig tarball of python3.13, byte-identical
to upstream's Python-3.13.5.tar.xz.  What is pinned is its SHA-256: Debian
stable updates change only the package revision, never the orig tarball.
"""

import hashlib
import re
import shutil
import subprocess

from . import aptsource
from .paths import PatchqError

VERSION = "3.13.5"
PACKAGE = "python3.13"
DEBIAN_REVISION = "3.13.5-2+deb13u5"
TARBALL = f"{PACKAGE}_{VERSION}.orig.tar.xz"
SHA256 = "93e583f243454e6e9e4588ca2c2662206ad961659863277afcdb96801647d640"
TOPDIR = f"Python-{VERSION}"   # the tarball's top-level directory


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path, expected=SHA256):
    """Raise PatchqError unless the file at path has the pinned SHA-256."""
    if not path.is_file():
        raise PatchqError(f"{path}: no such file")
    actual = sha256(path)
    if actual != expected:
        raise PatchqError(
            f"{path}: SHA-256 mismatch\n"
            f"  expected {expected}\n"
            f"  found    {actual}\n"
            f"This is not the pristine CPython {VERSION} tarball; "
            f"refusing to use it. Remove it, or pass the right file with "
            f"./configure --upstream-tarball=PATH.")
    return path


def obtain(downloads, given=None, log=print):
    """Return the path of the verified tarball, cached under downloads."""
    cached = downloads / TARBALL
    if given is not None:
        verify(given)
        if given.resolve() != cached.resolve():
            downloads.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(given, cached)
        return verify(cached)
    if cached.exists():
        return verify(cached)
    fetch_with_apt(downloads, log)
    return verify(cached)


def apt_options(aptdir):
    return [
        "-o", f"Dir::Etc::SourceList={aptdir / 'trixie-src.sources'}",
        "-o", "Dir::Etc::SourceParts=/dev/null",
        "-o", f"Dir::State::Lists={aptdir / 'lists'}",
        "-o", f"Dir::Cache={aptdir / 'cache'}",
        "-o", "Debug::NoDropPrivs=true",
    ]


def fetch_with_apt(downloads, log=print):
    """Download the orig tarball with apt-get source, using a private
    apt configuration that holds only a trixie deb-src entry."""
    if shutil.which("apt-get") is None:
        raise PatchqError(
            "apt-get not found: obtain Python-3.13.5.tar.xz yourself and "
            "run ./configure --upstream-tarball=PATH")
    entry = aptsource.trixie_source_entry(aptsource.machine_entries())
    if entry is None:
        raise PatchqError(
            "no Debian archive found in /etc/apt to derive a trixie deb-src "
            "entry from; pass the tarball with --upstream-tarball=PATH")
    aptdir = downloads / "apt"
    for sub in ("lists/partial", "cache/archives/partial"):
        (aptdir / sub).mkdir(parents=True, exist_ok=True)
    (aptdir / "trixie-src.sources").write_text(entry)
    opts = apt_options(aptdir)
    log("patchq: updating a private apt index of Debian trixie sources")
    run(["apt-get", "-q", *opts, "update"])
    revision = pick_revision(run(["apt-cache", *opts, "showsrc", PACKAGE],
                                 capture=True))
    log(f"patchq: apt-get source --download-only {PACKAGE}={revision}")
    run(["apt-get", "-q", *opts, "source", "--download-only",
         f"{PACKAGE}={revision}"], cwd=downloads)


def pick_revision(showsrc):
    """The pinned Debian revision if apt lists it, else the newest revision
    of the same upstream version (they share the orig tarball)."""
    versions = re.findall(r"^Version: (\S+)$", showsrc, re.MULTILINE)
    if DEBIAN_REVISION in versions:
        return DEBIAN_REVISION
    same = [v for v in versions if v.startswith(VERSION + "-")]
    if not same:
        raise PatchqError(
            f"apt lists no {PACKAGE} {VERSION} source package (found: "
            f"{', '.join(versions) or 'none'}); pass the tarball with "
            f"./configure --upstream-tarball=PATH")
    return max(same, key=debian_version_key)


def debian_version_key(version):
    """Good enough ordering for revisions like 3.13.5-2+deb13u5."""
    return [int(p) if p.isdigit() else p
            for p in re.split(r"(\d+)", version)]


def run(cmd, cwd=None, capture=False):
    proc = subprocess.run(cmd, cwd=cwd, text=True,
                          stdout=subprocess.PIPE if capture else None)
    if proc.returncode != 0:
        raise PatchqError(f"command failed ({proc.returncode}): "
                          + " ".join(map(str, cmd)))
    return proc.stdout
