from patchq import tsan

SRC = "/work/main/build/src"

# An upstream race as a worker prints it (gcc: no column), within the
# output regrtest prints around it.
UPSTREAM_RACE = f"""\
0:00:12 load avg: 1.50 [1/3] test_realm_state
==================
WARNING: ThreadSanitizer: data race (pid=4242)
  Write of size 8 at 0x7f0000001000 by thread T3:
    #0 assign_version_tag {SRC}/Objects/typeobject.c:1034 (python+0x1a2b3c)
    #1 _PyType_Lookup {SRC}/Objects/typeobject.c:5309 (python+0x1a3000)

  Previous read of size 8 at 0x7f0000001000 by thread T1:
    #0 _PyType_Lookup {SRC}/Objects/typeobject.c:5290 (python+0x1a2f00)
    #1 <null> <null> (libc.so.6+0x8a3a0) (BuildId: 0123abcd)

  Thread T3 (tid=4250, running) created by main thread at:
    #0 pthread_create ../../../../src/libsanitizer/tsan/tsan_interceptors_posix.cpp:1022 (libtsan.so.2+0x5ad4d)
    #1 do_start_joinable_thread {SRC}/Python/thread_pthread.h:290 (python+0x2c0000)

SUMMARY: ThreadSanitizer: data race {SRC}/Objects/typeobject.c:1034 in assign_version_tag
==================
0:00:40 load avg: 1.20 [2/3] test_realm passed
"""

# The series' function is deep in the second stack only (clang: columns).
SERIES_BY_NAME = f"""\
==================
WARNING: ThreadSanitizer: data race (pid=4243)
  Read of size 8 at 0x7f0000002000 by thread T2:
    #0 PyDict_GetItemRef {SRC}/Objects/dictobject.c:2345:12 (python+0x100000)
    #1 builtins_lookup {SRC}/Python/sysmodule.c:99:5 (python+0x200000)

  Previous write of size 8 at 0x7f0000002000 by main thread:
    #0 insertdict {SRC}/Objects/dictobject.c:1700:9 (python+0x100100)
    #1 PyThreadState_SetBuiltins.part.0 {SRC}/Python/pystate.c:2010:5 (python+0x300000)

SUMMARY: ThreadSanitizer: data race {SRC}/Objects/dictobject.c:2345:12 in PyDict_GetItemRef
==================
"""

# A static function of Python/realm.c: the file tells.
SERIES_BY_FILE = f"""\
==================
WARNING: ThreadSanitizer: data race (pid=4244)
  Atomic read of size 4 at 0x7f0000003000 by thread T4:
    #0 check_type {SRC}/Python/realm.c:40:9 (python+0x400000)

  Previous write of size 4 at 0x7f0000003000 by thread T5:
    #0 memcpy <null> (libtsan.so.2+0x6f0e1)

SUMMARY: ThreadSanitizer: data race {SRC}/Python/realm.c:40:9 in check_type
==================
"""

DEADLOCK = f"""\
==================
WARNING: ThreadSanitizer: lock-order-inversion (potential deadlock) (pid=4245)
  Cycle in lock order graph: M0 (0x7f0000004000) => M1 (0x7f0000004100) => M0

  Mutex M1 acquired here while holding mutex M0 in thread T1:
    #0 pthread_mutex_lock <null> (libtsan.so.2+0x4a8e1)
    #1 PyMutex_LockTimed {SRC}/Python/lock.c:60 (python+0x500000)

SUMMARY: ThreadSanitizer: lock-order-inversion (potential deadlock) {SRC}/Python/lock.c:60 in PyMutex_LockTimed
==================
"""


def test_no_report_in_plain_output():
    assert tsan.classify("== Tests result: SUCCESS ==\nResult: SUCCESS\n"
                         "ThreadSanitizer: reported 0 warnings\n") == ([], [])


