"""Run every regrtest file in the host, in a fresh realm and in a clone, and
compare.

Each file runs three times on the patched build, through
inrealm_worker.py: in the host (as a regrtest worker would run it), inside
a realm.Realm() of its own, and inside a Realm.clone() of a realm that
imported unittest, test.support and the modules the file imports (the
clone mode: what a test runner with a prepared template does).  Files go
in batches, one process per batch and mode, so that a crash or a hang
costs the rest of one batch, which then goes on in a new process.  A file
"differs" in a mode when its counts (tests run, failures, errors,
skipped...) are not the host's, and again when it is run a second time
alone (as regrtest reruns its failures: a test that fails only under load
is not a difference).  EXPECTED lists the files known to differ in a fresh
realm, each with its reason; the run fails when another file differs or a
listed one that it ran no longer does.  A file may differ in a clone only
where it differs in a fresh realm, or when CLONE_EXPECTED lists it.  A process
killed by a signal fails the run even when the file passes alone
afterwards: a crash under load is a defect, not noise; its output
(faulthandler's stacks) goes into the report.
"""

import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import regrtest

WORKER = Path(__file__).with_name("inrealm_worker.py")
EXPECTED = Path(__file__).with_name("inrealm-expected.txt")
CLONE_EXPECTED = Path(__file__).with_name("inrealm-clone-expected.txt")
MODES = ("host", "realm", "clone")
# The modes compared with the host.
COMPARED = MODES[1:]


def read_expected(path=EXPECTED):
    """{test name: reason} from lines "test_name: reason"; # comments."""
    expected = {}
    if not path.exists():
        return expected
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, reason = line.partition(":")
        if not sep or not reason.strip():
            raise ValueError(f"{path}:{number}: expected 'test_name: reason'")
        expected[name.strip()] = reason.strip()
    return expected


def select(all_names, wanted):
    """The names in all_names (regrtest's --list-tests) that the names on
    the command line mean: a file by its full name or by the short name
    regrtest accepts ("test_inspect" is "test.test_inspect.test_inspect",
    "test_asyncio" every file of that package), so that a run of some
    files holds them to the lists' entries."""
    selected = []
    for name in wanted:
        prefix = name if name.startswith("test.") else f"test.{name}"
        matches = [n for n in all_names
                   if n in (name, prefix) or n.startswith(prefix + ".")]
        if not matches:
            raise ValueError(f"no regrtest file is named {name!r}")
        selected += [n for n in matches if n not in selected]
    return selected


def parse_output(text):
    """The records a worker printed, and the file it started last without
    finishing (a crash or a hang), or None."""
    records, started = {}, None
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a test printed to the real stdout
        if not isinstance(record, dict) or "name" not in record:
            continue
        if record.get("start"):
            started = record["name"]
        else:
            records[record["name"]] = record
            started = None
    return records, started


def run_batch(python, mode, names, timeout, log):
    """Run names in one mode; a file that kills its process is recorded as
    crashed and the rest go on in a new process."""
    results, todo = {}, list(names)
    while todo:
        cmd = [str(python), str(WORKER), "--mode", mode,
               "--timeout", str(timeout), *todo]
        # Each process in an empty directory of its own, as regrtest runs
        # each worker: tests write fixed relative names (test_pdb: main.py,
        # .pdbrc, __pycache__, t_main), and the host's and the realm's run
        # of a file start together.  In one shared directory, test_pdb's
        # test_file_modified_after_execution_with_restart debugged the
        # main.py that the other run's test_file_modified_after_execution
        # had truncated; its step went past the script into the '<string>'
        # frame, whose caller is bdb.run, and it wrote print(world) into
        # Lib/bdb.py.
        with tempfile.TemporaryDirectory(
                prefix=f"inrealm-{mode}-", ignore_cleanup_errors=True) as cwd:
            # And with a bytecode cache of its own: every process
            # compiles what it imports from source, as on a fresh clone,
            # whatever earlier runs left in build/src (the "\N{...}"
            # escapes of a source compiled in a realm found the
            # unicodedata use-after-free; .pyc files hid it).
            env = dict(os.environ,
                       PYTHONPYCACHEPREFIX=os.path.join(cwd, "pycache"))
            proc = subprocess.run(cmd, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True,
                                  stdin=subprocess.DEVNULL, cwd=cwd, env=env,
                                  preexec_fn=regrtest.default_sigint)
        records, started = parse_output(proc.stdout)
        results.update(records)
        todo = [name for name in todo if name not in records]
        if not todo:
            break
        # The process died in `started` (or before the first file).
        culprit = started or todo[0]
        # Enough for faulthandler's dump of a few threads.
        tail = proc.stdout.strip().splitlines()[-CRASH_OUTPUT_LINES:]
        results[culprit] = {"name": culprit, "crashed": proc.returncode,
                            "output": "\n".join(tail)}
        log(f"inrealm: {culprit} ({mode}) ended its process "
            f"(exit {proc.returncode})")
        todo = [name for name in todo if name != culprit]
    return results


