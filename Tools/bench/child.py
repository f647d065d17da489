"""Run one workload in this interpreter; the harness starts it in a child
process, under callgrind or under pyperf.  Runs unchanged on stock and
patched.

    python child.py SPEC                 # once, for an instruction count
    python child.py SPEC --pyperf [pyperf options, e.g. --fast -o FILE]

SPEC is JSON: {"prelude", "setup", "loop", "n", "realm": bool,
"path": [dirs to put on sys.path]}.  The loop's code performs n operations.
Under pyperf (which must be importable: the harness puts it on PYTHONPATH),
the loop is timed as a pyperf benchmark of n inner loops, so pyperf reports
the time of one operation.
"""

import json
import sys
import time


def make_runner(spec):
    """The function that runs code where the workload runs: exec() in the
    host, or the exec() of a realm made with the realm module."""
    sys.path[:0] = spec["path"]
    exec(spec["prelude"], {"__name__": "__prelude__"})
    if spec["realm"]:
        import realm
        run = realm.Realm().exec
    else:
        namespace = {"__name__": "__bench__"}
        run = lambda code: exec(code, namespace)
    run(spec["setup"])
    return run


def count(spec):
    run = make_runner(spec)
    run(compile(spec["loop"].format(n=spec["n"]), "<loop>", "exec"))


def timed(spec_text):
    import pyperf

    spec = json.loads(spec_text)
    run = make_runner(spec)
    loop = compile(spec["loop"].format(n=spec["n"]), "<loop>", "exec")

    def time_loops(loops):
        start = time.perf_counter()
        for _ in range(loops):
            run(loop)
        return time.perf_counter() - start

    def add_cmdline_args(cmd, args):
        # pyperf's workers get the spec the same way.
        cmd.extend([spec_text, "--pyperf"])

    runner = pyperf.Runner(add_cmdline_args=add_cmdline_args)
    runner.bench_time_func("op", time_loops, inner_loops=spec["n"])


if __name__ == "__main__":
    if "--pyperf" in sys.argv:
        # SPEC --pyperf, then or before it pyperf's own options, which
        # pyperf parses from the command line.
        at = sys.argv.index("--pyperf")
        spec_text = sys.argv[at - 1]
        del sys.argv[at - 1:at + 1]
        timed(spec_text)
    else:
        count(json.loads(sys.argv[1]))
