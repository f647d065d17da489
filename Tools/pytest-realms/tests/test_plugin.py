"""pytest-realms, driven by pytester in subprocesses of this interpreter."""

import gc
import re
import textwrap
import types
import xml.etree.ElementTree as ET

import pytest

pytest.importorskip("realm", reason="needs the realm-cpython build")


def run(pytester, *args):
    return pytester.runpytest_subprocess("-p", "no:randomly", *args)


def outcomes(pytester, *args):
    return run(pytester, *args).parseoutcomes()


def both(pytester, *args):
    """The outcome counts without and with --realms."""
    return outcomes(pytester, *args), outcomes(pytester, "--realms", *args)


# A second file that sees what the first one changed in the process.
MUTATE = textwrap.dedent("""
    import calendar, codecs, logging, sys

    def test_mutate():
        calendar.isleap = lambda year: "patched"
        sys.path.append("/realm-test/grown")
        codecs.register(lambda name: None if name != "realmtest" else
                        codecs.lookup("utf-8"))
        logging.getLogger("realmtest").setLevel(logging.CRITICAL)
""")
CHECK = textwrap.dedent("""
    import calendar, codecs, logging, sys

    def test_module_not_patched():
        assert calendar.isleap(2024) is True

    def test_path_not_grown():
        assert "/realm-test/grown" not in sys.path

    def test_codec_not_registered():
        try:
            codecs.lookup("realmtest")
        except LookupError:
            pass
        else:
            raise AssertionError("the codec leaked")

    def test_logger_not_configured():
        assert logging.getLogger("realmtest").level == logging.NOTSET
""")


def test_files_are_isolated(pytester):
    pytester.makepyfile(test_1_mutate=MUTATE, test_2_check=CHECK)
    plain, realms = both(pytester)
    assert plain == {"failed": 4, "passed": 1}
    assert realms == {"passed": 5}


SAMPLE = textwrap.dedent("""
    import pytest

    @pytest.fixture
    def broken():
        raise RuntimeError("fixture failed")

    def test_pass(answer):
        assert answer == 42

    def test_fail():
        print("output of a failing test")
        assert [1, 2] == [1, 3]

    def test_error(broken):
        pass

    @pytest.mark.skip(reason="not today")
    def test_skip():
        pass

    @pytest.mark.xfail(reason="known")
    def test_xfail():
        assert False

    @pytest.mark.xfail(reason="fixed")
    def test_xpass():
        pass

    @pytest.mark.slow
    @pytest.mark.parametrize("n", [1, 2, 3])
    def test_param(n):
        assert n < 3

    class TestGroup:
        def test_method(self):
            pass
""")
CONFTEST = textwrap.dedent("""
    import pytest

    def pytest_configure(config):
        config.addinivalue_line("markers", "slow: a slow test")

    @pytest.fixture
    def answer():
        return 42
""")


@pytest.fixture
def sample(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_sample=SAMPLE, test_other="def test_x(): pass")
    return pytester


def summary_lines(result):
    """The -rA short summary, one line per test."""
    lines = result.outlines
    start = next(i for i, line in enumerate(lines)
                 if "short test summary info" in line)
    return sorted(line for line in lines[start + 1:-1]
                  if line.split(" ", 1)[0] in
                  ("PASSED", "FAILED", "ERROR", "SKIPPED", "XFAIL", "XPASS"))


def test_reports_as_without_the_option(sample):
    plain, realms = run(sample, "-rA"), run(sample, "-rA", "--realms")
    assert realms.parseoutcomes() == plain.parseoutcomes() == {
        "passed": 5, "failed": 2, "errors": 1, "skipped": 1,
        "xfailed": 1, "xpassed": 1}
    assert summary_lines(realms) == summary_lines(plain)
    assert realms.ret == plain.ret == pytest.ExitCode.TESTS_FAILED
    # Tracebacks, captured output and the assertion rewriting of the realm.
    realms.stdout.fnmatch_lines([
        "*_ ERROR at setup of test_error _*",
        "E       RuntimeError: fixture failed",
        "*_ test_fail _*",
        ">       assert [1, 2] == [1, 3]",
        "E         At index 1 diff: 2 != 3",
        "*- Captured stdout call -*",
        "output of a failing test",
    ])



