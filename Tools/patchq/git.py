"""A thin wrapper around the git command line."""

import subprocess

from .paths import PatchqError

# Settings that would change the bytes of an exported patch, pinned so a
# developer's own git configuration cannot leak into patches/.
PINNED = ["-c", "core.abbrev=12", "-c", "diff.noprefix=false",
          "-c", "diff.mnemonicPrefix=false", "-c", "diff.algorithm=myers",
          "-c", "format.signature=", "-c", "format.numbered=false",
          "-c", "i18n.commitEncoding=UTF-8", "-c", "core.quotePath=true"]


def git(repo, *args, input=None, check=True, text=True):
    cmd = ["git", *PINNED, "-C", str(repo), *args]
    proc = subprocess.run(cmd, input=input, text=text,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if check and proc.returncode != 0:
        err = proc.stderr if text else proc.stderr.decode(errors="replace")
        raise PatchqError(f"git {' '.join(args)} failed in {repo}:\n{err}")
    return proc.stdout


def patch_id(diff):
    """git's stable patch id of a diff or patch (bytes or str)."""
    data = diff.encode() if isinstance(diff, str) else diff
    out = subprocess.run(["git", "patch-id", "--stable"], input=data,
                         stdout=subprocess.PIPE, check=True).stdout
    return out.split()[0].decode() if out else None
