"""make bench-pytest: real projects' test suites, four ways.

For each pinned project, its sdist (fetched with pip) is unpacked under
build/bench-pytest/ and its tests run by the patched build's venv:

    plain       pytest
    realms      pytest --realms            (a fresh realm per test file)
    forked      pytest --forked            (pytest-forked: a fork per test)
    subprocess  pytest FILE, once per file (a fresh process per test file)

The outcome counts must be the same in every mode; the table gives wall
time and CPU time (user + system of the pytest processes and their
children), side by side, from one run.

    python bench.py [--projects NAME ...] [--output results.md]
"""

import argparse
import os
import re
import resource
import subprocess
import sys
import tarfile
import time
from pathlib import Path

# name, pinned version, the directory its modules import from.  Pure
# Python, tests in the sdist, no test dependencies but pytest.
PROJECTS = [
    ("boltons", "26.2.0", "."),
    ("cachetools", "8.0.2", "src"),
    ("toolz", "1.2.0", "."),
    ("more-itertools", "11.2.1", "."),
]
MODES = ("plain", "realms", "forked", "subprocess")
OPTIONS = {"plain": [], "realms": ["--realms"], "forked": ["--forked"]}
COMMON = ["-q", "-p", "no:cacheprovider", "-p", "no:randomly"]
# The counts that are tests (not subtests, warnings or deselections).
OUTCOMES = ("passed", "failed", "skipped", "xfailed", "xpassed", "error",
            "errors")


def fetch(name, version, workdir):
    """The unpacked sdist's directory."""
    workdir.mkdir(parents=True, exist_ok=True)
    stem = f"{name.replace('-', '_')}-{version}"
    tree = workdir / stem
    if tree.is_dir():
        return tree
    subprocess.run([sys.executable, "-m", "pip", "download", "-q",
                    "--no-binary", ":all:", "--no-deps", "-d", str(workdir),
                    f"{name}=={version}"], check=True)
    (archive,) = workdir.glob(f"{stem}.tar.gz")
    with tarfile.open(archive) as tar:
        tar.extractall(workdir, filter="data")
    return tree


SUMMARY = re.compile(r"(\d+) ([a-z ]+?)(?=,| in )")


def parse_counts(output):
    """{'passed': 519, ...} from pytest's last summary line."""
    lines = [line for line in output.splitlines() if " in " in line and
             re.search(r"\d+ (passed|failed|error|skipped)", line)]
    if not lines:
        raise RuntimeError(f"no pytest summary in:\n{output[-2000:]}")
    return {kind: int(count) for count, kind in SUMMARY.findall(lines[-1])}


def add(total, counts):
    for kind, count in counts.items():
        total[kind] = total.get(kind, 0) + count


def timed(commands, tree, env):
    """Run commands one after the other: (wall s, CPU s, counts summed)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    counts = {}
    for command in commands:
        proc = subprocess.run(command, cwd=tree, env=env, text=True,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
        if proc.returncode not in (0, 1):
            raise RuntimeError(f"{' '.join(command)} in {tree}: exit "
                               f"{proc.returncode}\n{proc.stdout[-3000:]}")
        add(counts, parse_counts(proc.stdout))
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime -
                                                before.ru_stime)
    return wall, cpu, counts


def test_files(tree, env):
    """The test files, in collection order, from their items' node ids."""
    proc = subprocess.run([sys.executable, "-m", "pytest", "--collect-only",
                           "-q", "-p", "no:cacheprovider", "-p",
                           "no:randomly"], cwd=tree, env=env, text=True,
                          stdout=subprocess.PIPE, check=True)
    files = []
    for line in proc.stdout.splitlines():
        if "::" in line:
            path = line.split("::", 1)[0]
            if path not in files:
                files.append(path)
    return files


def measure(name, version, source, workdir):
    tree = fetch(name, version, workdir)
    env = dict(os.environ, PYTHONPATH=str((tree / source).resolve()),
               PYTHONDONTWRITEBYTECODE="")
    pytest = [sys.executable, "-m", "pytest", *COMMON]
    # Once untimed, so that every mode finds the .pyc files written.
    timed([pytest], tree, env)
    files = test_files(tree, env)
    results = {}
    for mode in MODES:
        if mode == "subprocess":
            commands = [[*pytest, path] for path in files]
        else:
            commands = [[*pytest, *OPTIONS[mode]]]
        results[mode] = timed(commands, tree, env)
        print(f"bench-pytest: {name} {mode}: {results[mode][2]} "
              f"{results[mode][0]:.1f} s wall, {results[mode][1]:.1f} s CPU",
              flush=True)
    return results, len(files)


def table(all_results):
    lines = ["| project | tests | files | mode | wall s | CPU s | "
             "CPU / plain | same counts |",
             "|---|---|---|---|---|---|---|---|"]
    for (name, version, files), results in all_results.items():
        plain = results["plain"]
        tests = sum(count for kind, count in plain[2].items()
                    if kind in OUTCOMES)
        for mode in MODES:
            wall, cpu, counts = results[mode]
            same = "yes" if counts == plain[2] else f"no: {counts}"
            lines.append(f"| {name} {version} | {tests} | {files} | {mode} | "
                         f"{wall:.1f} | {cpu:.1f} | {cpu / plain[1]:.2f} | "
                         f"{same} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", nargs="*",
                        default=[name for name, _, _ in PROJECTS])
    parser.add_argument("--workdir", type=Path,
                        default=Path("build/bench-pytest"))
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    all_results = {}
    failed = False
    for name, version, source in PROJECTS:
        if name not in args.projects:
            continue
        results, files = measure(name, version, source, args.workdir)
        all_results[name, version, files] = results
        failed |= any(results[mode][2] != results["plain"][2]
                      for mode in MODES)
    report = table(all_results)
    print(report)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(report + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
