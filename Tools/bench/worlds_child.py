"""Realms against subinterpreters, measured in this (patched) interpreter.

    python worlds_child.py N
    python worlds_child.py --memory KIND N
    python worlds_child.py --instructions N      (under callgrind)

The first prints a JSON list of [operation, realm value, subinterpreter
value, unit]; times are the best of 5 rounds of N operations.  The second,
run in a fresh process for each kind of KINDS (freed memory is reused,
not given back), prints the growth of the resident set while N of them
are open, in KiB per instance.  The third runs each step of STEPS N times after
a warm-up, and has callgrind dump its counts after each (_lookupbench must
be importable).
"""

import gc
import json
import os
import sys
import time

import _interpreters
import realm


def best_us(function, n, rounds=5):
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(n):
            function()
        best = min(best, (time.perf_counter() - start) / n)
    return best * 1e6


def resident_kib():
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGESIZE") / 1024


def open_realm():
    return realm.Realm()


def close_realm(r):
    r.close()


def open_interp():
    return _interpreters.create()


def close_interp(interp):
    _interpreters.destroy(interp)


def memory_kib(make, drop, n):
    gc.collect()
    before = resident_kib()
    worlds = [make() for _ in range(n)]
    gc.collect()
    grown = resident_kib() - before
    for world in worlds:
        drop(world)
    return grown / n


def teardown_us(make, drop, n, rounds=5):
    best = float("inf")
    for _ in range(rounds):
        worlds = [make() for _ in range(n)]
        start = time.perf_counter()
        for world in worlds:
            drop(world)
        best = min(best, (time.perf_counter() - start) / n)
    return best * 1e6


def noop():
    pass


def main(n):
    rows = []

    def row(name, realm_value, interp_value, unit):
        rows.append([name, realm_value, interp_value, unit])

    row("create and tear down",
        best_us(lambda: close_realm(open_realm()), n),
        best_us(lambda: close_interp(open_interp()), n), "us")
    row("tear down", teardown_us(open_realm, close_realm, n),
        teardown_us(open_interp, close_interp, n), "us")

    def realm_json():
        with realm.Realm() as r:
            r.exec("import json")

    row("create, import json, tear down", best_us(realm_json, n),
        best_us(interp_json, n), "us")

    r = realm.Realm()
    realm_noop = r.eval("lambda: None")
    interp = _interpreters.create()
    calls = n * 1000
    row("call a function across", best_us(realm_noop, calls),
        best_us(lambda: _interpreters.call(interp, noop), calls), "us")
    r.close()
    _interpreters.destroy(interp)
    json.dump(rows, sys.stdout)


def realm_started():
    with realm.Realm() as r:
        r.import_module("sys")          # starts its import system


def realm_encodings():
    with realm.Realm() as r:
        r.eval("'x'.encode('cp1252')")  # imports encodings


def realm_encodings_json():
    with realm.Realm() as r:
        r.eval("'x'.encode('cp1252')")
        r.exec("import json")


def interp_json():
    interp = _interpreters.create()
    _interpreters.exec(interp, "import json")
    _interpreters.destroy(interp)


# Each realm step does what the one before did, and one thing more: their
# differences are the phases of a realm's making.
STEPS = [
    ("realm: create, close", lambda: close_realm(open_realm())),
    ("realm: + start the import system", realm_started),
    ("realm: + first codec lookup (encodings)", realm_encodings),
    ("realm: + import json", realm_encodings_json),
    ("subinterpreter: create, destroy",
     lambda: close_interp(open_interp())),
    ("subinterpreter: + import json", interp_json),
]


# Realm.clone() against filling a fresh realm: each makes n realms holding
# json, counted without their close (the same cost for both, measured
# apart).
def fresh_json_realm():
    r = realm.Realm()
    r.exec("import json")
    return r


def compare_clone(n, dump, make_fresh, fresh_row, clone_row):
    """Dump the cost of n realms made by make_fresh(), then of n clone()s
    of one, after a warm-up of each."""
    template = make_fresh()
    template.clone().close()
    make_fresh().close()
    gc.collect()
    dump("warm-up")
    for name, make in ((fresh_row, make_fresh), (clone_row, template.clone)):
        made = [make() for _ in range(n)]
        dump(name)
        for r in made:
            r.close()
        gc.collect()
        dump("warm-up")
    template.close()


def clone_steps(n, dump):
    compare_clone(n, dump, fresh_json_realm, "clone: fresh realm, import json",
                  "clone: clone() of a realm with json")


# pytest's template (issue 20): pytest imported, its default plugins
# imported and registered, a Config made; no file descriptor opened
# (pytest-realms takes its template before config.parse()).
PYTEST_TEMPLATE = (
    "import _pytest.config\n"
    "config = _pytest.config.get_config()\n"
    "for name in _pytest.config.default_plugins:\n"
    "    config.pluginmanager.import_plugin(name)\n"
    "del name\n")


def fresh_pytest_realm():
    r = realm.Realm(path=sys.path)
    r.exec(PYTEST_TEMPLATE)
    return r


def pytest_clone_steps(n, dump):
    """As clone_steps(), for pytest's template, if pytest is importable."""
    import importlib.util
    if importlib.util.find_spec("pytest") is None:
        return
    compare_clone(n, dump, fresh_pytest_realm,
                  "clone: fresh realm, pytest's template",
                  "clone: clone() of pytest's template")


def json_interp():
    interp = _interpreters.create()
    _interpreters.exec(interp, "import json")
    return interp


# A full collection in the host with this many worlds holding json open:
# every realm's objects are in the host's GC, a subinterpreter's are not.
GC_OPEN = (0, 1, 10, 50)


def gc_steps(n, dump):
    for kind, make, drop in (("realms", fresh_json_realm, close_realm),
                             ("subinterpreters", json_interp, close_interp)):
        worlds = []
        for count in GC_OPEN:
            while len(worlds) < count:
                worlds.append(make())
            gc.collect()
            dump("warm-up")
            for _ in range(n):
                gc.collect()
            dump(f"gc: {count} {kind}")
        for world in worlds:
            drop(world)
        gc.collect()
        dump("warm-up")


def instructions(n):
    import _lookupbench
    for _, step in STEPS:
        step()
    gc.collect()
    _lookupbench.callgrind_dump("warm-up")
    for name, step in STEPS:
        for _ in range(n):
            step()
        _lookupbench.callgrind_dump(name)
    if hasattr(realm.Realm, "clone"):
        clone_steps(n, _lookupbench.callgrind_dump)
    gc_steps(n, _lookupbench.callgrind_dump)
    if hasattr(realm.Realm, "clone"):
        pytest_clone_steps(n, _lookupbench.callgrind_dump)


def clone_kind():
    template = fresh_json_realm()
    return template.clone, close_realm


KINDS = {"realm": lambda: (open_realm, close_realm),
         "subinterpreter": lambda: (open_interp, close_interp),
         "realm with json": lambda: (fresh_json_realm, close_realm),
         "subinterpreter with json": lambda: (json_interp, close_interp),
         "clone with json": clone_kind}

if __name__ == "__main__":
    if sys.argv[1] == "--instructions":
        instructions(int(sys.argv[2]))
    elif sys.argv[1] == "--memory":
        print(memory_kib(*KINDS[sys.argv[2]](), int(sys.argv[3])))
    else:
        main(int(sys.argv[1]))