def what_users_read(result):
    """The whole terminal output, times taken out (and the padding of the
    lines that show them, which is as wide as their digits); the
    --durations lines (ordered by time, equal here) sorted."""
    lines = [re.sub(r"^=+ (.*) =+$", r"= \1 =",
                    re.sub(r"\d+\.\d\ds", "T", line))
             for line in result.outlines]
    start = next(i for i, line in enumerate(lines)
                 if "slowest durations" in line) + 1
    end = next(i for i in range(start, len(lines))
               if not lines[i].startswith("T "))
    return lines[:start] + sorted(lines[start:end]) + lines[end:]


def test_output_as_without_the_option(sample):
    # "collected N items", tracebacks, captured output, the -rA summary
    # with locations, --durations.
    args = ("-rA", "--durations=0", "--durations-min=0")
    plain, realms = run(sample, *args), run(sample, "--realms", *args)
    assert what_users_read(realms) == what_users_read(plain)
    plain.stdout.fnmatch_lines(["collected 11 items",
                                "*s call     test_sample.py::test_fail"])

@pytest.mark.parametrize("args", [
    ["-k", "param"], ["-k", "TestGroup or other"], ["-m", "slow"],
    ["-m", "not slow"], ["-x"], ["--maxfail=2"],
    ["--deselect", "test_sample.py::test_fail"],
    ["test_sample.py::test_param"], ["--collect-only"],
])
def test_selection_and_stopping(sample, args):
    plain, realms = both(sample, *args)
    assert realms == plain


def test_last_failed(sample):
    run(sample)
    plain = run(sample, "--lf", "-rA")
    realms = run(sample, "--lf", "-rA", "--realms")
    # The class of a test that passed is kept, its test deselected.
    assert realms.parseoutcomes() == plain.parseoutcomes() == {
        "failed": 2, "errors": 1, "deselected": 1}
    assert summary_lines(realms) == summary_lines(plain)
    realms.stdout.fnmatch_lines(["run-last-failure: rerun previous 3 "
                                 "failures (skipped 1 file)"])


def junit_cases(pytester, *args):
    run(pytester, "--junitxml=out.xml", "-o", "junit_logging=system-out",
        *args)
    suite = ET.parse(pytester.path / "out.xml").getroot().find("testsuite")
    counts = tuple(suite.get(key) for key in ("tests", "failures", "errors",
                                              "skipped"))
    cases = sorted(
        (case.get("classname"), case.get("name"),
         tuple(sorted(child.tag for child in case)),
         "".join(out.text or "" for out in case.iter("system-out")))
        for case in suite.iter("testcase"))
    return counts, cases


def test_junitxml(sample):
    plain, realms = junit_cases(sample), junit_cases(sample, "--realms")
    assert realms == plain
    counts, cases = realms
    assert counts == ("11", "2", "1", "2")
    failing = [case for case in cases if case[1] == "test_fail"]
    assert failing[0][2] == ("failure", "system-out")
    assert "output of a failing test" in failing[0][3]


def test_collection_errors(pytester):
    pytester.makepyfile(test_import="import no_such_module_for_realms",
                        test_syntax="def broken(:\n    pass",
                        test_ok="def test_ok(): pass")
    plain = run(pytester)
    realms = run(pytester, "--realms")
    assert realms.parseoutcomes() == plain.parseoutcomes() == {"errors": 2}
    assert realms.ret == plain.ret == pytest.ExitCode.INTERRUPTED
    realms.stdout.fnmatch_lines([
        "*ERROR collecting test_import.py*",
        "E   ModuleNotFoundError: No module named "
        "'no_such_module_for_realms'",
    ])
    realms.stdout.fnmatch_lines(["*ERROR collecting test_syntax.py*",
                                 "E   *SyntaxError*"])
    assert both(pytester, "--continue-on-collection-errors") == (
        {"errors": 2, "passed": 1}, {"errors": 2, "passed": 1})


def test_module_level_skip(pytester):
    pytester.makepyfile(test_skipped=textwrap.dedent("""
        import pytest
        pytest.skip("not here", allow_module_level=True)
    """), test_ok="def test_ok(): pass")
    plain, realms = both(pytester)
    assert realms == plain == {"passed": 1, "skipped": 1}


