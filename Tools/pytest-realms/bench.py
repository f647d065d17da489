"""make bench-pytest: real projects' test suites, four ways.

For each pinned project, its sdist (fetched with pip) is unpacked under
build/bench-pytest/ and its tests run by the patched build's venv:

    plain       pytest
    realms      pytest --realms            (a fresh realm per test file)
    forked      pytest --forked            (pytest-forked: a fork per test)
    subprocess  pytest FILE, once per file (a fresh process per test file)

The outcome counts must be the same in every mode and round.  Each
project runs ROUNDS rounds, each round every mode once (interleaved, so
that a slow spell of the machine hits every mode alike); the table gives
the median wall time, the median CPU time (user + system of the pytest
processes and their children) with its spread (min-max), and the peak
resident memory of the largest process (ru_maxrss, through wait4()).

    python bench.py [--projects NAME ...] [--rounds 5] [--output results.md]
"""

import argparse
import os
import re
import statistics
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
    ("pyflakes", "3.4.0", "."),
    ("tabulate", "0.9.0", "."),     # its numpy and pandas tests skip
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


def run_one(command, cwd, env):
    """Run a command: (output, exit status, CPU s, peak RSS KiB) of it and
    its children, from wait4() of its own process.  Linux keeps a peak RSS
    across exec, so the process forked here starts at this one's size:
    this script stays small."""
    proc = subprocess.Popen(command, cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = proc.stdout.read()
    proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return (output, proc.returncode, usage.ru_utime + usage.ru_stime,
            usage.ru_maxrss)


def timed(commands, tree, env):
    """Run commands one after the other: (wall s, CPU s, peak RSS KiB,
    counts summed)."""
    start = time.perf_counter()
    counts, cpu, rss = {}, 0.0, 0
    for command in commands:
        output, status, used, peak = run_one(command, tree, env)
        if status not in (0, 1):
            raise RuntimeError(f"{' '.join(command)} in {tree}: exit "
                               f"{status}\n{output[-3000:]}")
        add(counts, parse_counts(output))
        cpu += used
        rss = max(rss, peak)
    return time.perf_counter() - start, cpu, rss, counts


def summarize(runs):
    """The runs of one mode: {wall, cpu, cpu_min, cpu_max, rss, counts},
    medians but for the spread and the peak; counts None if the rounds
    disagree."""
    walls, cpus, rsss, counts = zip(*runs)
    return {"wall": statistics.median(walls),
            "cpu": statistics.median(cpus),
            "cpu_min": min(cpus), "cpu_max": max(cpus),
            "rss": max(rsss),
            "counts": counts[0] if all(c == counts[0] for c in counts)
            else None}


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


def measure(name, version, source, workdir, rounds):
    tree = fetch(name, version, workdir)
    env = dict(os.environ, PYTHONPATH=str((tree / source).resolve()),
               PYTHONDONTWRITEBYTECODE="")
    pytest = [sys.executable, "-m", "pytest", *COMMON]
    # Once untimed, so that every mode finds the .pyc files written.
    timed([pytest], tree, env)
    files = test_files(tree, env)
    runs = {mode: [] for mode in MODES}
    for number in range(1, rounds + 1):
        for mode in MODES:
            if mode == "subprocess":
                commands = [[*pytest, path] for path in files]
            else:
                commands = [[*pytest, *OPTIONS[mode]]]
            wall, cpu, rss, counts = timed(commands, tree, env)
            runs[mode].append((wall, cpu, rss, counts))
            print(f"bench-pytest: {name} round {number} {mode}: {counts} "
                  f"{wall:.1f} s wall, {cpu:.1f} s CPU, {rss / 1024:.0f} MB",
                  flush=True)
    return {mode: summarize(runs[mode]) for mode in MODES}, len(files)


def table(all_results, rounds):
    lines = [f"Medians of {rounds} interleaved round"
             f"{'s' if rounds != 1 else ''}; CPU spread min-max; peak RSS "
             f"of the largest process.", "",
             "| project | tests | files | mode | wall s | CPU s | CPU spread "
             "| CPU / plain | peak RSS MB | RSS / plain | same counts |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for (name, version, files), results in all_results.items():
        plain = results["plain"]
        tests = sum(count for kind, count in (plain["counts"] or {}).items()
                    if kind in OUTCOMES)
        for mode in MODES:
            r = results[mode]
            same = "yes" if r["counts"] is not None and \
                r["counts"] == plain["counts"] else f"no: {r['counts']}"
            lines.append(
                f"| {name} {version} | {tests} | {files} | {mode} | "
                f"{r['wall']:.1f} | {r['cpu']:.1f} | "
                f"{r['cpu_min']:.1f}-{r['cpu_max']:.1f} | "
                f"{r['cpu'] / plain['cpu']:.2f} | {r['rss'] / 1024:.0f} | "
                f"{r['rss'] / plain['rss']:.2f} | {same} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", nargs="*",
                        default=[name for name, _, _ in PROJECTS])
    parser.add_argument("--workdir", type=Path,
                        default=Path("build/bench-pytest"))
    parser.add_argument("--rounds", type=int, default=5,
                        help="interleaved rounds of every mode (default 5)")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    known = [name for name, _, _ in PROJECTS]
    unknown = sorted(set(args.projects) - set(known))
    if unknown:
        parser.error(f"unknown project(s) {', '.join(unknown)}; "
                     f"choose from {', '.join(known)}")
    all_results = {}
    failed = False
    for name, version, source in PROJECTS:
        if name not in args.projects:
            continue
        results, files = measure(name, version, source, args.workdir,
                                 args.rounds)
        all_results[name, version, files] = results
        failed |= any(results[mode]["counts"] is None
                      or results[mode]["counts"] != results["plain"]["counts"]
                      for mode in MODES)
    report = table(all_results, args.rounds)
    print(report)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(report + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
