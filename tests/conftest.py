import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "Tools"))

TOPDIR = "Python-0.0.0"


@pytest.fixture
def tarball(tmp_path):
    """A tiny stand-in for the upstream tarball."""
    top = tmp_path / "tree" / TOPDIR
    (top / "Lib").mkdir(parents=True)
    (top / "README").write_text("upstream readme\n")
    (top / "Lib" / "mod.py").write_text("x = 1\ny = 2\nz = 3\n")
    (top / ".gitignore").write_text("*.o\n")
    (top / "shipped.o").write_text("ignored by .gitignore, shipped anyway\n")
    path = tmp_path / "upstream.tar.xz"
    with tarfile.open(path, "w:xz") as tar:
        tar.add(top, arcname=TOPDIR)
    return path


def git(repo, *args):
    return subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=t@example.org",
         "-C", str(repo), *args],
        check=True, stdout=subprocess.PIPE, text=True).stdout


def commit(repo, path, text, message, date="2026-01-01T00:00:00Z"):
    (repo / path).write_text(text)
    git(repo, "add", path)
    subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=t@example.org",
         "-C", str(repo), "commit", "-q", f"--date={date}", "-m", message],
        check=True)
