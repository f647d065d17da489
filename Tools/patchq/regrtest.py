"""Run CPython's regrtest on a build and compare stock with patched."""

import os
import re
import shlex
import signal
import subprocess
import sys
import time

from . import series

SECTION = re.compile(r"^(\d+) (re-run )?tests?(?: (.+))?:$")
# Sections of regrtest's summary that mean "this test file did not pass".
NOT_PASSED = ("failed", "omitted", "skipped", "skipped (resource denied)",
              "run no tests")
# The C code and test modules the series touches (SPEC 7); their tests run
# with every `make test`, next to the test files the patches themselves add.
SERIES_MODULE_TESTS = ["test_sys", "test_import", "test_importlib",
                       "test_codecs", "test_builtin", "test_capi",
                       "test_threading", "test_audit", "test_descr",
                       # the modules whose classes Realm.clone() copies
                       "test_re", "test_json", "test_abc", "test_functools",
                       "test_collections", "test_itertools", "test_operator",
                       "test_random", "test_thread", "test_threading_local",
                       "test_array"]


def parse_summary(output):
    """Map each summary title ("failed", "skipped", ...) to its tests."""
    sections = {}
    lines = output.splitlines()
    for i, line in enumerate(lines):
        match = SECTION.match(line)
        if not match:
            continue
        names = []
        for follow in lines[i + 1:]:
            if not follow.startswith("    "):
                break
            names += follow.split()
        sections["re-run" if match.group(2) else match.group(3)] = names
    return sections


def totals(output):
    """The 'Total test files: run=...' and 'Result: ...' lines."""
    keep = [line for line in output.splitlines()
            if line.startswith(("Total test files:", "Total tests:",
                                "Result:", "Total duration:"))]
    return "\n".join(keep)


def passed(all_tests, sections):
    bad = set()
    for title in NOT_PASSED:
        bad.update(sections.get(title, ()))
    return set(all_tests) - bad


def regressions(all_tests, stock_sections, patched_sections):
    """Tests that pass on stock and do not pass on patched."""
    return sorted(passed(all_tests, stock_sections)
                  - passed(all_tests, patched_sections))


def list_tests(python, args=()):
    out = subprocess.run([str(python), "-m", "test", "--list-tests", *args],
                         stdout=subprocess.PIPE, text=True, check=True)
    return out.stdout.split()


# A worker hung for this long is killed and the test reported as failed.
TIMEOUT = ["--timeout", "1200"]


def default_sigint():
    # A job started in the background of a non-interactive shell inherits
    # an ignored SIGINT, and Python then installs no KeyboardInterrupt
    # handler: the tests of _thread.interrupt_main() fail or hang.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def command_line(cmd, env=None):
    """cmd as a shell command that also makes, from this process's
    environment, env (None: this process's environment unchanged)."""
    words = []
    if env is not None:
        words += [f"-u {name}" for name in sorted(os.environ.keys()
                                                  - env.keys())]
        words += [f"{name}={shlex.quote(value)}"
                  for name, value in sorted(env.items())
                  if os.environ.get(name) != value]
    return " ".join((["env", *words] if words else []) + cmd)


def run(python, args, log_path, echo=True, env=None):
    """Run regrtest in env (None: this process's environment), teeing its
    output to log_path; return the output."""
    cmd = [str(python), "-m", "test", *TIMEOUT, *args]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with open(log_path, "w") as log:
        log.write("$ " + command_line(cmd, env) + "\n")
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True,
                                preexec_fn=default_sigint, env=env)
        chunks = []
        for line in proc.stdout:
            chunks.append(line)
            log.write(line)
            log.flush()
            if echo:
                sys.stdout.write(line)
                sys.stdout.flush()
        proc.wait()
        elapsed = time.monotonic() - start
        log.write(f"\n# exit status {proc.returncode}, {elapsed:.0f} s\n")
    return proc.returncode, "".join(chunks), elapsed


def test_names_in_patch(text):
    """regrtest names of the test files a patch adds or changes."""
    names = set()
    for path in re.findall(r"^\+\+\+ b/(Lib/test/\S+)$", text, re.MULTILINE):
        parts = path[len("Lib/test/"):].split("/")
        if not parts[0].startswith("test_"):
            continue
        if len(parts) == 1:
            if parts[0].endswith(".py"):
                names.add(parts[0][:-3])
        elif parts[-1].startswith("test_") and parts[-1].endswith(".py"):
            names.add(parts[0] + "." + parts[-1][:-3])
        else:
            names.add(parts[0])
    return names


def series_tests(patches_dir, only=None, modules=True):
    """The tests to run for the series (or for the named patch only), with
    the tests of the modules the series touches unless modules is false."""
    names = set()
    for name in series.read(patches_dir / "series"):
        if only is None or name == only:
            names |= test_names_in_patch((patches_dir / name).read_text())
    if only is None and modules:
        names |= set(SERIES_MODULE_TESTS)
    # A package test already covers its own submodules.
    packages = {n for n in names if "." not in n}
    return sorted(n for n in names if n.split(".")[0] not in packages
                  or "." not in n)
