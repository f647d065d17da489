"""make test-in-realm: running regrtest files in the host and in realms."""

import json
import os
import sys
import textwrap

import pytest

from conftest import ROOT
from patchq import inrealm

# Stands in for inrealm_worker.py: "crash" kills the process after its
# start line; test_differs fails in the realm and in the clone,
# test_clone_differs in the clone only (where the template is refused),
# test_flaky in the realm's first run only; test_segv dies of SIGSEGV in
# the realm's first run only, with faulthandler's report; the others pass.
FAKE_WORKER = textwrap.dedent('''
    import json, os, sys
    args = sys.argv[1:]
    mode = args[args.index('--mode') + 1]
    for name in args[args.index('--timeout') + 2:]:
        print(json.dumps({'name': name, 'start': True}), flush=True)
        if name == 'test_crash':
            os._exit(3)
        segv_flag = os.path.join(os.path.dirname(__file__), 'segv-ran')
        if mode == 'realm' and name == 'test_segv' and not os.path.exists(
                segv_flag):
            open(segv_flag, 'w').close()
            import faulthandler
            faulthandler.enable(sys.stdout)
            faulthandler._sigsegv()
        print('noise a test printed', flush=True)
        failures = ((mode in ('realm', 'clone') and name == 'test_differs')
                    or (mode == 'clone' and name == 'test_clone_differs'))
        # test_flaky fails in the realm the first time only.
        flag = os.path.join(os.path.dirname(__file__), 'flaky-ran')
        if mode == 'realm' and name == 'test_flaky' and not os.path.exists(
                flag):
            open(flag, 'w').close()
            failures = True
        record = {'name': name, 'run': 2, 'failures': int(failures),
                  'seconds': 0.1}
        if mode == 'clone' and name == 'test_clone_differs':
            record['clone_refused'] = (
                'cannot clone <Realm>: it holds objects that cannot be '
                'copied soundly:\\n  typing.TypeVar object at 0x1: an '
                'object of typing.TypeVar, which has no rule')
        print(json.dumps(record), flush=True)
''')


@pytest.fixture
def fake_worker(tmp_path, monkeypatch):
    path = tmp_path / "worker.py"
    path.write_text(FAKE_WORKER)
    monkeypatch.setattr(inrealm, "WORKER", path)
    return path


def test_read_expected(tmp_path):
    path = tmp_path / "expected.txt"
    path.write_text("# comment\n\ntest_a: shares os.environ  # why\n"
                    "test_b:  inspects the process\n")
    assert inrealm.read_expected(path) == {
        "test_a": "shares os.environ", "test_b": "inspects the process"}


def test_read_expected_requires_a_reason(tmp_path):
    path = tmp_path / "expected.txt"
    path.write_text("test_a\n")
    with pytest.raises(ValueError, match="expected.txt:1"):
        inrealm.read_expected(path)


def test_parse_output_names_the_file_a_crash_interrupted():
    lines = [{"name": "test_a", "start": True},
             {"name": "test_a", "run": 1},
             {"name": "test_b", "start": True}]
    text = "\n".join(json.dumps(line) for line in lines) + "\nFatal error"
    records, started = inrealm.parse_output(text)
    assert records == {"test_a": {"name": "test_a", "run": 1}}
    assert started == "test_b"


def test_run_batch_goes_on_after_a_crash(fake_worker):
    logged = []
    results = inrealm.run_batch(sys.executable, "host",
                                ["test_a", "test_crash", "test_b"], 60,
                                logged.append)
    assert results["test_a"]["run"] == 2
    assert results["test_b"]["run"] == 2
    assert results["test_crash"]["crashed"] == 3
    assert logged == ["inrealm: test_crash (host) ended its process (exit 3)"]


def test_run_all_compare_and_verdict(fake_worker):
    names = ["test_a", "test_differs", "test_crash", "test_b",
             "test_clone_differs"]
    results = inrealm.run_all(sys.executable, names, jobs=2, batch_size=3,
                              log=lambda message: None)
    assert all(set(results[mode]) == set(names) for mode in inrealm.MODES)
    differing = inrealm.compare_modes(results)
    # Times differ too, but only counts are compared; a crash in every
    # mode is the same outcome.
    assert list(differing["realm"]) == ["test_differs"]
    assert list(differing["clone"]) == ["test_clone_differs",
                                        "test_differs"]
    host, realm = differing["realm"]["test_differs"]
    assert (host["failures"], realm["failures"]) == (0, 1)
    expected = {"test_differs": "a reason", "test_fixed": "another"}
    assert inrealm.verdict(differing["realm"], expected) == (
        [], ["test_fixed"])
    assert inrealm.verdict(differing["realm"], {}) == (["test_differs"], [])
    # A clone may differ where a fresh realm does; anything else must be
    # listed, and a listed file must still differ in a clone only.
    assert inrealm.clone_verdict(differing, {}, {}) == (
        ["test_clone_differs"], [])
    assert inrealm.clone_verdict(
        differing, {}, {"test_clone_differs": "why", "test_differs": "x"}
    ) == ([], ["test_differs"])
    assert inrealm.refusals(results) == {
        "an object of typing.TypeVar, which has no rule":
            ["test_clone_differs"]}