def test_upstream_report_with_its_kind_and_top_frame():
    series, upstream = tsan.classify(UPSTREAM_RACE)
    assert series == []
    [report] = upstream
    assert report.kind == "data race"
    assert report.top_frame() == (
        f"assign_version_tag {SRC}/Objects/typeobject.c:1034")
    assert report.frames[3] == ("<null>", "<null>")
    assert report.lines[-1].startswith("SUMMARY: ThreadSanitizer:")
    # The output around the report is not part of it.
    assert not any("load avg" in line for line in report.lines)


def test_a_series_function_anywhere_in_the_stacks_makes_it_the_series():
    series, upstream = tsan.classify(SERIES_BY_NAME + SERIES_BY_FILE)
    assert upstream == []
    assert [r.top_frame().split()[0] for r in series] == [
        "PyDict_GetItemRef", "check_type"]


def test_series_frames():
    realm_c = f"{SRC}/Python/realm.c:71:1"
    assert tsan.is_series_frame("_PyRealm_Lookup", "")
    assert tsan.is_series_frame("realm_exec.cold", "<null>")
    assert tsan.is_series_frame("PyThreadState_GetBuiltins", "pystate.c:9")
    assert tsan.is_series_frame("slot_of", realm_c)
    assert tsan.is_series_frame(
        "_PyRealm_Get", "../src/Include/internal/pycore_realm.h:104")
    assert tsan.is_series_frame("f", "Include/internal/pycore_realm.h:3:1")
    assert not tsan.is_series_frame("surrealm_c", f"{SRC}/Python/surrealm.c:1")
    assert not tsan.is_series_frame("PyThreadState_GetDict",
                                    f"{SRC}/Python/pystate.c:20")
    assert not tsan.is_series_frame("_PyRealmish", "<null>")


def test_every_kind_of_report_is_read():
    series, upstream = tsan.classify(
        UPSTREAM_RACE + DEADLOCK + SERIES_BY_FILE)
    assert [r.kind for r in upstream] == [
        "data race", "lock-order-inversion (potential deadlock)"]
    assert len(series) == 1


def test_a_report_cut_short_ends_at_the_next_one():
    cut = SERIES_BY_FILE.split("\n  Previous")[0] + "\n"
    series, upstream = tsan.classify(cut + UPSTREAM_RACE)
    assert len(series) == 1 and len(upstream) == 1
    assert series[0].frames == [("check_type", f"{SRC}/Python/realm.c:40:9")]


def test_tally_counts_the_same_report_from_several_workers():
    _, upstream = tsan.classify(UPSTREAM_RACE * 3 + DEADLOCK)
    assert tsan.tally(upstream) == [
        f"    3  data race  assign_version_tag "
        f"{SRC}/Objects/typeobject.c:1034",
        "    1  lock-order-inversion (potential deadlock)  "
        "pthread_mutex_lock <null>"]


def fake_regrtest(monkeypatch, tmp_path, output, status=0):
    from patchq import cli, regrtest
    monkeypatch.setattr(cli, "BUILD", tmp_path)
    monkeypatch.setattr(regrtest, "run",
                        lambda python, args, log, echo=True, env=None:
                        (status, output, 1.0))
    return cli.main(["regrtest", "tsan", "test_realm", "-j1",
                     "--classify-tsan"])


def test_classify_tsan_fails_on_a_series_report(monkeypatch, tmp_path,
                                                capsys):
    assert fake_regrtest(monkeypatch, tmp_path,
                         UPSTREAM_RACE + SERIES_BY_NAME) == 1
    out = capsys.readouterr().out
    assert "1 report(s) in the series' code, 1 in upstream code" in out
    assert "assign_version_tag" in out


def test_classify_tsan_lists_upstream_reports_only(monkeypatch, tmp_path,
                                                   capsys):
    assert fake_regrtest(monkeypatch, tmp_path, UPSTREAM_RACE) == 0
    assert "    1  data race  assign_version_tag" in capsys.readouterr().out
    # A test that fails fails the target whatever TSan says.
    assert fake_regrtest(monkeypatch, tmp_path, UPSTREAM_RACE, 2) == 2
