"""patches/series and the names of the patch files.

A patch file is NNNN-slug.patch.  Its number never changes once given:
inserting or removing a patch renames no other file (the order is the
series file's, not the numbers').  A new patch takes the next free number.
"""

import re

NAME = re.compile(r"^(\d{4})-([a-z0-9-]+)\.patch$")
SLUG_MAX = 52


def slug(subject):
    words = re.sub(r"[^a-z0-9]+", "-", subject.lower()).strip("-")
    if len(words) > SLUG_MAX:
        words = words[:SLUG_MAX].rsplit("-", 1)[0]
    return words or "patch"


def read(series_file):
    """The patch file names in order; missing file means an empty series."""
    if not series_file.exists():
        return []
    names = []
    for line in series_file.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(line)
    return names


def write(series_file, names):
    text = "".join(name + "\n" for name in names)
    if not series_file.exists() or series_file.read_text() != text:
        series_file.write_text(text)


def number(name):
    match = NAME.match(name)
    return int(match.group(1)) if match else None


def check(patches_dir):
    """Problems with the series: listed files missing, patch files not
    listed, duplicate entries, badly formed names.  Empty when consistent."""
    names = read(patches_dir / "series")
    problems = []
    seen = set()
    for name in names:
        if name in seen:
            problems.append(f"{name} is listed twice in series")
        seen.add(name)
        if not NAME.match(name):
            problems.append(f"{name}: not a NNNN-slug.patch name")
        if not (patches_dir / name).is_file():
            problems.append(f"{name} is listed in series but missing")
    for path in sorted(patches_dir.glob("*.patch")):
        if path.name not in seen:
            problems.append(f"{path.name} is not listed in series")
    numbers = [number(n) for n in names if number(n) is not None]
    if len(numbers) != len(set(numbers)):
        problems.append("two patches share a number")
    return problems
