"""python3 -m bench.suite: pyperformance on stock and on patched, then
`pyperf compare_to` with the geometric mean (the way faster-cpython's
bench_runner reports).  Runs against the build directories' interpreters;
pyperformance makes its benchmark venvs with their ensurepip and installs
the benchmarks' requirements with pip."""

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = Path(__file__).with_name("requirements.txt")
# Benchmarks that listen on a fixed port: two of them at once collide, so
# --parallel runs them afterwards, one interpreter at a time.
FIXED_PORT = ["asyncio_tcp", "asyncio_tcp_ssl"]


def tools_venv(path):
    """The venv `make` prepares for the harness: pyperformance (and pyperf),
    matplotlib; made here too when run by hand."""
    exe = path / "bin" / "pyperformance"
    if not exe.exists():
        print(f"suite: installing {REQUIREMENTS.name} in {path}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
        subprocess.run([str(path / "bin" / "python"), "-m", "pip", "install",
                        "-q", "-r", str(REQUIREMENTS)], check=True)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="bench.suite", description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true",
                        help="the whole suite at normal precision "
                             "(default: --fast)")
    parser.add_argument("-b", "--benchmarks", metavar="LIST",
                        help="a subset, as pyperformance's -b takes it")
    parser.add_argument("--parallel", action="store_true",
                        help="run stock and patched at once, each pinned to "
                             "a CPU of its own (--affinity): half the time "
                             "on 2 cores, at the price of some noise")
    parser.add_argument("--out", type=Path, default=ROOT / "build/bench")
    args = parser.parse_args(argv)

    tools = tools_venv(args.out / "tools")
    workdir = args.out / "pyperformance"   # pyperformance puts venv/ here
    workdir.mkdir(parents=True, exist_ok=True)
    pyperformance = str(tools / "bin" / "pyperformance")
    results = {}
    for kind in ("stock", "patched"):
        python = ROOT / "build" / kind / "python"
        if not python.exists():
            sys.exit(f"suite: {python} does not exist (make {kind})")
        results[kind] = args.out / f"pyperformance-{kind}.json"
        results[kind].unlink(missing_ok=True)

    def command(kind, benchmarks, cpu=None):
        cmd = [pyperformance, "run", "--python",
               str(ROOT / "build" / kind / "python"),
               "--append", str(results[kind])]
        if not args.full:
            cmd.append("--fast")
        if benchmarks:
            cmd += ["-b", benchmarks]
        if cpu is not None:
            cmd += ["--affinity", str(cpu)]
        print(f"suite: pyperformance on {kind}: {' '.join(cmd[1:])}",
              flush=True)
        return subprocess.Popen(cmd, cwd=workdir)

    failed = []
    if args.parallel:
        # Each pinned to a CPU of its own; the fixed-port ones afterwards.
        selection = args.benchmarks or ",".join(
            ["default"] + [f"-{name}" for name in FIXED_PORT])
        running = [command(kind, selection, cpu)
                   for cpu, kind in enumerate(results)]
        failed += [p for p in running if p.wait() != 0]
        if not args.benchmarks:
            failed += [p for p in (command(kind, ",".join(FIXED_PORT))
                                   for kind in results) if p.wait() != 0]
    else:
        failed += [p for p in (command(kind, args.benchmarks)
                               for kind in results) if p.wait() != 0]
    missing = [kind for kind, path in results.items() if not path.exists()]
    if missing:
        sys.exit(f"suite: no results for {', '.join(missing)}")
    compare = subprocess.run(
        [str(tools / "bin" / "python"), "-m", "pyperf", "compare_to",
         str(results["stock"]), str(results["patched"]), "-G", "--table"],
        check=True, text=True, stdout=subprocess.PIPE).stdout
    print(compare)
    (args.out / "pyperformance.txt").write_text(compare)
    print(f"written: {args.out / 'pyperformance.txt'}")
    if failed:
        # pyperformance goes on after a failing benchmark, and says so.
        print("suite: some benchmarks failed (see above); the table "
              "compares the others", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
