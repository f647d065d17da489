"""The examples, run end to end on the patched interpreter."""

import subprocess

from conftest import ROOT
from test_built_python import interpreter

SAMPLES = ["test_patches_json", "test_expects_pristine_json",
           "test_codec_and_warnings"]


def run_example(*args):
    return subprocess.run(
        [str(interpreter("patched")),
         str(ROOT / "examples" / "isolated_tests" / "run.py"), *args],
        capture_output=True, text=True)


def test_isolated_tests_agree_between_realms_and_subprocesses():
    # The samples pass only if each file gets a world of its own: the first
    # patches json, sys.path and the warnings filters, the second expects
    # them pristine, the third registers a codec it expects to be new.
    # run.py exits with an error if a realm reports other results than a
    # subprocess.
    res = run_example("--repeat", "1", *SAMPLES, *SAMPLES)
    assert res.returncode == 0, res.stderr
    rows = [line.split() for line in res.stdout.splitlines()
            if line.split()[:1] and line.split()[0] in SAMPLES]
    assert [row[0] for row in rows] == SAMPLES * 2
    assert [row[1] for row in rows] == ["2", "3", "2"] * 2
    assert not any("FAIL" in row for row in rows)
    total = next(line for line in res.stdout.splitlines()
                 if line.startswith("total"))
    assert total.split()[-1].endswith("x")


def test_isolated_tests_with_a_shared_unittest():
    # unittest shared with the host: the files' own imports (json, codecs,
    # warnings) are still the realm's, so the samples still pass.
    res = run_example("--repeat", "1", "--share", "unittest", *SAMPLES)
    assert res.returncode == 0, res.stderr
    assert "sharing unittest" in res.stdout
    rows = [line.split() for line in res.stdout.splitlines()
            if line.split()[:1] and line.split()[0] in SAMPLES]
    assert [row[1] for row in rows] == ["2", "3", "2"]
    for row in rows:
        realm_ms, subprocess_ms, alone = map(float, (row[2], row[3], row[5]))
        assert 0 < alone < realm_ms and 0 < subprocess_ms, row


def test_isolated_tests_rejects_bad_arguments():
    res = run_example("--repeat", "0")
    assert res.returncode == 2
    assert "--repeat must be at least 1" in res.stderr