def test_differing_files_are_run_again_alone(fake_worker):
    names = ["test_a", "test_differs", "test_flaky"]
    results = inrealm.run_all(sys.executable, names, jobs=2,
                              log=lambda message: None)
    first = inrealm.compare_modes(results)
    assert sorted(first["realm"]) == ["test_differs", "test_flaky"]
    logged = []
    differing, flaky = inrealm.rerun_differing(sys.executable, results,
                                               first, logged.append)
    assert list(differing["realm"]) == ["test_differs"]
    assert flaky == {"realm": ["test_flaky"], "clone": []}
    assert results["realm"]["test_flaky"]["failures"] == 0
    assert logged[0] == ("inrealm: running the 2 differing files again, "
                         "alone")
    report = inrealm.format_report(results, differing, {}, 1.0, flaky)
    assert "Differed once, not when run again alone: test_flaky" in report
    assert "Files whose counts differ in a clone: 1 (0 listed)" in report
    nothing = {"realm": {}, "clone": {}}
    assert inrealm.rerun_differing(sys.executable, results, nothing) == (
        nothing, {"realm": [], "clone": []})


def test_a_crash_under_load_fails_the_run(fake_worker, tmp_path,
                                          monkeypatch, capsys):
    # test_segv passes when run again alone, but a process killed by a
    # signal is a defect: the run fails and the report has its stacks.
    monkeypatch.setattr(inrealm, "read_expected", lambda path=None: {})
    report = tmp_path / "report.txt"
    status = inrealm.main(sys.executable, ["test_a", "test_segv"], 2,
                          report, log=lambda message: None)
    assert status == 1
    text = report.read_text()
    assert "Differed once, not when run again alone: test_segv" in text
    assert "Process killed by signal 11 in test_segv (realm)" in text
    assert "Fatal Python error: Segmentation fault" in text
    assert ("test_segv (realm) was killed by signal 11"
            in capsys.readouterr().err)


def test_the_worker_on_the_patched_build():
    python = ROOT / "build" / "patched" / "python"
    if not python.exists():
        pytest.skip("build/patched is not built (make)")
    results = {mode: inrealm.run_batch(python, mode, ["test_textwrap"], 300,
                                       log=print)
               for mode in inrealm.MODES}
    host = results["host"]["test_textwrap"]
    assert host["run"] > 50 and host["failures"] == host["errors"] == 0
    for mode in inrealm.COMPARED:
        assert inrealm.outcome(results[mode]["test_textwrap"]) == \
            inrealm.outcome(host)
    # test_textwrap's imports (unittest, textwrap) clone.
    assert "clone_refused" not in results["clone"]["test_textwrap"]


WHERE_WORKER = textwrap.dedent('''
    import json, os, sys
    args = sys.argv[1:]
    for name in args[args.index('--timeout') + 2:]:
        print(json.dumps({'name': name, 'start': True}), flush=True)
        open('main.py', 'w').close()  # as test_pdb does
        print(json.dumps({'name': name, 'run': 1, 'cwd': os.getcwd(),
                          'listed': os.listdir(),
                          'pycache': sys.pycache_prefix}), flush=True)
''')


def test_each_worker_runs_in_a_directory_of_its_own(tmp_path, monkeypatch):
    # The host's and the realm's run of a file go at the same time: files a
    # test writes under a fixed name (test_pdb's main.py) must not meet.
    worker = tmp_path / "worker.py"
    worker.write_text(WHERE_WORKER)
    monkeypatch.setattr(inrealm, "WORKER", worker)
    monkeypatch.chdir(tmp_path)
    results = inrealm.run_all(sys.executable, ["test_a"], jobs=2,
                              log=lambda message: None)
    cwds = {results[mode]["test_a"]["cwd"] for mode in inrealm.MODES}
    assert len(cwds) == len(inrealm.MODES) and str(tmp_path) not in cwds
    # Each compiles from source into a cache of its own.
    assert all(results[mode]["test_a"]["pycache"]
               == os.path.join(results[mode]["test_a"]["cwd"], "pycache")
               for mode in inrealm.MODES)
    assert all(results[mode]["test_a"]["listed"] == ["main.py"]
               for mode in inrealm.MODES)
    assert not any(os.path.exists(cwd) for cwd in cwds)
    assert sorted(os.listdir(tmp_path)) == ["worker.py"]