def test_session_fixtures_are_per_file(pytester):
    pytester.makeconftest(textwrap.dedent("""
        import pathlib, pytest

        @pytest.fixture(scope="session")
        def setups():
            log = pathlib.Path(__file__).with_name("setups.log")
            with open(log, "a") as f:
                f.write("setup\\n")
            return log
    """))
    test = "def test_it(setups): pass\n"
    pytester.makepyfile(test_a=test, test_b=test)
    assert outcomes(pytester, "--realms") == {"passed": 2}
    assert (pytester.path / "setups.log").read_text() == "setup\n" * 2


def test_share(pytester):
    pytester.makepyfile(counted=textwrap.dedent("""
        import pathlib
        with open(pathlib.Path(__file__).with_name("imports.log"), "a") as f:
            f.write("imported\\n")
    """))
    test = "import counted\ndef test_it(): pass\n"
    pytester.makepyfile(test_a=test, test_b=test)
    log = pytester.path / "imports.log"
    # Each file is imported twice, in the realm that collects it and in
    # the one that runs it.
    assert outcomes(pytester, "--realms") == {"passed": 2}
    assert log.read_text() == "imported\n" * 4
    log.unlink()
    assert outcomes(pytester, "--realms", "--realms-share=counted") == {
        "passed": 2}
    assert log.read_text() == "imported\n"


def test_extension_refusing_a_second_load(pytester):
    ext = pytest.importorskip("_testmultiphase")
    if type(ext.__loader__).__name__ != "ExtensionFileLoader":
        pytest.skip("_testmultiphase is not an extension file")
    # A plugin that makes the extension refuse a load, as numpy's does
    # after its first one.
    pytester.makepyfile(refuser=textwrap.dedent("""
        import _imp
        if not hasattr(_imp, "realm_test_original"):
            _imp.realm_test_original = _imp.create_dynamic
            def create_dynamic(spec, *args):
                if spec.name == "_testmultiphase":
                    raise ImportError(
                        "cannot load module more than once per process")
                return _imp.realm_test_original(spec, *args)
            _imp.create_dynamic = create_dynamic
    """), test_ext="import _testmultiphase\ndef test_it(): pass\n")
    result = run(pytester, "-p", "refuser", "--realms")
    assert result.parseoutcomes() == {"errors": 1}
    # The option to use comes first, before the realm module's own note.
    result.stdout.fnmatch_lines([
        "*ERROR collecting test_ext.py*",
        "pytest-realms: if '_testmultiphase' can be loaded only once per "
        "process, share the host's with --realms-share=_testmultiphase",
        "*cannot load module more than once per process*"])


def test_refuses_without_the_realm_module(pytester):
    pytester.makepyfile(norealm="import sys\nsys.modules['realm'] = None\n",
                        test_ok="def test_ok(): pass")
    result = run(pytester, "-p", "norealm", "--realms")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*--realms needs an interpreter with the realm module*"])
    # Without the option, the plugin stays out of the way.
    assert outcomes(pytester, "-p", "norealm") == {"passed": 1}


def test_xdist(sample):
    pytest.importorskip("xdist")
    sample.makepyfile(test_1_mutate=MUTATE, test_2_check=CHECK)
    plain = outcomes(sample, "-n", "2", "--dist", "loadfile")
    realms = outcomes(sample, "-n", "2", "--dist", "loadfile", "--realms")
    # The same outcomes but for the four tests that see another file's
    # changes in the same worker process without realms.
    assert realms["passed"] == plain["passed"] + plain.get("failed", 0) - 2
    assert realms["failed"] == 2
    assert {key: realms[key] for key in ("errors", "skipped", "xfailed",
                                         "xpassed")} == {
        "errors": 1, "skipped": 1, "xfailed": 1, "xpassed": 1}


