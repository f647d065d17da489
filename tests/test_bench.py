"""The benchmark harness: arithmetic, parsing, and a smoke run against
both built interpreters (tiny counts: it checks the harness, not the
cost; no assertion here is about timing)."""

import ast
import builtins
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyperf
import pytest

from conftest import ROOT
from bench import dumps, inrealm, measure, report, startup, worlds
from bench.workloads import WORKLOADS, Workload

# pyperf is pure Python: this environment's copy serves the interpreters
# the harness measures too.
PYPERF_LIB = Path(pyperf.__file__).resolve().parents[1]

BUILD = ROOT / "build"


def test_ratios_and_missing_values():
    rows = report.rows({"op": {"stock": {"ir": 100.0, "ns": 10.0},
                               "patched": {"ir": 102.0, "ns": 12.0}}})
    ir = rows[0]["ir"]
    assert ir["patched/stock"] == pytest.approx(1.02)
    assert ir["realm"] is None and ir["realm/patched"] is None
    assert rows[0]["ns"]["patched/stock"] == pytest.approx(1.2)
    assert report.ratio(5.0, 0) is None


def test_table_and_markdown_show_every_row():
    rows = report.rows({"a": {"stock": {"ir": 1.0, "ns": 1.0},
                              "patched": {"ir": 2.0, "ns": 1.0},
                              "realm": {"ir": 3.0, "ns": 1.0}}})
    text = report.table(rows, "ir", "title")
    assert text.splitlines()[0] == "title"
    assert "2.000" in text and "1.500" in text
    md = report.markdown(rows, "ir", "t")
    assert "| a | 1.0 | 2.0 | 2.000 | 3.0 | 1.500 |" in md
    data = json.loads(report.to_json(rows, {"date": "d"}))
    assert data["rows"][0]["ir"]["realm"] == 3.0


def test_instruction_count_is_parsed_from_callgrind(monkeypatch):
    counts = iter([1000, 3000])

    class Proc:
        returncode = 0
        stdout = ""

        def __init__(self):
            self.stderr = f"==1== Collected : {next(counts)}\n"

    monkeypatch.setattr(measure, "_run", lambda cmd: Proc())
    w = Workload("x", "", "pass")
    assert measure.instructions_per_op("python", w, n1=10, n2=30) == 100.0


def test_a_failing_child_is_reported(tmp_path):
    bad = Workload("broken", "raise SystemExit('setup failed')", "pass")
    with pytest.raises(measure.MeasureError, match="setup failed"):
        measure.ns_per_op(sys.executable, bad, n=10,
                          pyperf_args=["--debug-single-value"],
                          pyperf_path=[PYPERF_LIB])


def test_worlds_table_shows_how_much_cheaper_a_realm_is():
    rows = [{"operation": "create", "unit": "us", "realm": 500.0,
             "subinterpreter": 5000.0, "ratio": 10.0},
            {"operation": "call", "unit": "us", "realm": 0.02,
             "subinterpreter": 7.0, "ratio": 350.0}]
    text = worlds.table(rows, "T")
    assert text.splitlines()[0] == "T"
    assert "create (us)" in text and "10.0x" in text
    assert "0.02" in text and "350.0x" in text
    md = worlds.markdown(rows, "T")
    assert "| call (us) | 0.02 | 7.00 | 350.0x |" in md


def test_phases_are_the_differences_between_realm_steps():
    steps = {"realm: create, close": 2e6,
             "realm: + start the import system": 7e6,
             "realm: + import json": 30e6,
             "subinterpreter: create, destroy": 40e6}
    assert worlds.phases(steps) == [("create, close", 2e6),
                                    ("start the import system", 5e6),
                                    ("import json", 23e6)]
    title, header, lines = worlds.phases_table(worlds.phases(steps), "P")
    assert lines[1] == ["start the import system", "5.00", "17%"]


def test_callgrind_dump_files_are_read(tmp_path):
    dump = tmp_path / "cg.out.3"
    dump.write_text("version: 1\ncmd: python x.py\npart: 3\n"
                    "desc: Trigger: Client Request: realm: create, close\n"
                    "events: Ir\nsummary: 123456\n")
    assert dumps._read(dump) == ("realm: create, close", 123456)
    (tmp_path / "cg.out.4").write_text("events: Ir\nsummary: 5\n")
    assert dumps._read(tmp_path / "cg.out.4") is None


def test_in_realm_table_has_the_geometric_mean():
    rows = [{"benchmark": "a", "host": 1e7, "realm": 1.01e7, "ratio": 1.01},
            {"benchmark": "b", "host": 2e7, "realm": 1.98e7, "ratio": 0.99}]
    assert inrealm.geometric_mean(rows) == pytest.approx(
        (1.01 * 0.99) ** 0.5)
    text = inrealm.table(rows, "R")
    assert "a" in text and "1.0100" in text and "0.9900" in text
    assert text.splitlines()[-1].split() == ["geometric", "mean", "0.9999"]