def test_a_file_that_differs_only_in_a_clone_fails_the_run(
        fake_worker, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(inrealm, "read_expected", lambda path=None: {})
    report = tmp_path / "report.txt"
    status = inrealm.main(sys.executable, ["test_a", "test_clone_differs"],
                          2, report, log=lambda message: None)
    assert status == 1
    text = report.read_text()
    assert ("Templates clone() refused: 1 of 2 files" in text)
    assert ("  1: an object of typing.TypeVar, which has no rule: "
            "test_clone_differs") in text
    assert ("test_clone_differs differs in a clone, not in a fresh realm, "
            "and is not in inrealm-clone-expected.txt"
            in capsys.readouterr().err)


def test_a_run_of_some_files_holds_only_those_to_the_lists(
        fake_worker, tmp_path, monkeypatch, capsys):
    # test_other is listed but not run: not stale.  test_differs is
    # listed, run, and still differs; test_a is listed, run, and no longer
    # differs: stale, and the run fails.
    lists = {inrealm.EXPECTED: {"test_differs": "why", "test_other": "why",
                                "test_a": "why"},
             inrealm.CLONE_EXPECTED: {"test_other_clone": "why"}}
    monkeypatch.setattr(inrealm, "read_expected",
                        lambda path=inrealm.EXPECTED: lists[path])
    report = tmp_path / "report.txt"
    status = inrealm.main(sys.executable, ["test_a", "test_differs"], 2,
                          report, log=lambda message: None)
    err = capsys.readouterr().err
    assert status == 1
    assert err.splitlines() == [
        "inrealm: test_a is in inrealm-expected.txt but no longer differs"]
    del lists[inrealm.EXPECTED]["test_a"]
    status = inrealm.main(sys.executable, ["test_a", "test_differs"], 2,
                          report, log=lambda message: None)
    assert status == 0, capsys.readouterr().err


def test_short_names_select_files_as_the_lists_name_them():
    # regrtest takes "test_inspect" for the package's file, which
    # --list-tests (and so the lists) call test.test_inspect.test_inspect.
    all_names = ["test.test_asyncio.test_events",
                 "test.test_asyncio.test_tasks",
                 "test.test_inspect.test_inspect", "test_json", "test_os",
                 "test_osx_env"]
    assert inrealm.select(all_names, ["test_inspect", "test_os"]) == [
        "test.test_inspect.test_inspect", "test_os"]
    assert inrealm.select(all_names, ["test_asyncio", "test_json",
                                      "test.test_asyncio.test_tasks"]) == [
        "test.test_asyncio.test_events", "test.test_asyncio.test_tasks",
        "test_json"]
    with pytest.raises(ValueError, match="'test_nothing'"):
        inrealm.select(all_names, ["test_nothing"])


def test_the_worker_finds_the_imports_of_a_test_file(tmp_path):
    # A module and a package of the test package, with relative imports,
    # imports in if/try blocks, and imports in functions left out.
    python = ROOT / "build" / "patched" / "python"
    if not python.exists():
        pytest.skip("build/patched is not built (make)")
    code = textwrap.dedent('''
        import sys
        sys.path.insert(0, sys.argv[1])
        import inrealm_worker
        print(inrealm_worker.imported_modules('test_textwrap'))
        print(inrealm_worker.imported_modules('test_json'))
        print(inrealm_worker.imported_modules('test_no_such_file'))
        print(inrealm_worker.imported_modules(
            'test.test_concurrent_futures.test_wait'))
    ''')
    out = subprocess_run([str(python), "-c", code,
                          str(ROOT / "Tools" / "patchq")])
    textwrap_imports, json_imports, missing, split = out.splitlines()
    # "from textwrap import TextWrapper..." gives textwrap, then the
    # names as possible submodules, which the template tries in vain.
    assert eval(textwrap_imports)[:3] == ["unittest", "textwrap",
                                          "textwrap.TextWrapper"]
    json_imports = eval(json_imports)
    # test/test_json/__init__.py: "from test import support" and
    # "from test.support import import_helper"; the package's own
    # modules (test.test_json...) are not imported in the template.
    assert "test.support" in json_imports and "json" in json_imports
    assert not any(name.startswith("test.test_json")
                   for name in json_imports)
    assert eval(missing) == []
    # A module of a split package (regrtest names it in full): its
    # package's other modules are imported, not itself.
    split = eval(split)
    assert "test.test_concurrent_futures.util" in split
    assert "concurrent.futures" in split
    assert "test.test_concurrent_futures.test_wait" not in split


def subprocess_run(cmd):
    import subprocess
    return subprocess.run(cmd, check=True, capture_output=True,
                          text=True).stdout
