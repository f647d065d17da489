"""Realms against subinterpreters (_interpreters), on the patched build."""

import json
from pathlib import Path

from .measure import _run
from . import report
from .report import ratio

CHILD = Path(__file__).with_name("worlds_child.py")


def measure(python, n=20):
    """Rows of {"operation", "unit", "realm", "subinterpreter", "ratio"},
    ratio being how many times a realm is cheaper."""
    raw = json.loads(_run([str(python), str(CHILD), str(n)]).stdout)
    memory = {kind: float(_run([str(python), str(CHILD), "--memory", kind,
                                str(n)]).stdout)
              for kind in ("realm", "subinterpreter")}
    raw.insert(2, ["memory while open", memory["realm"],
                   memory["subinterpreter"], "KiB"])
    return [{"operation": name, "unit": unit, "realm": realm,
             "subinterpreter": interp, "ratio": ratio(interp, realm)}
            for name, realm, interp, unit in raw]


def _cells(row):
    digits = 2 if row["realm"] < 10 else 0
    return [f"{row['operation']} ({row['unit']})",
            f"{row['realm']:.{digits}f}", f"{row['subinterpreter']:.0f}",
            "n/a" if row["ratio"] is None else f"{row['ratio']:.1f}x"]


HEADER = ["operation", "realm", "subinterpreter", "realm cheaper by"]


def table(rows, title):
    return report.text_table(title, HEADER, [_cells(row) for row in rows])


def markdown(rows, title):
    return report.markdown_table(title, HEADER, [_cells(row) for row in rows])
