"""Run one workload in this interpreter; the harness starts it in a child
process (under callgrind, or timed).  Runs unchanged on stock and patched.

    python child.py JSON

JSON: {"prelude", "setup", "loop", "n", "realm": bool, "repeat": int,
       "path": [dirs to put on sys.path]}.  With repeat 0 the loop runs
once (for instruction counts); otherwise it runs repeat times and the best
time per operation is printed, in nanoseconds.
"""

import builtins
import json
import sys
import time
import types


def realm_builtins():
    """A hand-made realm: builtins of its own whose __sys__ is a copy of
    sys (what the realm module makes, minus its own import system)."""
    realm_sys = types.ModuleType("sys")
    realm_sys.__dict__.update(sys.__dict__)
    new = dict(vars(builtins))
    new["__sys__"] = realm_sys
    return new


def main(spec):
    sys.path[:0] = spec["path"]
    exec(spec["prelude"], {"__name__": "__prelude__"})
    namespace = {"__name__": "__bench__"}
    if spec["realm"]:
        namespace["__builtins__"] = realm_builtins()
    exec(spec["setup"], namespace)
    loop = compile(spec["loop"].format(n=spec["n"]), "<loop>", "exec")
    if not spec["repeat"]:
        exec(loop, namespace)
        return
    best = float("inf")
    for _ in range(spec["repeat"]):
        start = time.perf_counter()
        exec(loop, namespace)
        best = min(best, time.perf_counter() - start)
    sys.__stdout__.write(f"{best / spec['n'] * 1e9:.3f}\n")


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