CRASH_OUTPUT_LINES = 80

COUNT_KEYS = ("run", "failures", "errors", "skipped", "expected_failures",
              "unexpected_successes", "skipped_file", "runner_error",
              "crashed")


def outcome(record):
    """What is compared between the modes: the counts, not the times."""
    return {key: record[key] for key in COUNT_KEYS if key in record}


def compare(host, realm):
    """{name: (host outcome, realm outcome)} for the files that differ."""
    return {name: (outcome(host[name]), outcome(realm.get(name, {})))
            for name in sorted(host)
            if outcome(host[name]) != outcome(realm.get(name, {}))}


def compare_modes(results):
    """{mode: {name: (host outcome, mode's outcome)}} for each mode compared
    with the host."""
    return {mode: compare(results["host"], results[mode]) for mode in COMPARED}


def verdict(differing, expected):
    """(unexpected differences, listed files that no longer differ)."""
    unexpected = sorted(set(differing) - set(expected))
    stale = sorted(set(expected) - set(differing))
    return unexpected, stale


def clone_verdict(differing, expected, clone_expected):
    """The clone mode's verdict: a file may differ in a clone where it
    differs in a fresh realm (or is expected to), or where CLONE_EXPECTED
    lists it; a listed file that no longer differs only in clones is
    stale."""
    in_realm = set(differing["realm"]) | set(expected)
    only_in_clone = set(differing["clone"]) - in_realm
    return verdict(only_in_clone, clone_expected)


def refusals(results):
    """{first line of the reason: [files]} for the files whose template
    clone() refused (they ran in the template, a fresh realm)."""
    refused = {}
    for name, record in sorted(results["clone"].items()):
        if "clone_refused" in record:
            lines = record["clone_refused"].splitlines()
            # The first object's reason, without its address.
            reason = (lines[1].split(": ", 1)[-1] if len(lines) > 1
                      else lines[0])
            refused.setdefault(reason, []).append(name)
    return refused


def batches(names, size):
    return [names[i:i + size] for i in range(0, len(names), size)]


def run_all(python, names, jobs, batch_size=10, timeout=900, log=print):
    """{mode: {name: record}} for every file in every mode."""
    results = {mode: {} for mode in MODES}
    work = [(mode, batch) for batch in batches(names, batch_size)
            for mode in MODES]
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(run_batch, python, mode, batch, timeout, log):
                   mode for mode, batch in work}
        for number, future in enumerate(
                concurrent.futures.as_completed(futures), 1):
            results[futures[future]].update(future.result())
            log(f"inrealm: [{number}/{len(work)}] batches done")
    return results


def killed_by_a_signal(results):
    """[(name, mode, record)] of the files whose process a signal ended."""
    return [(name, mode, record) for mode in MODES
            for name, record in sorted(results[mode].items())
            if record.get("crashed", 0) < 0]


def rerun_differing(python, results, differing, log=print):
    """Run the files that differ in some mode again, one at a time in every
    mode, and return ({mode: those that differ again}, {mode: those that
    did not (flaky)}).  The second run's records replace the first's in
    results."""
    names = sorted(set().union(*differing.values()))
    if not names:
        return differing, {mode: [] for mode in differing}
    log(f"inrealm: running the {len(names)} differing files again, alone")
    again = run_all(python, names, jobs=1, batch_size=1, log=log)
    for mode in MODES:
        results[mode].update(again[mode])
    still = compare_modes(again)
    flaky = {mode: sorted(set(differing[mode]) - set(still[mode]))
             for mode in differing}
    return still, flaky


