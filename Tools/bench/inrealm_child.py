"""Run one pyperformance benchmark's body in the host and in a realm, in
this (patched) interpreter, under callgrind.

    python inrealm_child.py FILE EXPRESSION N

FILE is the benchmark's run_benchmark.py, loaded as a module (not as
__main__: pyperf's Runner does not start), once in the host and once in a
realm; EXPRESSION calls its body in that module's namespace.  Each place
runs the body twice to warm up (specialization, caches), then N times, and
callgrind dumps the counts of the N runs as "host" and "realm"
(_lookupbench and pyperf must be importable).
"""

import gc
import sys

import _lookupbench
import realm

LOAD = """
import importlib.util
spec = importlib.util.spec_from_file_location('bm_under_test', FILE)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
"""


def measure(label, namespace, body, n):
    for _ in range(2):
        eval(body, namespace)
    gc.collect()
    _lookupbench.callgrind_dump(f"warm-up {label}")
    for _ in range(n):
        eval(body, namespace)
    _lookupbench.callgrind_dump(label)


def main(path, expression, n):
    body = compile(expression, "<body>", "eval")
    host = {"FILE": path}
    exec(LOAD, host)
    measure("host", vars(host["module"]), body, n)
    with realm.Realm() as r:
        loaded = {"FILE": path}
        r.exec(LOAD, loaded)        # with the realm's builtins
        measure("realm", vars(loaded["module"]), body, n)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
