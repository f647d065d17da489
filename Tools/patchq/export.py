"""Write patches/ from the commits of build/src after the upstream tag.

Deterministic: the same commits give the same bytes (zeroed commit ids,
no version signature, git settings that shape a diff pinned), and a patch
keeps its file name as long as its subject or its diff is unchanged.
"""

from . import series, srctree
from .git import git, patch_id
from .paths import PatchqError

FORMAT_PATCH = ["format-patch", "--stdout", "--zero-commit",
                "--no-signature", "--no-numbered", "--full-index",
                "--no-renames", "--encoding=UTF-8", "-1"]


def format_patch(src, commit):
    return git(src, *FORMAT_PATCH, commit, text=False)


def existing(patches_dir):
    """(name, number, slug, patch id) of each patch now in patches/."""
    rows = []
    for path in sorted(patches_dir.glob("*.patch")):
        match = series.NAME.match(path.name)
        if match:
            rows.append((path.name, int(match.group(1)), match.group(2),
                         patch_id(path.read_bytes())))
    return rows


def plan(commits, old):
    """Pick a file name for each (subject, patch id) in commits.

    A commit keeps the name of the old patch with the same diff, else of
    the old patch with the same subject; otherwise it takes the next
    number after every number in use.
    """
    taken = set()
    by_pid = {pid: name for name, _, _, pid in old}
    by_slug = {slug: name for name, _, slug, _ in old}
    next_number = max([num for _, num, _, _ in old], default=0) + 1
    names = []
    for subject, pid in commits:
        name = by_pid.get(pid)
        if name is None or name in taken:
            name = by_slug.get(series.slug(subject))
        if name is None or name in taken:
            name = f"{next_number:04d}-{series.slug(subject)}.patch"
            next_number += 1
        taken.add(name)
        names.append(name)
    return names


def export(src, patches_dir, log=print):
    if srctree.in_progress(src):
        raise PatchqError(f"a git operation is in progress in {src}; "
                          f"finish it before exporting")
    dirty = git(src, "status", "--porcelain")
    if dirty.strip():
        log(f"patchq: note: {len(dirty.splitlines())} uncommitted change(s) "
            f"in {src} are not exported; commit them there "
            f"(git commit, --amend or --fixup) and export again")
    patches_dir.mkdir(exist_ok=True)
    shas = srctree.commits(src)
    subjects = [git(src, "log", "-1", "--format=%s", c).strip()
                for c in shas]
    old = existing(patches_dir)
    names = plan(list(zip(subjects, srctree.commit_patch_ids(src))), old)
    for sha, name in zip(shas, names):
        data = format_patch(src, sha)
        path = patches_dir / name
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
            log(f"patchq: wrote {path.name}")
    for name, *_ in old:
        if name not in names:
            (patches_dir / name).unlink()
            log(f"patchq: removed {name}")
    series.write(patches_dir / "series", names)
    srctree.record_synced(src, srctree.file_patch_ids(patches_dir))
    return names
