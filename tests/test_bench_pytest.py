"""make bench-pytest's measurements (Tools/pytest-realms/bench.py)."""

import importlib.util
import json
import subprocess
import sys
import textwrap

from conftest import ROOT

spec = importlib.util.spec_from_file_location(
    "bench_pytest", ROOT / "Tools" / "pytest-realms" / "bench.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def test_run_one_gives_the_processs_own_cpu_and_peak_memory(tmp_path):
    # A child that holds 80 MB and spins: its own figures, not those of
    # every child the parent reaped before (RUSAGE_CHILDREN's maximum).
    # Measured from a small process, as bench.py is: Linux keeps a
    # process's peak RSS across exec, so a child forked from this pytest
    # process would start at its size.
    big = ("import time\n"
           "block = bytearray(80 * 1024 * 1024)\n"
           "end = time.process_time() + 0.2\n"
           "while time.process_time() < end: pass\n"
           "print('1 passed in 0.2s')\n"
           "raise SystemExit(1)")
    measure = textwrap.dedent(f"""
        import importlib.util, json, sys
        spec = importlib.util.spec_from_file_location(
            "bench_pytest", {str(ROOT / "Tools" / "pytest-realms" /
                                 "bench.py")!r})
        bench = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(bench)
        big = bench.run_one([sys.executable, "-c", {big!r}], ".", None)
        small = bench.run_one([sys.executable, "-c", "pass"], ".", None)
        print(json.dumps([big, small]))
    """)
    proc = subprocess.run([sys.executable, "-c", measure], cwd=tmp_path,
                          stdout=subprocess.PIPE, text=True, check=True)
    big, small = json.loads(proc.stdout)
    output, status, cpu, rss = big
    assert (output, status) == ("1 passed in 0.2s\n", 1)
    assert cpu >= 0.2
    assert rss >= 80 * 1024
    assert small[3] < 80 * 1024


def test_summarize_takes_medians_spread_and_peak():
    runs = [(3.0, 2.0, 100, {"passed": 5}), (1.0, 4.0, 300, {"passed": 5}),
            (2.0, 3.0, 200, {"passed": 5})]
    assert bench.summarize(runs) == {"wall": 2.0, "cpu": 3.0, "cpu_min": 2.0,
                                     "cpu_max": 4.0, "rss": 300,
                                     "counts": {"passed": 5}}
    runs.append((2.0, 3.0, 200, {"passed": 4, "failed": 1}))
    assert bench.summarize(runs)["counts"] is None


def test_table_puts_each_mode_against_plain():
    def result(cpu, rss, counts):
        return {"wall": cpu, "cpu": cpu, "cpu_min": cpu - 1,
                "cpu_max": cpu + 1, "rss": rss, "counts": counts}
    counts = {"passed": 9, "skipped": 1}
    results = {"plain": result(2.0, 51200, counts),
               "realms": result(3.0, 61440, counts),
               "forked": result(4.0, 51200, counts),
               "subprocess": result(8.0, 40960, None)}
    lines = bench.table({("proj", "1.0", 3): results}, 5).splitlines()
    assert lines[0].startswith("Medians of 5 interleaved rounds")
    assert lines[4] == ("| proj 1.0 | 10 | 3 | plain | 2.0 | 2.0 | 1.0-3.0 "
                        "| 1.00 | 50 | 1.00 | yes |")
    assert lines[5] == ("| proj 1.0 | 10 | 3 | realms | 3.0 | 3.0 | 2.0-4.0 "
                        "| 1.50 | 60 | 1.20 | yes |")
    assert lines[7].endswith("| no: None |")