def _mode_lines(results, mode, differing, expected, flaky):
    """The report's lines for one mode compared with the host."""
    lines = [f"Files whose counts differ in a {LABELS[mode]}: "
             f"{len(differing)} ({len(set(differing) & set(expected))} "
             f"listed)"]
    if flaky:
        lines.append(f"  Differed once, not when run again alone: "
                     f"{', '.join(flaky)}")
    for name, (in_host, in_mode) in differing.items():
        reason = expected.get(name, "NOT LISTED")
        lines.append(f"  {name}: host {in_host} {mode} {in_mode}"
                     f" -- {reason}")
        only_here = (set(results[mode][name].get("not_passed", ()))
                     - set(results["host"][name].get("not_passed", ())))
        for test_id in sorted(only_here):
            # A subtest's id holds the repr() of its parameters.
            if len(test_id) > 200:
                test_id = test_id[:200] + "..."
            lines.append(f"      not passed in the {mode} only: {test_id}")
    return lines


LABELS = {"realm": "fresh realm", "clone": "clone"}


def format_report(results, differing, expected, elapsed, flaky=None,
                  signalled=(), clone_expected=None):
    """differing and flaky: {mode: ...} for each mode compared."""
    flaky = flaky or {}
    tests = {mode: sum(r.get("run", 0) for r in results[mode].values())
             for mode in MODES}
    lines = [f"Test files: {len(results['host'])}; tests run: "
             + ", ".join(f"{mode} {tests[mode]}" for mode in MODES)
             + f"; {elapsed:.0f} s"]
    # A file that differs in a clone as in a fresh realm has the fresh
    # realm's reason.
    clone_reasons = {**expected, **(clone_expected or {})}
    for mode in COMPARED:
        lines += _mode_lines(results, mode, differing[mode],
                             expected if mode == "realm" else clone_reasons,
                             flaky.get(mode, ()))
    refused = refusals(results)
    count = sum(len(names) for names in refused.values())
    lines.append(f"Templates clone() refused: {count} of "
                 f"{len(results['clone'])} files (they ran in the "
                 f"template, a fresh realm that imported the same modules)")
    for reason, names in sorted(refused.items(),
                                key=lambda item: -len(item[1])):
        lines.append(f"  {len(names)}: {reason}: {' '.join(names[:8])}"
                     + (" ..." if len(names) > 8 else ""))
    for name, mode, record in signalled:
        lines.append(f"Process killed by signal {-record['crashed']} in "
                     f"{name} ({mode}); its last lines:")
        lines.extend("    " + line for line in record["output"].splitlines())
    seconds = {mode: sum(r.get("seconds", 0) for r in results[mode].values())
               for mode in MODES}
    lines.append("Time in the test files: "
                 + ", ".join(f"{mode} {seconds[mode]:.0f} s"
                             for mode in MODES))
    return "\n".join(lines)


def main(python, names, jobs, report_path, log=print):
    start = time.monotonic()
    results = run_all(python, names, jobs, log=log)
    signalled = killed_by_a_signal(results)
    differing, flaky = rerun_differing(python, results,
                                       compare_modes(results), log)
    # A listed file that this run did not run (a run of some files) is
    # not stale: only the files run are held to the lists.
    expected, clone_expected = (
        {name: reason for name, reason in read_expected(path).items()
         if name in results["host"]}
        for path in (EXPECTED, CLONE_EXPECTED))
    problems = []
    unexpected, stale = verdict(differing["realm"], expected)
    problems += [f"{name} differs in a fresh realm and is not in "
                 f"{EXPECTED.name}" for name in unexpected]
    problems += [f"{name} is in {EXPECTED.name} but no longer differs"
                 for name in stale]
    unexpected, stale = clone_verdict(differing, expected, clone_expected)
    problems += [f"{name} differs in a clone, not in a fresh realm, and is "
                 f"not in {CLONE_EXPECTED.name}" for name in unexpected]
    problems += [f"{name} is in {CLONE_EXPECTED.name} but no longer differs "
                 f"in a clone only" for name in stale]
    signalled += [crash for crash in killed_by_a_signal(results)
                  if crash[:2] not in {c[:2] for c in signalled}]
    problems += [f"{name} ({mode}) was killed by signal {-record['crashed']}"
                 for name, mode, record in signalled]
    report = format_report(results, differing, expected,
                           time.monotonic() - start, flaky, signalled,
                           clone_expected)
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(report + "\n")
    report_path.with_suffix(".json").write_text(json.dumps(results, indent=1))
    print(report)
    for problem in problems:
        print(f"inrealm: {problem}", file=sys.stderr)
    return 1 if problems else 0
