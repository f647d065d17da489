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
    results, running = {}, []
    for cpu, kind in enumerate(("stock", "patched")):
        python = ROOT / "build" / kind / "python"
        if not python.exists():
            sys.exit(f"suite: {python} does not exist (make {kind})")
        results[kind] = args.out / f"pyperformance-{kind}.json"
        results[kind].unlink(missing_ok=True)
        cmd = [str(tools / "bin" / "pyperformance"), "run",
               "--python", str(python), "-o", str(results[kind])]
        if not args.full:
            cmd.append("--fast")
        if args.benchmarks:
            cmd += ["-b", args.benchmarks]
        if args.parallel:
            cmd += ["--affinity", str(cpu)]
        print(f"suite: pyperformance on {kind}: {' '.join(cmd[1:])}",
              flush=True)
        running.append(subprocess.Popen(cmd, cwd=workdir))
        if not args.parallel:
            running[-1].wait()
    for proc in running:
        if proc.wait() != 0:
            sys.exit(f"suite: {' '.join(proc.args[:2])}... exited with "
                     f"{proc.returncode}")
    compare = subprocess.run(
        [str(tools / "bin" / "python"), "-m", "pyperf", "compare_to",
         str(results["stock"]), str(results["patched"]), "-G", "--table"],
        check=True, text=True, stdout=subprocess.PIPE).stdout
    print(compare)
    (args.out / "pyperformance.txt").write_text(compare)
    print(f"written: {args.out / 'pyperformance.txt'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
