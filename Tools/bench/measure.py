"""Instructions per operation (callgrind) and time per operation."""

import json
import os
import re
import subprocess
import tempfile
from pathlib import Path

CHILD = Path(__file__).with_name("child.py")
# Same hash seed and no user site: the same binary then executes the same
# instructions from one run to the next.
ENV = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONNOUSERSITE": "1"}


class MeasureError(Exception):
    pass


def _spec(workload, n, realm, path):
    return json.dumps({"prelude": workload.prelude, "setup": workload.setup,
                       "loop": workload.loop, "n": n, "realm": realm,
                       "path": [str(p) for p in path]})


def _run(cmd, env=ENV):
    proc = subprocess.run(cmd, env=env, text=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
    if proc.returncode != 0:
        raise MeasureError(f"{' '.join(cmd[:3])}... failed:\n"
                           + proc.stderr[-2000:])
    return proc


def instructions(python, workload, n, realm=False, path=()):
    """Instructions the whole child executes for n operations."""
    proc = _run(["valgrind", "--tool=callgrind",
                 "--callgrind-out-file=/dev/null", str(python), str(CHILD),
                 _spec(workload, n, realm, path)])
    match = re.search(r"Collected : (\d+)", proc.stderr)
    if not match:
        raise MeasureError("no instruction count in callgrind's output")
    return int(match.group(1))


def instructions_per_op(python, workload, realm=False, path=(),
                        n1=1000, n2=11000):
    """The difference between two counts, so start-up cancels out."""
    low = instructions(python, workload, n1, realm, path)
    high = instructions(python, workload, n2, realm, path)
    return (high - low) / (n2 - n1)


def ns_per_op(python, workload, realm=False, path=(), n=1000,
              pyperf_args=("--fast",), pyperf_path=()):
    """Time per operation in nanoseconds: the mean pyperf measures, with
    its standard deviation."""
    import pyperf

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bench.json"
        env = {**ENV, "PYTHONPATH": os.pathsep.join(map(str, pyperf_path))}
        _run([str(python), str(CHILD), _spec(workload, n, realm, path),
              "--pyperf", *pyperf_args, "--quiet", "-o", str(out),
              "--inherit-environ", "PYTHONPATH,PYTHONNOUSERSITE"], env=env)
        bench = pyperf.Benchmark.load(str(out))
    stdev = bench.stdev() if bench.get_nvalue() > 1 else 0.0
    return bench.mean() * 1e9, stdev * 1e9