def test_warnings_reach_the_host_summary(pytester):
    pytester.makepyfile(test_warn=textwrap.dedent("""
        import warnings

        class RealmWarning(UserWarning):
            pass

        def test_builtin_category():
            warnings.warn("a plain one", DeprecationWarning)

        def test_own_category():
            warnings.warn("one of the file's own", RealmWarning)

        def test_resource():
            open(__file__).close
    """))
    args = ("-W", "always::ResourceWarning")
    plain, realms = run(pytester, *args), run(pytester, "--realms", *args)
    assert realms.parseoutcomes() == plain.parseoutcomes() == {
        "passed": 3, "warnings": 3}
    for result in (plain, realms):
        # pytest's hint for a ResourceWarning needs the warning's object.
        result.stdout.fnmatch_lines([
            "*warnings summary*",
            "test_warn.py::test_builtin_category",
            "*DeprecationWarning: a plain one",
            "test_warn.py::test_own_category",
            "*: RealmWarning: one of the file's own",
            "test_warn.py::test_resource",
            "*: ResourceWarning: unclosed file *",
            "*open(__file__).close",
            "  Enable tracemalloc to get traceback where the object was"
            " allocated."])


def test_realms_are_freed(pytester):
    # Reports, markers and warnings reach the host as plain data: nothing
    # the host keeps holds a realm once its file ran.
    pytester.makepyfile(test_kept=textwrap.dedent("""
        import pytest, warnings

        class Value:
            pass

        @pytest.mark.parametrize("value", [Value()])
        def test_it(value):
            warnings.warn("kept by the host", UserWarning)
            open(__file__).close  # a ResourceWarning: its object is lent
            assert False
    """))
    result = pytester.inline_run("--realms", "-p", "no:randomly",
                                 "-W", "always::ResourceWarning")
    assert result.countoutcomes() == [0, 0, 1]
    gc.collect()
    loaded = [module for module in gc.get_objects()
              if isinstance(module, types.ModuleType)
              and module.__name__ == "test_kept"]
    assert loaded == []


# Failures found on real suites (issue 21), each as a user met it.

def test_addopts_override_applies_once(sample):
    # "-o addopts=-k ..." selects in the host; applied again in each realm,
    # it hid the host's "N deselected".
    plain, realms = both(sample, "-o", "addopts=-k param")
    assert realms == plain == {"passed": 2, "failed": 1, "deselected": 8}


def test_tmpdir_plugin_disabled(pytester):
    # packaging's configuration has -p no:tmpdir in addopts.
    pytester.makeini("[pytest]\naddopts = -p no:tmpdir\n")
    pytester.makepyfile(test_a="def test_a(): pass",
                        test_b="def test_b(): pass")
    plain, realms = both(pytester)
    assert realms == plain == {"passed": 2}


def test_exit_in_a_test(pytester):
    pytester.makepyfile(test_a=textwrap.dedent("""
        import pytest

        def test_fails():
            assert False

        def test_exits():
            pytest.exit("enough", returncode=5)

        def test_never_runs():
            pass
    """))
    plain, realms = run(pytester), run(pytester, "--realms")
    assert realms.ret == plain.ret == 5
    assert "INTERNALERROR" not in realms.stdout.str()
    assert realms.parseoutcomes() == plain.parseoutcomes() == {"failed": 1}
    for result in (plain, realms):
        result.stdout.fnmatch_lines(["*! _pytest.outcomes.Exit: enough !*"])


@pytest.mark.parametrize("dist", [["--dist", "worksteal"], ["--dist", "load"],
                                  []])
def test_refuses_dist_modes_that_split_files(sample, dist):
    pytest.importorskip("xdist")
    result = run(sample, "-n", "2", *dist, "--realms")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--realms needs --dist loadfile or "
                                 "--dist loadgroup*"])
    assert outcomes(sample, "-n", "2", "--dist", "loadgroup",
                    "--realms")["passed"] == 5


def test_share_names_a_module_that_does_not_exist(pytester):
    pytester.makepyfile(test_a="def test_a(): pass",
                        test_b="def test_b(): pass")
    result = run(pytester, "--realms", "--realms-share=nunpy")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--realms-share: no module named "
                                 "'nunpy'*"])
    assert "collecting" not in result.stdout.str()


