"""build/src: pristine upstream as one commit (tag "upstream"), then one
commit per patch of the series, applied with git am.

The tree is where developers work, so nothing here may throw away work
that patches/ does not hold: every operation that would replace the tree
first asks unexported_work() and refuses if it finds any.
"""

import hashlib
import shutil
import subprocess
import tarfile

from . import series
from .git import git, patch_id
from .paths import PatchqError

TAG = "upstream"
UPSTREAM_AUTHOR = "CPython upstream <python-dev@python.org>"
UPSTREAM_DATE = "2025-06-11T00:00:00Z"   # the 3.13.5 release
IDENTITY = ["-c", "user.name=patchq", "-c", "user.email=patchq@localhost"]
# Release tarballs ship no .gitignore, yet running a build's python writes
# bytecode next to the sources: keep it out of commits and of the check
# for unexported work.
EXCLUDE = "__pycache__/\n*.pyc\n"


def unpack(tarball, dest, topdir):
    """Unpack the tarball's top directory into dest (which must not exist)."""
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with tarfile.open(tarball) as tar:
        tar.extractall(tmp, filter="tar")
    (tmp / topdir).rename(dest)
    tmp.rmdir()


def create(src, tarball, topdir, patches_dir):
    """Make src from the tarball and apply the series."""
    if src.exists():
        raise PatchqError(f"{src} exists; refusing to replace it")
    unpack(tarball, src, topdir)
    git(src, "init", "-q", "-b", "main")
    with open(src / ".git" / "info" / "exclude", "a") as exclude:
        exclude.write(EXCLUDE)
    # The tarball ships upstream's .gitignore; add ignored files too, so
    # the commit is the whole tarball.
    git(src, "add", "--all", "--force", ".")
    subprocess.run(
        ["git", *IDENTITY, "-C", str(src), "commit", "-q", "--no-verify",
         f"--author={UPSTREAM_AUTHOR}", f"--date={UPSTREAM_DATE}",
         "-m", f"CPython {topdir} (pristine upstream tarball)"],
        check=True, env=_dated_env(UPSTREAM_DATE))
    git(src, "tag", TAG)
    apply_series(src, patches_dir)


def _dated_env(date):
    import os
    env = dict(os.environ)
    env["GIT_COMMITTER_DATE"] = date
    return env


def apply_series(src, patches_dir):
    for name in series.read(patches_dir / "series"):
        am(src, patches_dir / name)
    record_synced(src, file_patch_ids(patches_dir))


# The patch ids of patches/ when the tree was last applied or exported:
# a commit with one of them came from patches/, so it is not unexported
# work even if patches/ has since dropped it (after a pull, say).
SYNCED = "patchq-synced"


def record_synced(src, ids):
    (src / ".git" / SYNCED).write_text("".join(i + "\n" for i in ids))


def synced(src):
    path = src / ".git" / SYNCED
    return set(path.read_text().split()) if path.exists() else set()


def am(src, patch):
    proc = subprocess.run(
        ["git", *IDENTITY, "-C", str(src), "am", "-q", "--keep-cr",
         "--no-3way", str(patch)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        subprocess.run(["git", "-C", str(src), "am", "--abort"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        raise PatchqError(f"{patch.name} does not apply:\n{proc.stdout}")


def commits(src):
    out = git(src, "rev-list", "--reverse", f"{TAG}..HEAD")
    return out.split()


def commit_patch_ids(src):
    return [patch_id(git(src, "show", "--format=", c, text=False))
            for c in commits(src)]


def file_patch_ids(patches_dir):
    return [patch_id((patches_dir / name).read_bytes())
            for name in series.read(patches_dir / "series")]


def in_progress(src):
    gitdir = src / ".git"
    for marker in ("rebase-merge", "rebase-apply", "MERGE_HEAD",
                   "CHERRY_PICK_HEAD", "REVERT_HEAD"):
        if (gitdir / marker).exists():
            return marker
    return None


def unexported_work(src, patches_dir):
    """What src holds that patches/ lacks, as a list of sentences."""
    if not (src / ".git").is_dir():
        return [f"{src} exists but is not a patchq git tree"] \
            if src.exists() else []
    found = []
    marker = in_progress(src)
    if marker:
        found.append(f"a git operation is in progress ({marker})")
    status = git(src, "status", "--porcelain")
    if status.strip():
        count = len(status.splitlines())
        found.append(f"{count} file(s) with uncommitted changes "
                     f"or untracked files")
    if git(src, "rev-parse", "--verify", "-q", TAG, check=False).strip():
        exported = set(file_patch_ids(patches_dir)) | synced(src)
        missing = [c for c, pid in zip(commits(src), commit_patch_ids(src))
                   if pid not in exported]
        if missing:
            found.append(f"{len(missing)} commit(s) not exported to "
                         f"{patches_dir.name}/")
    else:
        found.append(f"no '{TAG}' tag")
    return found


def refuse_if_unexported(src, patches_dir, action):
    found = unexported_work(src, patches_dir)
    if found:
        raise PatchqError(
            f"refusing to {action}: {src} holds work that "
            f"{patches_dir.name}/ does not have:\n  - "
            + "\n  - ".join(found)
            + f"\nCommit it in {src} (git -C {src} commit -a), run "
            f"'make export' and commit patches/; or, to throw it away, "
            f"'git -C {src} reset --hard {TAG}' and 'git -C {src} clean -fd'.")


def holds_series(src, patches_dir):
    """True when src has every patch of the series, in order, and no patch
    that came from an older patches/ (it may have more: commits a
    developer has not exported yet)."""
    wanted = file_patch_ids(patches_dir)
    known = set(wanted) | synced(src)
    have = [pid for pid in commit_patch_ids(src) if pid in known]
    return have == wanted


def sync(src, tarball, topdir, patches_dir, log=print):
    """Make src hold upstream plus the series.  A tree that already holds
    the series is left alone (developers' commits and edits included, and
    the build's timestamps with them); one that lacks part of it, say after
    patches/ was pulled, is re-applied if that loses nothing."""
    if not src.exists():
        log(f"patchq: creating {src} from {tarball.name}")
        create(src, tarball, topdir, patches_dir)
        return
    if (src / ".git").is_dir() and holds_series(src, patches_dir):
        return
    refuse_if_unexported(src, patches_dir, f"re-apply patches/ in {src}")
    log(f"patchq: re-applying patches/ in {src}")
    git(src, "checkout", "-q", "-B", "main", TAG)
    apply_series(src, patches_dir)


def snapshot(src):
    """The state of src's work tree, to see whether a test run changed it
    (test_pdb, for one, writes to a file whose name it takes from a frame):
    git status, and a digest of the diff against HEAD."""
    status = git(src, "status", "--porcelain", "--untracked-files=all")
    diff = git(src, "diff", "HEAD", "--binary", text=False)
    return status, hashlib.sha256(diff).hexdigest()


def changes_since(src, before):
    """What changed in src since snapshot() gave before, as lines to print;
    empty if nothing did."""
    status, digest = snapshot(src)
    old_status, old_digest = before
    new = sorted(set(status.splitlines()) - set(old_status.splitlines()))
    if not new and digest != old_digest:
        new = ["(a file that was already modified changed again)"]
    return new
