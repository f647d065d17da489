"""Realms against subinterpreters (_interpreters), on the patched build."""

import json
import os
from pathlib import Path

from . import dumps, report
from .measure import _run
from .report import ratio

CHILD = Path(__file__).with_name("worlds_child.py")


def instructions(python, ext_path, n=5, site=None):
    """Instructions per operation of each of worlds_child.STEPS, under
    callgrind, in one process: {step: instructions}.  site: a directory
    with pytest, for the clone of pytest's template."""
    path = [str(ext_path)] + ([str(site)] if site else [])
    env = {**dumps.ENV, "PYTHONPATH": os.pathsep.join(path)}
    steps = dumps.run([python, CHILD, "--instructions", n], env=env)
    steps.pop("warm-up", None)
    return {name: count / n for name, count in steps.items()}


def phases(steps):
    """The phases of a realm's making: the differences between its steps,
    as [(phase, instructions)]."""
    realm_steps = [(name, count) for name, count in steps.items()
                   if name.startswith("realm: ")]
    out, previous = [], 0
    for name, count in realm_steps:
        out.append((name.removeprefix("realm: ").removeprefix("+ "),
                    count - previous))
        previous = count
    return out


def measure(python, n=20, ext_path=None, ir_n=5, site=None):
    """Rows of {"operation", "unit", "realm", "subinterpreter", "ratio"},
    ratio being how many times a realm is cheaper; and the phases of a
    realm's making in instructions (empty without ext_path).  site: where
    pytest is installed for python (no pytest row without it)."""
    raw = json.loads(_run([str(python), str(CHILD), str(n)]).stdout)
    memory = {kind: float(_run([str(python), str(CHILD), "--memory", kind,
                                str(n)]).stdout)
              for kind in ("realm", "subinterpreter", "realm with json",
                           "subinterpreter with json", "clone with json")}
    raw.insert(2, ["memory while open", memory["realm"],
                   memory["subinterpreter"], "KiB"])
    steps = {}
    if ext_path is not None:
        steps = instructions(python, ext_path, ir_n, site)
        mega = 1e6
        raw[1:1] = [
            ["create and tear down", steps["realm: create, close"] / mega,
             steps["subinterpreter: create, destroy"] / mega,
             "M instructions"],
            ["create, import json, tear down",
             steps["realm: + import json"] / mega,
             steps["subinterpreter: + import json"] / mega,
             "M instructions"]]
    rows = [{"operation": name, "unit": unit, "realm": realm,
             "subinterpreter": interp, "ratio": ratio(interp, realm)}
            for name, realm, interp, unit in raw]
    return rows, phases(steps), clone_rows(steps, memory), gc_rows(steps)


# SPEC 6's goals for a clone of a realm that imported json, and of
# pytest's template (issue 20).
CLONE_GOAL = 5.0
PYTEST_CLONE_GOAL = 10.0


def clone_rows(steps, memory=None):
    """Realm.clone() of a realm that imported json against a fresh realm
    and a subinterpreter doing the import (M instructions per realm, close
    not counted for the realms), and, with memory ({kind: KiB per open
    instance}), the memory each holds: [] when the build has no clone()."""
    clone = steps.get("clone: clone() of a realm with json")
    if clone is None:
        return []
    fresh = steps["clone: fresh realm, import json"]
    interp = steps["subinterpreter: + import json"]
    rows = [{"operation": "clone() vs fresh realm + import json "
                          "(M instructions)",
             "clone": clone / 1e6, "other": fresh / 1e6,
             "ratio": ratio(fresh, clone), "goal": CLONE_GOAL},
            {"operation": "clone() vs subinterpreter + import json, "
                          "destroy (M instructions)",
             "clone": clone / 1e6, "other": interp / 1e6,
             "ratio": ratio(interp, clone), "goal": None}]
    pytest_clone = steps.get("clone: clone() of pytest's template")
    if pytest_clone is not None:
        fresh = steps["clone: fresh realm, pytest's template"]
        rows.append({"operation": "clone() vs fresh realm + pytest's "
                                  "template (M instructions)",
                     "clone": pytest_clone / 1e6, "other": fresh / 1e6,
                     "ratio": ratio(fresh, pytest_clone),
                     "goal": PYTEST_CLONE_GOAL})
    if memory and "clone with json" in memory:
        held = memory["clone with json"]
        for kind in ("realm with json", "subinterpreter with json"):
            rows.append({"operation": f"memory while open vs a {kind} "
                                      f"(KiB each)",
                         "clone": held, "other": memory[kind],
                         "ratio": ratio(memory[kind], held), "goal": None})
    return rows


def gc_rows(steps):
    """A full gc.collect() in the host with some realms, or
    subinterpreters, holding json open (M instructions): [{"open",
    "realms", "subinterpreters", "ratio"}], ratio being how many times the
    realms' collection costs more."""
    rows = []
    for name, count in steps.items():
        if name.startswith("gc: ") and name.endswith(" realms"):
            open_ = int(name.split()[1])
            other = steps.get(f"gc: {open_} subinterpreters")
            rows.append({"open": open_, "realms": count / 1e6,
                         "subinterpreters": None if other is None
                         else other / 1e6,
                         "ratio": None if other is None
                         else ratio(count, other)})
    return sorted(rows, key=lambda row: row["open"])


GC_HEADER = ["worlds holding json open", "gc.collect(), realms",
             "subinterpreters", "realms cost more by"]


def _gc_cells(row):
    other = row["subinterpreters"]
    return [str(row["open"]), f"{row['realms']:.2f}",
            "n/a" if other is None else f"{other:.2f}",
            "n/a" if row["ratio"] is None else f"{row['ratio']:.1f}x"]


def _renderers(header, cells):
    """(text table, markdown table) functions of (rows, title)."""
    def text(rows, title):
        return report.text_table(title, header, [cells(row) for row in rows])

    def markdown(rows, title):
        return report.markdown_table(title, header,
                                     [cells(row) for row in rows])
    return text, markdown


gc_table, gc_markdown = _renderers(GC_HEADER, _gc_cells)


CLONE_HEADER = ["operation", "clone()", "other", "clone cheaper by",
                "goal"]


def _clone_cells(row):
    if row["goal"] is None:
        verdict = ""
    elif row["ratio"] is not None and row["ratio"] >= row["goal"]:
        verdict = f">= {row['goal']:.0f}x: met"
    else:
        verdict = f">= {row['goal']:.0f}x: not met"
    return [row["operation"], f"{row['clone']:.2f}", f"{row['other']:.2f}",
            "n/a" if row["ratio"] is None else f"{row['ratio']:.1f}x",
            verdict]


clone_table, clone_markdown = _renderers(CLONE_HEADER, _clone_cells)


def phases_table(phase_rows, title):
    total = sum(count for _, count in phase_rows) or 1
    lines = [[name, f"{count / 1e6:.2f}", f"{100 * count / total:.0f}%"]
             for name, count in phase_rows]
    return title, ["phase (each after the one above)", "M instructions",
                   "share"], lines


def _number(value):
    return f"{value:.2f}" if value < 10 else f"{value:.0f}"


def _cells(row):
    return [f"{row['operation']} ({row['unit']})",
            _number(row["realm"]), _number(row["subinterpreter"]),
            "n/a" if row["ratio"] is None else f"{row['ratio']:.1f}x"]


HEADER = ["operation", "realm", "subinterpreter", "realm cheaper by"]


def table(rows, title):
    return report.text_table(title, HEADER, [_cells(row) for row in rows])


def markdown(rows, title):
    return report.markdown_table(title, HEADER, [_cells(row) for row in rows])