def test_parametrize_marks_are_described_once(pytester):
    # Each case of a parametrized test has the parametrize mark with all
    # the values: described per item, a file grew with the square of its
    # cases (packaging's suite went past 23 GB).
    realm = pytest.importorskip("realm")
    sizes = []
    for cases in (300, 600):
        path = pytester.makepyfile(**{f"test_p{cases}": textwrap.dedent(f"""
            import pytest

            @pytest.mark.parametrize("v", ["x" * 40 + str(i)
                                           for i in range({cases})])
            def test_it(v):
                pass
        """)})
        with realm.Realm(site=True) as r:
            inrealm = r.import_module("pytest_realms.inrealm")
            session = inrealm.FileSession(
                ["--rootdir", str(pytester.path), "-p", "no:cacheprovider"],
                str(path), {}, lambda kind, data: None)
            try:
                described = session.collect()
            finally:
                session.finish()
        sizes.append(len(repr(described)))
    assert sizes[1] < 2.5 * sizes[0], sizes


def test_items_share_their_marks_as_without_the_option(pytester):
    pytester.makepyfile(test_p=textwrap.dedent("""
        import pytest

        @pytest.mark.parametrize("v", range(5))
        def test_it(v):
            pass
    """))
    for args in ([], ["--realms"]):
        items, _ = pytester.inline_genitems("-p", "no:randomly", *args)
        marks = {id(mark) for item in items for mark in item.own_markers
                 if mark.name == "parametrize"}
        assert len(items) == 5 and len(marks) == 1, args


def test_conftest_hooks_read_what_plain_items_have(pytester):
    # A common pattern: pytest_collection_modifyitems reading fixturenames
    # and callspec gave INTERNALERROR.
    pytester.makeconftest(textwrap.dedent("""
        import pytest

        def pytest_configure(config):
            config.addinivalue_line("markers", "uses_resource: marked")

        @pytest.fixture
        def resource():
            return 1

        def pytest_collection_modifyitems(items):
            with open("seen.txt", "a") as f:
                for item in items:
                    spec = getattr(item, "callspec", None)
                    cls = item.cls.__qualname__ if item.cls else "-"
                    f.write(f"{item.nodeid} {sorted(item.fixturenames)} "
                            f"{item.originalname} "
                            f"{spec.id if spec else '-'} "
                            f"{spec.params if spec else '-'} "
                            f"{spec.indices if spec else '-'} {cls}\\n")
                    if "resource" in item.fixturenames:
                        item.add_marker(pytest.mark.uses_resource)
    """))
    pytester.makepyfile(test_a=textwrap.dedent("""
        import pytest

        @pytest.mark.parametrize("n", [10, 20])
        def test_param(n, resource):
            pass

        def test_plain():
            pass

        class TestGroup:
            @pytest.mark.parametrize("m", [1])
            def test_method(self, m):
                pass
    """))
    seen = pytester.path / "seen.txt"
    plain = outcomes(pytester, "-m", "uses_resource")
    plain_seen = set(seen.read_text().splitlines())
    seen.unlink()
    realms = outcomes(pytester, "-m", "uses_resource", "--realms")
    assert realms == plain == {"passed": 2, "deselected": 2}
    assert set(seen.read_text().splitlines()) == plain_seen
    assert "test_a.py::test_param[10] ['n', 'resource'] " \
        "test_param 10 {'n': 10} {'n': 0} -" in plain_seen
    assert "test_a.py::TestGroup::test_method[1] ['m'] " \
        "test_method 1 {'m': 1} {'m': 0} TestGroup" in plain_seen


def test_realm_objects_of_an_item_give_a_clear_error(pytester):
    pytester.makeconftest(textwrap.dedent("""
        def pytest_collection_modifyitems(items):
            for item in items:
                assert getattr(item, "function", None) is None or \\
                    type(item).__name__ == "Function"
                item.function
    """))
    pytester.makepyfile(test_a="def test_a(): pass")
    result = run(pytester, "--realms")
    result.stdout.fnmatch_lines([
        "*AttributeError: pytest-realms: RealmItem.function is an object "
        "of the test file's realm, which the host does not hold*"])


