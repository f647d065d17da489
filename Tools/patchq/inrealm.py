"""Run every regrtest file in the host and in a fresh realm, and compare.

Each file runs twice on the patched build, through inrealm_worker.py: in
the host (as a regrtest worker would run it) and inside a realm.Realm() of
its own.  Files go in batches, one process per batch and mode, so that a
crash or a hang costs the rest of one batch, which then goes on in a new
process.  A file "differs" when its counts (tests run, failures, errors,
skipped...) are not the same in both modes, and again when it is run a
second time alone (as regrtest reruns its failures: a test that fails
only under load is not a difference).  EXPECTED lists the files
known to differ, each with its reason; the run fails when another file
differs or a listed one no longer does.  A process killed by a signal
fails the run even when the file passes alone afterwards: a crash under
load is a defect, not noise; its output (faulthandler's stacks) goes into
the report.
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
MODES = ("host", "realm")


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


def verdict(differing, expected):
    """(unexpected differences, listed files that no longer differ)."""
    unexpected = sorted(set(differing) - set(expected))
    stale = sorted(set(expected) - set(differing))
    return unexpected, stale


def batches(names, size):
    return [names[i:i + size] for i in range(0, len(names), size)]


def run_all(python, names, jobs, batch_size=10, timeout=900, log=print):
    """{mode: {name: record}} for every file in both modes."""
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
    """Run the files that differ again, one at a time in both modes, and
    return those that differ again, and those that did not (flaky).  The
    second run's records replace the first's in results."""
    if not differing:
        return {}, []
    log(f"inrealm: running the {len(differing)} differing files again, "
        f"alone")
    again = run_all(python, list(differing), jobs=1, batch_size=1, log=log)
    for mode in MODES:
        results[mode].update(again[mode])
    still = compare(again["host"], again["realm"])
    flaky = sorted(set(differing) - set(still))
    return still, flaky


def format_report(results, differing, expected, elapsed, flaky=(),
                  signalled=()):
    tests = {mode: sum(r.get("run", 0) for r in results[mode].values())
             for mode in MODES}
    lines = [f"Test files: {len(results['host'])}; tests run: "
             f"host {tests['host']}, realm {tests['realm']}; "
             f"{elapsed:.0f} s",
             f"Files whose counts differ: {len(differing)} "
             f"({len(set(differing) & set(expected))} listed in "
             f"{EXPECTED.name})"]
    if flaky:
        lines.append(f"Differed once, not when run again alone: "
                     f"{', '.join(flaky)}")
    for name, (in_host, in_realm) in differing.items():
        reason = expected.get(name, "NOT LISTED")
        lines.append(f"  {name}: host {in_host} realm {in_realm}"
                     f" -- {reason}")
        only_in_realm = (set(results["realm"][name].get("not_passed", ()))
                         - set(results["host"][name].get("not_passed", ())))
        for test_id in sorted(only_in_realm):
            # A subtest's id holds the repr() of its parameters.
            if len(test_id) > 200:
                test_id = test_id[:200] + "..."
            lines.append(f"      not passed in the realm only: {test_id}")
    for name, mode, record in signalled:
        lines.append(f"Process killed by signal {-record['crashed']} in "
                     f"{name} ({mode}); its last lines:")
        lines.extend("    " + line for line in record["output"].splitlines())
    seconds = {mode: sum(r.get("seconds", 0) for r in results[mode].values())
               for mode in MODES}
    lines.append(f"Time in the test files: host {seconds['host']:.0f} s, "
                 f"realm {seconds['realm']:.0f} s")
    return "\n".join(lines)


def main(python, names, jobs, report_path, log=print):
    start = time.monotonic()
    results = run_all(python, names, jobs, log=log)
    signalled = killed_by_a_signal(results)
    differing, flaky = rerun_differing(
        python, results, compare(results["host"], results["realm"]), log)
    expected = read_expected()
    unexpected, stale = verdict(differing, expected)
    signalled += [crash for crash in killed_by_a_signal(results)
                  if crash[:2] not in {c[:2] for c in signalled}]
    report = format_report(results, differing, expected,
                           time.monotonic() - start, flaky, signalled)
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(report + "\n")
    report_path.with_suffix(".json").write_text(json.dumps(results, indent=1))
    print(report)
    for name in unexpected:
        print(f"inrealm: {name} differs and is not in {EXPECTED.name}",
              file=sys.stderr)
    for name in stale:
        print(f"inrealm: {name} is in {EXPECTED.name} but no longer differs",
              file=sys.stderr)
    for name, mode, record in signalled:
        print(f"inrealm: {name} ({mode}) was killed by signal "
              f"{-record['crashed']}", file=sys.stderr)
    return 1 if unexpected or stale or signalled else 0
