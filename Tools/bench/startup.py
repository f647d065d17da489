"""Start-up of stock against patched: what `python -c pass` costs, in
instructions (callgrind), time (pyperf command) and resident memory."""

import json
import os
import re
import tempfile
from pathlib import Path

from .measure import ENV, MeasureError, _run
from . import report
from .report import ratio

# The resident set of an interpreter that has just started.
RSS_CODE = ("import re; print(re.search(r'VmRSS:\\s+(\\d+)', "
            "open('/proc/self/status').read()).group(1))")


def instructions(python):
    proc = _run(["valgrind", "--tool=callgrind",
                 "--callgrind-out-file=/dev/null", str(python), "-c", "pass"])
    match = re.search(r"Collected : (\d+)", proc.stderr)
    if not match:
        raise MeasureError("no instruction count in callgrind's output")
    return int(match.group(1))


def seconds(python, pyperf_python, pyperf_args):
    """pyperf's mean time of `python -c pass`, run by pyperf_python."""
    import pyperf

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "startup.json"
        _run([str(pyperf_python), "-m", "pyperf", "command", *pyperf_args,
              "--quiet", "-o", str(out), "--", str(python), "-c", "pass"])
        return pyperf.Benchmark.load(str(out)).mean()


def resident_kib(python, runs=5):
    # The smallest of a few: the page cache can only add to it.
    return min(int(_run([str(python), "-c", RSS_CODE]).stdout)
               for _ in range(runs))


def measure(builds, pyperf_python, pyperf_args=("--fast",)):
    """Rows {"operation", "unit", "stock", "patched", "ratio"}."""
    values = {name: {"ir": instructions(python),
                     "ms": seconds(python, pyperf_python, pyperf_args) * 1e3,
                     "kib": resident_kib(python)}
              for name, python in builds.items()}
    rows = []
    for key, name, unit in (("ir", "python -c pass", "instructions"),
                            ("ms", "python -c pass", "ms, pyperf mean"),
                            ("kib", "resident at start-up", "KiB")):
        stock, patched = values["stock"][key], values["patched"][key]
        rows.append({"operation": name, "unit": unit, "stock": stock,
                     "patched": patched, "ratio": ratio(patched, stock)})
    return rows


HEADER = ["start-up", "stock", "patched", "patched/stock"]


def _cells(row):
    digits = 2 if row["stock"] < 100 else 0
    return [f"{row['operation']} ({row['unit']})",
            f"{row['stock']:.{digits}f}", f"{row['patched']:.{digits}f}",
            f"{row['ratio']:.3f}"]


def table(rows, title):
    return report.text_table(title, HEADER, [_cells(row) for row in rows])


def markdown(rows, title):
    return report.markdown_table(title, HEADER, [_cells(row) for row in rows])