def test_every_option_reaches_the_files(pytester):
    # Options reach each file's session as pytest-xdist passes them to its
    # workers: a conftest's, a plugin's (-p), the ini file's addopts.
    pytester.makeconftest(textwrap.dedent("""
        import pytest

        def pytest_addoption(parser):
            parser.addoption("--flavor", default="plain")

        @pytest.fixture
        def flavor(request):
            return request.config.getoption("flavor")
    """))
    pytester.makepyfile(speedplugin=textwrap.dedent("""
        def pytest_addoption(parser):
            parser.addoption("--speed", type=int, default=0)
    """), test_opts=textwrap.dedent("""
        def test_flavor(flavor):
            assert flavor == "chosen"

        def test_speed(request):
            assert request.config.getoption("speed") == 7

        def test_ini(request):
            assert request.config.getoption("strict_markers")
    """))
    pytester.makeini("[pytest]\naddopts = --strict-markers\n")
    args = ["-p", "speedplugin", "--flavor=chosen", "--speed", "7"]
    plain, realms = both(pytester, *args)
    assert realms == plain == {"passed": 3}
    # Host-only options stay with the host: -k selects once, -x stops it.
    assert both(pytester, *args, "-k", "flavor or speed", "-x") == (
        {"passed": 2, "deselected": 1}, {"passed": 2, "deselected": 1})


def short_summary(result, word):
    return sorted(line for line in result.outlines
                  if line.startswith(word + " "))


def test_collection_reports_are_the_realms(pytester):
    # A module-level skip is reported where it happened (it was
    # pytest_realms/plugin.py), and a collection error with its traceback.
    pytester.makepyfile(test_skipped=textwrap.dedent("""
        import pytest
        pytest.skip("not here", allow_module_level=True)
    """), test_broken=textwrap.dedent("""
        def helper():
            raise ValueError("broken at import")
        helper()
    """), test_ok="def test_ok(): pass")
    plain = run(pytester, "-rs", "--continue-on-collection-errors")
    realms = run(pytester, "-rs", "--continue-on-collection-errors",
                 "--realms")
    assert realms.parseoutcomes() == plain.parseoutcomes() == {
        "passed": 1, "skipped": 1, "errors": 1}
    assert short_summary(realms, "SKIPPED") == short_summary(
        plain, "SKIPPED") == ["SKIPPED [1] test_skipped.py:2: not here"]
    assert short_summary(realms, "ERROR") == short_summary(plain, "ERROR")
    for result in (plain, realms):
        result.stdout.fnmatch_lines(["*ERROR collecting test_broken.py*",
                                     "test_broken.py:3: in <module>",
                                     "*ValueError: broken at import"])


def test_reports_reach_the_conftests_of_their_directory_only(pytester):
    # Reports go through the file's hook proxy, as plain items' do.
    hook = textwrap.dedent("""
        import pathlib

        def pytest_runtest_logreport(report):
            if report.when == "call":
                log = pathlib.Path(__file__).with_name("seen.log")
                with open(log, "a") as f:
                    f.write(report.nodeid + "\\n")
    """)
    for name in ("a", "b"):
        pytester.mkdir(name)
        (pytester.path / name / "conftest.py").write_text(hook)
        (pytester.path / name / f"test_{name}.py").write_text(
            "def test_it(): pass\n")
    seen = {}
    for args in ([], ["--realms"]):
        assert outcomes(pytester, *args) == {"passed": 2}
        # With --realms the realm's conftest sees the report too (as an
        # xdist worker's does): compared as sets.
        seen[bool(args)] = [
            set((pytester.path / name / "seen.log").read_text().split())
            for name in ("a", "b")]
        for name in ("a", "b"):
            (pytester.path / name / "seen.log").unlink()
    assert seen[True] == seen[False] == [{"a/test_a.py::test_it"},
                                         {"b/test_b.py::test_it"}]


def test_keywords_are_pytests_own(pytester):
    # -k matches what pytest's KeywordMatcher gives, private names and all
    # (a copy of it dropped names that start with "_").
    pytester.makepyfile(test_k=textwrap.dedent("""
        def test_it():
            pass
        test_it._private_flag = True

        def test_other():
            pass
    """))
    # pytest 8.4 matches the private name; pytest 9 does not.
    plain, realms = both(pytester, "-k", "_private_flag")
    assert realms == plain
    assert plain in ({"passed": 1, "deselected": 1}, {"deselected": 2})


CLONE_COUNTER = """
import realm

clones = []
clone = realm.Realm.clone

def counted_clone(self):
    clones.append(self)
    if REFUSE:
        raise RuntimeError("cannot clone: for the test")
    return clone(self)

realm.Realm.clone = counted_clone

def pytest_unconfigure(config):
    with open("clones.txt", "w") as f:
        f.write(f"{len(clones)} {len(set(map(id, clones)))}")
"""


