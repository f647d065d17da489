"""Run one workload in this interpreter; the harness starts it in a child
process (under callgrind, or timed).  Runs unchanged on stock and patched.

    python child.py JSON

JSON: {"prelude", "setup", "loop", "n", "realm": bool, "repeat": int,
       "path": [dirs to put on sys.path]}.  With repeat 0 the loop runs
once (for instruction counts); otherwise it runs repeat times and the best
time per operation is printed, in nanoseconds.
"""

import json
import sys
import time


def run_in(spec, namespace):
    """What runs the workload's code: exec() in the host, or the exec()
    of a realm made with the realm module (patched builds only)."""
    if not spec["realm"]:
        return lambda code: exec(code, namespace)
    import realm
    return realm.Realm().exec


def main(spec):
    sys.path[:0] = spec["path"]
    exec(spec["prelude"], {"__name__": "__prelude__"})
    run = run_in(spec, {"__name__": "__bench__"})
    run(spec["setup"])
    loop = compile(spec["loop"].format(n=spec["n"]), "<loop>", "exec")
    if not spec["repeat"]:
        run(loop)
        return
    best = float("inf")
    for _ in range(spec["repeat"]):
        start = time.perf_counter()
        run(loop)
        best = min(best, time.perf_counter() - start)
    sys.__stdout__.write(f"{best / spec['n'] * 1e9:.3f}\n")


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
