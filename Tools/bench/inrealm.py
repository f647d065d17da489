"""Code inside a realm against the same code in the host: pyperformance
benchmarks' bodies, driven directly in one process of the patched build
(not through pyperf's worker processes), counted by callgrind."""

import math
from pathlib import Path

from . import dumps, report
from .report import ratio

CHILD = Path(__file__).with_name("inrealm_child.py")

# Benchmark: a call of its body, sized to run 10-60 million instructions
# (the whole benchmark where pyperformance's size allows, else the function
# it times on a smaller input).  Pure Python, no third-party requirements.
BODIES = {
    "comprehensions": "bench_comprehensions(50)",
    "deepcopy": "benchmark(10)",
    "deltablue": "delta_blue(200)",
    "fannkuch": "fannkuch(7)",
    "float": "benchmark(5000)",
    "generators": "list(tree(range(5000)))",
    "json_dumps": "bench_json_dumps([(NESTED_DATA, range(300))])",
    "nbody": "bench_nbody(1, DEFAULT_REFERENCE, 1000)",
    "nqueens": "bench_n_queens(6)",
    "raytrace": "bench_raytrace(1, 16, 16, None)",
    "spectral_norm": "[eval_AtA_times_u([1.0] * 60) for _ in range(4)]",
    "unpack_sequence": "bench_all(200)",
}


def benchmarks_dir():
    import pyperformance
    return Path(pyperformance.__file__).parent / "data-files" / "benchmarks"


def measure(python, pythonpath, n=1, names=None):
    """Rows of {"benchmark", "host", "realm", "ratio"}: instructions per
    run of the body, ratio = realm / host."""
    env = {**dumps.ENV, "PYTHONPATH": ":".join(map(str, pythonpath))}
    base = benchmarks_dir()
    out = []
    for name, body in BODIES.items():
        if names and name not in names:
            continue
        path = base / f"bm_{name}" / "run_benchmark.py"
        print(f"  {name}", flush=True)
        steps = dumps.run([python, CHILD, path, body, n],
                          env=env)
        host, in_realm = steps["host"], steps["realm"]
        out.append({"benchmark": name, "host": host, "realm": in_realm,
                    "ratio": ratio(in_realm, host)})
    return out


def geometric_mean(rows_):
    ratios = [row["ratio"] for row in rows_ if row["ratio"]]
    if not ratios:
        return None
    return math.exp(sum(map(math.log, ratios)) / len(ratios))


HEADER = ["benchmark", "host (M instr.)", "realm (M instr.)", "realm/host"]


def _lines(rows_):
    lines = [[row["benchmark"], f"{row['host'] / 1e6:.2f}",
              f"{row['realm'] / 1e6:.2f}", f"{row['ratio']:.4f}"]
             for row in rows_]
    mean = geometric_mean(rows_)
    if mean is not None:
        lines.append(["geometric mean", "", "", f"{mean:.4f}"])
    return lines


def table(rows_, title):
    return report.text_table(title, HEADER, _lines(rows_))


def markdown(rows_, title):
    return report.markdown_table(title, HEADER, _lines(rows_))