def test_files_run_in_clones_of_a_template(pytester):
    # Each file's realm is a clone of one template; if the template
    # cannot be cloned, a new realm per file.
    # Each file's modules are its own: what one does to a module the
    # template imported (pytest's own) the other does not see.
    pytester.makepyfile(test_a="import _pytest.nodes as nodes\n"
                               "nodes.marker = 1\n"
                               "def test_one(): assert nodes.marker == 1\n",
                        test_b="import _pytest.nodes as nodes\n"
                               "def test_two():\n"
                               "    assert not hasattr(nodes, 'marker')\n")
    for refuse, expected in ((False, "4 1"), (True, "1 1")):
        pytester.makepyfile(clonecounter=f"REFUSE = {refuse}\n"
                                         + CLONE_COUNTER)
        assert outcomes(pytester, "-p", "clonecounter", "--realms") == {
            "passed": 2}
        # Two realms a file (collect, run): four clones of one template;
        # refused once, never tried again.
        assert (pytester.path / "clones.txt").read_text() == expected


AUDITED_CLONES = """
import realm, sys

events, made, during = [], [], [False]
clone = realm.Realm.clone

def hook(event, args):
    if during[0] and event in ("exec", "compile"):
        events.append(event)

sys.addaudithook(hook)

def audited_clone(self):
    during[0] = True
    try:
        made.append(clone(self))
        return made[-1]
    finally:
        during[0] = False

realm.Realm.clone = audited_clone

def pytest_unconfigure(config):
    with open("clones.txt", "w") as f:
        f.write(f"{len(made)} {events}")
"""


def test_template_clones_run_no_module_code(pytester):
    # Realm.clone()'s hard gate on pytest's template: no module code runs
    # again (no exec or compile audit event), and no fallback.
    pytester.makepyfile(test_a="def test_one(): pass\n",
                        auditedclones=AUDITED_CLONES)
    assert outcomes(pytester, "-p", "auditedclones", "--realms") == {
        "passed": 1}
    assert (pytester.path / "clones.txt").read_text() == "2 []"


def test_one_realm_at_a_time(pytester):
    # Every file's realm was made at collection and held until its last
    # test: 7 MB a file, and each garbage collection walked them all.
    pytester.makepyfile(realmcounter=textwrap.dedent("""
        import realm, weakref

        made, open_now, peak, alive = [], set(), [0], [0]
        init, clone = realm.Realm.__init__, realm.Realm.clone
        close = realm.Realm.close

        def counted(made_realm):
            made.append(weakref.ref(made_realm.sys))
            open_now.add(id(made_realm))
            peak[0] = max(peak[0], len(open_now))

        def counted_init(self, *args, **kwargs):
            # The worlds of the closed realms are freed by then.
            alive[0] = max(alive[0], sum(ref() is not None for ref in made))
            init(self, *args, **kwargs)
            counted(self)

        def counted_clone(self):
            alive[0] = max(alive[0], sum(ref() is not None for ref in made))
            copy = clone(self)
            counted(copy)
            return copy

        def counted_close(self):
            open_now.discard(id(self))
            return close(self)

        realm.Realm.__init__ = counted_init
        realm.Realm.clone = counted_clone
        realm.Realm.close = counted_close

        def pytest_unconfigure(config):
            with open("realms.txt", "w") as f:
                f.write(f"{len(made)} {peak[0]} {len(open_now)} {alive[0]}")
    """))
    for name in "abc":
        pytester.makepyfile(**{f"test_{name}": "def test_one(): pass\n"
                                               "def test_two(): pass\n"})
    assert outcomes(pytester, "-p", "realmcounter", "--realms") == {
        "passed": 6}
    # Made: the template, then a clone of it to collect and one to run
    # each file; never two files' open, and each closed one freed before
    # the next is made (the template alone stays, until the end).
    assert (pytester.path / "realms.txt").read_text() == "7 2 0 1"
    result = run(pytester, "-p", "realmcounter", "--realms", "--collect-only")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["collected 6 items"])
    assert (pytester.path / "realms.txt").read_text() == "4 2 0 1"