def test_in_realm_bodies_name_real_benchmarks():
    base = pytest.importorskip("pyperformance") and inrealm.benchmarks_dir()
    assert len(inrealm.BODIES) >= 10
    for name, body in inrealm.BODIES.items():
        source = ast.parse(
            (base / f"bm_{name}" / "run_benchmark.py").read_text())
        defined = {node.name for node in source.body
                   if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
        defined |= {target.id for node in source.body
                    if isinstance(node, ast.Assign)
                    for target in node.targets
                    if isinstance(target, ast.Name)}
        used = {node.id for node in ast.walk(ast.parse(body, mode="eval"))
                if isinstance(node, ast.Name)} - set(dir(builtins)) - {"_"}
        assert used and used <= defined, (name, used - defined)


def test_startup_table():
    rows = [{"operation": "python -c pass", "unit": "instructions",
             "stock": 20_000_000, "patched": 20_100_000, "ratio": 1.005},
            {"operation": "python -c pass", "unit": "ms, pyperf mean",
             "stock": 10.5, "patched": 10.25, "ratio": 10.25 / 10.5}]
    text = startup.table(rows, "S")
    assert "20000000" in text and "1.005" in text
    assert "10.50" in text and "0.976" in text
    assert "| python -c pass (instructions) | 20000000 | 20100000 | 1.005 |" \
        in startup.markdown(rows, "S")


def test_workload_names_are_unique():
    names = [w.name for w in WORKLOADS]
    assert len(names) == len(set(names))


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="no valgrind")
def test_smoke_run_against_both_builds(tmp_path):
    for kind in ("stock", "patched"):
        if not (BUILD / kind / "python").exists():
            pytest.skip(f"build/{kind} is not built")
    out = tmp_path / "bench"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "PySys",
         "--out", str(out), "--pyperf-lib", str(PYPERF_LIB)],
        cwd=ROOT, env={"PYTHONPATH": str(ROOT / "Tools"),
                       "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.returncode == 0, proc.stdout
    data = json.loads((out / "lookups.json").read_text())
    row, = data["rows"]
    assert row["operation"] == "PySys_GetObject"
    for column in ("stock", "patched", "realm"):
        assert row["ir"][column] > 0, column
        assert row["ns"][column] > 0, column
    assert "PySys_GetObject" in (out / "lookups.md").read_text()
    operations = {(row["operation"], row["unit"]): row
                  for row in data["worlds"]}
    assert set(operations) == {
        ("create and tear down", "us"),
        ("create and tear down", "M instructions"),
        ("tear down", "us"), ("memory while open", "KiB"),
        ("create, import json, tear down", "us"),
        ("create, import json, tear down", "M instructions"),
        ("call a function across", "us")}
    for name, row in operations.items():
        assert row["subinterpreter"] > 0, name
        assert row["realm"] >= 0 if row["unit"] == "KiB" else row["realm"] > 0
        assert row["ratio"] == row["subinterpreter"] / row["realm"], name
    # The phases of a realm's making add up to its last step.
    phases = dict(data["phases"])
    assert list(phases)[0] == "create, close"
    assert all(count > 0 for count in phases.values()), phases
    assert sum(phases.values()) == pytest.approx(
        operations[("create, import json, tear down", "M instructions")]
        ["realm"] * 1e6)
    if data["in_realm"]:        # pyperformance installed
        for row in data["in_realm"]:
            assert row["host"] > 0 and row["realm"] > 0, row
            assert row["ratio"] == row["realm"] / row["host"], row
    assert "Realm against subinterpreter" in proc.stdout
    startup = {(row["operation"], row["unit"]): row for row in data["startup"]}
    assert len(startup) == 3
    for key, row in startup.items():
        assert row["stock"] > 0 and row["patched"] > 0, key
        assert row["ratio"] == row["patched"] / row["stock"], key


def test_chart_is_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    rows = report.rows({"op": {"stock": {"ir": 10.0, "ns": 1.0},
                               "patched": {"ir": 11.0, "ns": 1.0},
                               "realm": {"ir": 12.0, "ns": 1.0}}})
    assert report.chart(rows, tmp_path / "c.png")
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_clone_rows_report_the_goal():
    steps = {"clone: fresh realm, import json": 36e6,
             "clone: clone() of a realm with json": 6e6,
             "subinterpreter: + import json": 70e6}
    rows = worlds.clone_rows(steps)
    assert rows[0]["ratio"] == 6.0 and rows[0]["goal"] == 5.0
    text = worlds.clone_table(rows, "C")
    assert "6.0x" in text and ">= 5x: met" in text
    steps["clone: clone() of a realm with json"] = 18e6
    text = worlds.clone_table(worlds.clone_rows(steps), "C")
    assert "2.0x" in text and ">= 5x: not met" in text
    assert worlds.clone_rows({"subinterpreter: + import json": 1}) == []
    # With the memory each kind holds open.
    memory = {"clone with json": 300.0, "realm with json": 600.0,
              "subinterpreter with json": 1500.0}
    rows = worlds.clone_rows(steps, memory)
    assert [row["ratio"] for row in rows[2:]] == [2.0, 5.0]
    assert "memory while open vs a realm with json (KiB each)" in \
        worlds.clone_table(rows, "C")


def test_clone_rows_report_pytests_template():
    steps = {"clone: fresh realm, import json": 36e6,
             "clone: clone() of a realm with json": 6e6,
             "subinterpreter: + import json": 70e6,
             "clone: fresh realm, pytest's template": 400e6,
             "clone: clone() of pytest's template": 100e6}
    rows = worlds.clone_rows(steps)
    assert rows[2]["ratio"] == 4.0 and rows[2]["goal"] == 10.0
    text = worlds.clone_table(rows, "C")
    assert "pytest's template" in text and ">= 10x: not met" in text
    # Without pytest for the patched build, no row.
    del steps["clone: clone() of pytest's template"]
    assert len(worlds.clone_rows(steps)) == 2


def test_gc_rows_pair_realms_with_subinterpreters():
    steps = {"gc: 0 realms": 2e6, "gc: 10 realms": 12e6,
             "gc: 0 subinterpreters": 2e6, "gc: 10 subinterpreters": 3e6,
             "gc: 50 realms": 52e6, "clone: x": 1}
    rows = worlds.gc_rows(steps)
    assert [row["open"] for row in rows] == [0, 10, 50]
    assert rows[1]["ratio"] == 4.0 and rows[2]["ratio"] is None
    text = worlds.gc_table(rows, "G")
    assert "4.0x" in text and "n/a" in text
