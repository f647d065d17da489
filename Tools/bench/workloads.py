"""The lookups SPEC 6 measures, as code run in a child interpreter.

Each workload gives the code of n operations; the harness runs it with two
values of n and divides the difference, so start-up and setup cancel out.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Workload:
    name: str
    setup: str  # run where the loop runs (in the realm, for realm rows)
    loop: str   # a format string with {n}: the code of n operations
    prelude: str = ""  # run in the host first, before any realm exists
    # How many operations the instruction count's difference covers.  A
    # whole-process count moves by some 10**4 instructions between runs
    # with different n (a resize or collection crossing a threshold):
    # a C loop of a few dozen instructions per operation needs 10**6.
    ops: int = 10_000


SINK = ("import sys\n"
        "class Sink:\n"
        "    def write(self, text): pass\n"
        "    def flush(self): pass\n"
        "sys.stdout = Sink()\n")

WORKLOADS = [
    Workload("import json (cached)", "import json",
             "for _ in range({n}):\n    import json"),
    Workload("from json import dumps", "import json",
             "for _ in range({n}):\n    from json import dumps"),
    Workload("print() to a sink", "",
             "for _ in range({n}):\n    print('x')", prelude=SINK),
    Workload("codecs.lookup('utf-8')", "import codecs",
             "for _ in range({n}):\n    codecs.lookup('utf-8')"),
    Workload("PySys_GetObject", "import _lookupbench",
             "_lookupbench.sys_getobject({n})", ops=100_000),
    Workload("PyImport_GetModuleDict", "import _lookupbench",
             "_lookupbench.import_getmoduledict({n})", ops=1_000_000),
    Workload("PyImport_GetModule", "import _lookupbench, json",
             "_lookupbench.import_getmodule({n}, 'json')", ops=100_000),
    Workload("PyEval_GetBuiltins", "import _lookupbench",
             "_lookupbench.eval_getbuiltins({n})", ops=1_000_000),
]
