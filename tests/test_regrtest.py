from patchq import regrtest

SUMMARY = """\
== Tests result: FAILURE ==

10 slowest tests:
- test_concurrent_futures: 2 min 3 sec

2 tests skipped:
    test_winreg test_winsound

1 test skipped (resource denied):
    test_network

1 re-run test:
    test_flaky

3 tests failed:
    test_cmd_line test_compileall
    test_socket

470 tests OK.

Total duration: 9 min 12 sec
Total tests: run=44,000 failures=3 skipped=1,500
Total test files: run=476/478 failed=3 skipped=2 rerun=1
Result: FAILURE
"""


def test_parse_summary_reads_every_section():
    sections = regrtest.parse_summary(SUMMARY)
    assert sections["failed"] == ["test_cmd_line", "test_compileall",
                                  "test_socket"]
    assert sections["skipped"] == ["test_winreg", "test_winsound"]
    assert sections["skipped (resource denied)"] == ["test_network"]
    assert sections["re-run"] == ["test_flaky"]


def test_totals_keeps_the_closing_lines():
    text = regrtest.totals(SUMMARY)
    assert "Total test files: run=476/478 failed=3" in text
    assert "Result: FAILURE" in text
    assert "slowest" not in text


def test_regressions_are_what_passes_on_stock_only():
    all_tests = ["test_a", "test_b", "test_c", "test_d", "test_e"]
    stock = {"failed": ["test_a"], "skipped": ["test_e"]}
    patched = {"failed": ["test_a", "test_b"], "skipped": ["test_c"],
               "omitted": []}
    assert regrtest.regressions(all_tests, stock, patched) == [
        "test_b", "test_c"]
    assert regrtest.regressions(all_tests, stock, stock) == []


def test_test_names_in_patch():
    patch = """\
--- a/Lib/test/test_audit.py
+++ b/Lib/test/test_audit.py
--- a/Lib/test/audit-tests.py
+++ b/Lib/test/audit-tests.py
--- /dev/null
+++ b/Lib/test/test_capi/test_builtins.py
+++ b/Lib/test/test_importlib/resources/data01/x.txt
+++ b/Lib/test/support/__init__.py
+++ b/Modules/_testcapi/structmember.c
"""
    assert regrtest.test_names_in_patch(patch) == {
        "test_audit", "test_capi.test_builtins", "test_importlib"}


def test_series_tests_includes_the_patch_tests(tmp_path):
    (tmp_path / "0001-x.patch").write_text(
        "+++ b/Lib/test/test_audit.py\n+++ b/Lib/test/test_realm.py\n")
    (tmp_path / "series").write_text("0001-x.patch\n")
    assert regrtest.series_tests(tmp_path, only="0001-x.patch") == [
        "test_audit", "test_realm"]
    every = regrtest.series_tests(tmp_path)
    assert "test_realm" in every and "test_sys" in every


def test_regrtest_children_get_a_working_sigint(tmp_path):
    """Even when started with SIGINT ignored (a background job of a
    non-interactive shell), the interpreter under test raises
    KeyboardInterrupt for _thread.interrupt_main()."""
    import subprocess
    import sys
    script = tmp_path / "fake_python"
    # regrtest.run() calls `python -m test ...`; stand in for python.
    script.write_text(
        "#!/bin/sh\nexec " + sys.executable + " -c 'import signal; "
        "print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)'\n")
    script.chmod(0o755)
    code = (f"import signal, sys; sys.path.insert(0, {str(regrtest.__file__.rsplit('/', 2)[0])!r})\n"
            "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
            "from patchq import regrtest\n"
            f"status, out, _ = regrtest.run({str(script)!r}, [], "
            f"__import__('pathlib').Path({str(tmp_path / 'log')!r}), echo=False)\n"
            "print(out.strip())")
    out = subprocess.run([sys.executable, "-c", code], text=True,
                         stdout=subprocess.PIPE, check=True).stdout
    assert out.strip() == "True"


def test_command_line_names_what_the_environment_changes(monkeypatch):
    monkeypatch.setenv("KEPT", "1")
    monkeypatch.setenv("DROPPED", "1")
    import os
    env = {**os.environ, "ADDED": "a b"}
    del env["DROPPED"]
    cmd = ["python", "-m", "test"]
    assert regrtest.command_line(cmd) == "python -m test"
    assert regrtest.command_line(cmd, env) == (
        "env -u DROPPED ADDED='a b' python -m test")


def fake_parity(monkeypatch, tmp_path, argv):
    """Run `patchq parity argv` with regrtest faked; return its runs."""
    from patchq import cli
    calls = []

    def run(python, args, log_path, echo=True, env=None):
        calls.append({"python": python, "log": log_path, "env": env})
        return 0, SUMMARY, 60.0

    monkeypatch.setattr(cli, "BUILD", tmp_path)
    monkeypatch.setattr(regrtest, "run", run)
    monkeypatch.setattr(regrtest, "list_tests",
                        lambda python, args=(): ["test_cmd_line", "test_os"])
    # The caller's environment decides nothing.
    monkeypatch.setenv(cli.SLOWPATH_VAR, "1")
    (tmp_path / "regrtest").mkdir()
    status = cli.main(["parity", "-q", "-j1", *argv])
    return status, calls


def test_parity_slowpath_sets_the_variable_on_patched_only(
        monkeypatch, tmp_path):
    from patchq import cli
    status, calls = fake_parity(monkeypatch, tmp_path, ["--slowpath"])
    assert status == 0
    stock, patched = calls
    assert stock["python"] == cli.python_of("stock")
    assert patched["python"] == cli.python_of("patched")
    assert cli.SLOWPATH_VAR not in stock["env"]
    assert patched["env"][cli.SLOWPATH_VAR] == "1"
    assert patched["env"]["PATH"] == stock["env"]["PATH"]
    assert stock["log"] == tmp_path / "regrtest" / "stock-full.log"
    assert patched["log"] == (tmp_path / "regrtest"
                              / "patched-slowpath-full.log")
    report = (tmp_path / "regrtest" / "parity-slowpath.txt").read_text()
    assert "## patched-slowpath" in report
    assert "## pass on stock, not on patched-slowpath\nnone" in report
    assert not (tmp_path / "regrtest" / "parity.txt").exists()


def test_parity_without_slowpath_runs_the_fast_path(monkeypatch, tmp_path):
    from patchq import cli
    status, calls = fake_parity(monkeypatch, tmp_path, [])
    assert status == 0
    assert [call["log"].name for call in calls] == [
        "stock-full.log", "patched-full.log"]
    assert all(cli.SLOWPATH_VAR not in call["env"] for call in calls)
    assert (tmp_path / "regrtest" / "parity.txt").exists()
