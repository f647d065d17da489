"""python3 -m bench: the lookup-cost table, stock against patched."""

import argparse
import platform
import sys
import time
from pathlib import Path

from . import cext, inrealm, measure, report, startup, worlds
from .workloads import WORKLOADS

ROOT = Path(__file__).resolve().parents[2]


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="bench", description="Measure the lookups builtins-scoped "
        "state adds: instructions per operation (callgrind) and ns per "
        "operation, stock against patched, in one interleaved run.")
    parser.add_argument("--stock", type=Path,
                        default=ROOT / "build/stock/python")
    parser.add_argument("--patched", type=Path,
                        default=ROOT / "build/patched/python")
    parser.add_argument("--out", type=Path, default=ROOT / "build/bench")
    parser.add_argument("--pyperf-lib", type=Path,
                        default=ROOT / "build/bench/pyperf-lib",
                        help="where pyperf is installed for the measured "
                        "interpreters (make bench puts it there)")
    parser.add_argument("--only", metavar="TEXT",
                        help="only the operations whose name contains TEXT")
    parser.add_argument("--no-realm", action="store_true",
                        help="skip the rows measured inside a realm, and "
                        "realms against subinterpreters")
    parser.add_argument("--pytest-site", type=Path,
                        help="a site-packages directory with pytest for "
                        "the patched build: adds the clone of pytest's "
                        "template")
    parser.add_argument("--quick", action="store_true",
                        help="tiny counts: checks the harness, not the cost")
    return parser.parse_args(argv)


def has_realms(python):
    import subprocess
    code = "import importlib.util; print(importlib.util.find_spec('realm'))"
    out = subprocess.run([str(python), "-c", code], text=True,
                         stdout=subprocess.PIPE, check=True).stdout
    return out.strip() != "None"


# The in-realm benchmarks that --quick runs.
QUICK_BODIES = ("nqueens", "float")


def has_pyperformance():
    import importlib.util
    return importlib.util.find_spec("pyperformance") is not None


def main(argv=None):
    args = parse_args(argv)
    builds = {"stock": args.stock, "patched": args.patched}
    for name, python in builds.items():
        if not python.exists():
            sys.exit(f"bench: {python} does not exist (make {name})")
    if not (args.pyperf_lib / "pyperf").is_dir():
        sys.exit(f"bench: no pyperf in {args.pyperf_lib} (make bench "
                 "installs it there)")
    paths = {name: [cext.build(python, args.out / "ext" / name)]
             for name, python in builds.items()}
    realm = not args.no_realm and has_realms(args.patched)
    counts = dict(n1=10, n2=110) if args.quick else None
    timing = dict(pyperf_path=[args.pyperf_lib],
                  pyperf_args=["--debug-single-value"] if args.quick
                  else ["--fast"])
    workloads = [w for w in WORKLOADS
                 if not args.only or args.only.lower() in w.name.lower()]
    runs = [("stock", "stock", False), ("patched", "patched", False)]
    if realm:
        runs.append(("realm", "patched", True))
    results = {}
    for index, workload in enumerate(workloads, 1):
        print(f"[{index}/{len(workloads)}] {workload.name}", flush=True)
        results[workload.name] = {}
        for label, build, in_realm in runs:   # interleaved, per operation
            python = builds[build]
            ns, ns_stdev = measure.ns_per_op(
                python, workload, in_realm, paths[build], **timing)
            results[workload.name][label] = {
                "ir": measure.instructions_per_op(
                    python, workload, in_realm, paths[build],
                    **(counts or dict(n1=1000, n2=1000 + workload.ops))),
                "ns": ns, "ns_stdev": ns_stdev,
            }
    rows = report.rows(results)
    meta = {"date": time.strftime("%Y-%m-%d %H:%M"),
            "machine": platform.machine(), "processor": platform.processor(),
            "stock": str(args.stock), "patched": str(args.patched),
            "realm rows": "in a realm.Realm()" if realm else "not measured"}
    ir = report.table(rows, "ir", "Instructions per operation (callgrind)")
    ns = report.table(rows, "ns", "Time per operation, ns (pyperf mean)")
    print(f"\n{ir}\n\n{ns}")
    md = (f"## Lookup cost, {meta['date']}\n\n"
          + report.markdown(rows, "ir", "Instructions per operation") + "\n"
          + report.markdown(rows, "ns", "Nanoseconds per operation"))
    print("\n[start-up] python -c pass", flush=True)
    startup_rows = startup.measure(
        builds, sys.executable,
        ["--debug-single-value"] if args.quick else ["--fast"])
    title = "Start-up, stock against patched"
    print(f"\n{startup.table(startup_rows, title)}")
    md += "\n" + startup.markdown(startup_rows, title)
    world_rows, phase_rows, clone_rows, gc_rows = [], [], [], []
    if realm:
        print("\n[realms] realms against subinterpreters", flush=True)
        world_rows, phase_rows, clone_rows, gc_rows = worlds.measure(
            args.patched, n=3 if args.quick else 20,
            ext_path=paths["patched"][0], ir_n=1 if args.quick else 5,
            site=args.pytest_site)
        title = "Realm against subinterpreter (patched build)"
        print(f"\n{worlds.table(world_rows, title)}")
        md += "\n" + worlds.markdown(world_rows, title)
        title, header, lines = worlds.phases_table(
            phase_rows, "Where a realm's making goes (callgrind)")
        print("\n" + report.text_table(title, header, lines))
        md += "\n" + report.markdown_table(title, header, lines)
        if clone_rows:
            title = "Realm.clone() (callgrind, close not counted)"
            print(f"\n{worlds.clone_table(clone_rows, title)}")
            md += "\n" + worlds.clone_markdown(clone_rows, title)
        if gc_rows:
            title = ("A full gc.collect() in the host (M instructions, "
                     "callgrind)")
            print(f"\n{worlds.gc_table(gc_rows, title)}")
            md += "\n" + worlds.gc_markdown(gc_rows, title)
    in_realm_rows = []
    if realm and has_pyperformance():
        print("\n[in a realm] pyperformance bodies, host against realm",
              flush=True)
        in_realm_rows = inrealm.measure(
            args.patched, [paths["patched"][0], args.pyperf_lib],
            names=QUICK_BODIES if args.quick else None)
        title = ("pyperformance bodies in the host and in a realm "
                 "(instructions per run, callgrind)")
        print(f"\n{inrealm.table(in_realm_rows, title)}")
        md += "\n" + inrealm.markdown(in_realm_rows, title)
    elif realm:
        print("bench: no pyperformance here, no in-realm benchmarks")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "lookups.json").write_text(
        report.to_json(rows, meta, startup=startup_rows, worlds=world_rows,
                       phases=phase_rows, clone=clone_rows, gc=gc_rows,
                       in_realm=in_realm_rows))
    (args.out / "lookups.md").write_text(md)
    written = [args.out / "lookups.json", args.out / "lookups.md"]
    if report.chart(rows, args.out / "lookups.png"):
        written.append(args.out / "lookups.png")
    else:
        print("bench: no matplotlib here, no chart")
    print("\nwritten: " + ", ".join(map(str, written)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
