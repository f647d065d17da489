"""Command line of patchq; the Makefile and ./configure call it."""

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

from . import builds, export, inrealm, regrtest, series, seriescheck
from . import srctree, tsan, upstream
from .paths import (BUILD, CONFIG, DOWNLOADS, PATCHES, PRISTINE, SRC,
                    PatchqError)

BUILD_DIRS = {"patched": BUILD / "patched", "stock": BUILD / "stock",
              "debug": BUILD / "debug", "asan": BUILD / "asan",
              "freethreading": BUILD / "freethreading",
              "tsan": BUILD / "tsan",
              "stock-debug": BUILD / "stock-debug"}
# Configure options a kind of build adds to the ones ./configure was given.
# The sanitizer build is the one CPython's CI runs: ASan with pymalloc off,
# so that every allocation is checked, and UBSan.  ThreadSanitizer runs on
# the free-threaded build, where the series must be free of data races.
EXTRA_ARGS = {"debug": ["--with-pydebug"],
              "stock-debug": ["--with-pydebug"],
              "asan": ["--with-address-sanitizer",
                       "--with-undefined-behavior-sanitizer",
                       "--without-pymalloc"],
              "freethreading": ["--disable-gil"],
              "tsan": ["--disable-gil", "--with-thread-sanitizer"]}
# Every kind but the stock ones builds the series.
PATCHED_KINDS = set(BUILD_DIRS) - {"stock", "stock-debug"}


def python_of(kind):
    return BUILD_DIRS[kind] / "python"


def cmd_configure(args):
    options = builds.load_options(CONFIG)
    tarball = upstream.obtain(DOWNLOADS, args.upstream_tarball)
    print(f"patchq: {tarball.name}: SHA-256 verified")
    srctree.sync(SRC, tarball, upstream.TOPDIR, PATCHES)
    options["configure_args"] = args.cpython_args
    builds.save_options(CONFIG, options)
    builds.configure(SRC, BUILD_DIRS["patched"], args.cpython_args, BUILD)
    print("patchq: configured build/patched; run 'make' to build it")


def ensure_sources(kind):
    """Verify the tarball and bring the sources of a build up to date."""
    tarball = upstream.obtain(DOWNLOADS)
    if kind in PATCHED_KINDS:
        srctree.sync(SRC, tarball, upstream.TOPDIR, PATCHES)
        return SRC
    builds.prepare_pristine(PRISTINE, tarball)
    return PRISTINE


def cmd_build(args):
    options = builds.load_options(CONFIG)
    for kind in args.kinds:
        srcdir = ensure_sources(kind)
        builddir = BUILD_DIRS[kind]
        builds.configure(srcdir, builddir, options["configure_args"]
                         + EXTRA_ARGS.get(kind, []), BUILD)
        print(f"patchq: building {builddir.relative_to(BUILD.parent)} "
              f"(make -j{args.jobs})", flush=True)
        start = time.monotonic()
        info = (builds.series_build_info(srcdir) if kind in PATCHED_KINDS
                else None)
        builds.make(builddir, BUILD, args.jobs, info=info)
        print(f"patchq: built {python_of(kind)} in "
              f"{time.monotonic() - start:.0f} s")


def cmd_export(args):
    names = export.export(SRC, PATCHES)
    print(f"patchq: patches/ holds {len(names)} patch(es); "
          f"review 'git diff patches/' and commit it")


def cmd_status(args):
    problems = series.check(PATCHES)
    found = srctree.unexported_work(SRC, PATCHES)
    for line in problems:
        print(f"series: {line}")
    for line in found:
        print(f"build/src: {line}")
    if not problems and not found:
        print("patchq: patches/ is consistent and holds all of build/src")
    return 1 if problems or found else 0


def cmd_tests(args):
    print(" ".join(regrtest.series_tests(PATCHES, modules=not args.new)))


def guarded(run):
    """Run a command that runs tests from build/src, and fail it if the
    tests changed build/src's work tree: a test that writes into the
    sources (test_pdb did, once: Lib/bdb.py) must not slip into a commit
    of the series."""
    def command(args):
        before = srctree.snapshot(SRC) if SRC.is_dir() else None
        status = run(args)
        changed = before and srctree.changes_since(SRC, before)
        if changed:
            print("patchq: the tests changed build/src (restore what is not "
                  "yours with git -C build/src checkout -- FILE):\n  "
                  + "\n  ".join(changed), file=sys.stderr)
            return status or 1
        return status
    command.__doc__ = run.__doc__
    command.__name__ = run.__name__
    return command


@guarded
def cmd_regrtest(args):
    python = python_of(args.kind)
    tests = args.tests or regrtest.series_tests(PATCHES)
    options = list(args.regrtest_options)
    if args.refleaks:
        options += ["-R", "3:3"]
    log = BUILD / "regrtest" / f"{args.kind}-series.log"
    status, output, elapsed = regrtest.run(
        python, ["-j", str(args.jobs), "--rerun", *options, *tests], log)
    print(f"patchq: regrtest on {args.kind}: exit {status}, "
          f"{elapsed:.0f} s")
    if args.classify_tsan:
        return report_tsan(output, log) or status
    return status


def report_tsan(output, log):
    """List the ThreadSanitizer reports in output; 1 if any is the
    series' (SPEC 7 allows none), else 0."""
    series_reports, upstream_reports = tsan.classify(output)
    print(f"patchq: ThreadSanitizer: {len(series_reports)} report(s) in "
          f"the series' code, {len(upstream_reports)} in upstream code "
          f"(the reports: {log})")
    for title, found in (("the series' code", series_reports),
                         ("upstream code (once understood, each goes "
                          "to Tools/sanitizers/tsan.supp with the reason)",
                          upstream_reports)):
        if found:
            print(f"  in {title}:\n" + "\n".join(tsan.tally(found)))
    return 1 if series_reports else 0


# Set at start-up, the patched interpreter answers every realm lookup
# through the slow path (SPEC 4.3); regrtest's workers inherit it.
SLOWPATH_VAR = "PYTHON_REALM_SLOWPATH"


def parity_runs(slowpath=False):
    """What parity compares: the report's file name, then the label (which
    names the log), build kind and environment of each full regrtest,
    stock's first.  Only a slow-path run has SLOWPATH_VAR, whatever the
    caller's environment says."""
    suffix = "-slowpath" if slowpath else ""
    env = {name: value for name, value in os.environ.items()
           if name != SLOWPATH_VAR}
    patched_env = {**env, SLOWPATH_VAR: "1"} if slowpath else env
    return f"parity{suffix}.txt", [("stock", "stock", env),
                                   ("patched" + suffix, "patched",
                                    patched_env)]


@guarded
def cmd_parity(args):
    """Full regrtest on stock and patched (with --slowpath, patched through
    the slow path); list what passes only on stock."""
    logs = BUILD / "regrtest"
    selection = list(args.tests)
    report_name, runs = parity_runs(args.slowpath)
    results = {}
    for label, kind, env in runs:
        status, output, elapsed = regrtest.run(
            python_of(kind), ["-j", str(args.jobs), "--rerun", *selection],
            logs / f"{label}-full.log", echo=not args.quiet, env=env)
        results[label] = (regrtest.parse_summary(output), output, elapsed)
    (stock, _, _), (patched, _, _) = runs
    all_tests = regrtest.list_tests(python_of("stock"), selection)
    lost = regrtest.regressions(all_tests, results[stock][0],
                                results[patched][0])
    report = [f"# regrtest parity, {time.strftime('%Y-%m-%d %H:%M')}",
              f"test files selected: {len(all_tests)}"]
    if args.slowpath:
        report.append(f"{patched}: patched with {SLOWPATH_VAR}=1")
    for label, (sections, output, elapsed) in results.items():
        failed = sections.get("failed", [])
        report += [f"\n## {label} ({elapsed / 60:.1f} min)",
                   regrtest.totals(output),
                   f"failed: {' '.join(failed) or 'none'}"]
    report += [f"\n## pass on {stock}, not on {patched}",
               " ".join(lost) if lost else "none"]
    text = "\n".join(report) + "\n"
    (logs / report_name).write_text(text)
    print("\n" + text + f"(written to {logs / report_name})")
    return 1 if lost else 0


@guarded
def cmd_in_realm(args):
    """Every regrtest file in the host, a fresh realm and a clone, compared."""
    python = python_of("patched")
    names = regrtest.list_tests(python)
    if args.tests:
        try:
            names = inrealm.select(names, args.tests)
        except ValueError as err:
            raise PatchqError(err) from None
    return inrealm.main(python, names, args.jobs,
                        BUILD / "regrtest" / "in-realm.txt")


def cmd_series_check(args):
    options = builds.load_options(CONFIG)
    tarball = upstream.obtain(DOWNLOADS)
    problems = series.check(PATCHES)
    if problems:
        raise PatchqError("patches/ is inconsistent:\n  "
                          + "\n  ".join(problems))
    failures = seriescheck.check(BUILD / "series-check", tarball, PATCHES,
                                 options["configure_args"], BUILD, args.jobs)
    if failures:
        print("\nseries-check FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("\nseries-check: every patch builds and passes its tests")
    return 0


def cmd_clean(args):
    for builddir in BUILD.glob("*/"):
        if (builddir / "Makefile").exists() and (builddir / "pybuilddir.txt"
                                                  ).exists():
            builds.make(builddir, BUILD, 1, "clean")


def cmd_distclean(args):
    """Remove build/ but the downloaded tarball, unless build/src holds
    unexported work."""
    if SRC.exists():
        srctree.refuse_if_unexported(SRC, PATCHES, "remove build/")
    for child in BUILD.iterdir() if BUILD.exists() else ():
        if child == DOWNLOADS:
            continue
        if child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()
    print("patchq: removed build/ (kept the cached tarball)")


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="patchq",
        description="Keep the patch series over pristine CPython "
                    f"{upstream.VERSION}.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("configure", help="obtain and verify the tarball, "
                       "set up build/src, configure build/patched")
    p.add_argument("--upstream-tarball", type=Path, metavar="PATH",
                   help=f"use this {upstream.TARBALL} (or Python-"
                   f"{upstream.VERSION}.tar.xz) instead of fetching it")
    p.set_defaults(func=cmd_configure)

    jobs = argparse.ArgumentParser(add_help=False)
    jobs.add_argument("-j", "--jobs", type=int, default=os.cpu_count())

    p = sub.add_parser("build", parents=[jobs], help="build interpreters")
    p.add_argument("kinds", nargs="+", choices=sorted(BUILD_DIRS))
    p.set_defaults(func=cmd_build)

    sub.add_parser("export", help="write patches/ from build/src"
                   ).set_defaults(func=cmd_export)
    sub.add_parser("status", help="is patches/ consistent and complete?"
                   ).set_defaults(func=cmd_status)
    p = sub.add_parser("tests", help="print the regrtest names for the series")
    p.add_argument("--new", action="store_true",
                   help="only the test files the patches add or change")
    p.set_defaults(func=cmd_tests)

    p = sub.add_parser("regrtest", parents=[jobs],
                       help="run regrtest (default: the series' tests); "
                       "other options go to regrtest, e.g. -R 3:3")
    p.add_argument("kind", choices=sorted(BUILD_DIRS))
    p.add_argument("tests", nargs="*")
    p.add_argument("--refleaks", action="store_true",
                   help="hunt reference leaks (-R 3:3; needs a --with-pydebug "
                   "build: debug or stock-debug)")
    p.add_argument("--classify-tsan", action="store_true",
                   help="list the ThreadSanitizer reports in the output; "
                   "fail on any in the series' code (for the tsan build)")
    p.set_defaults(func=cmd_regrtest)

    p = sub.add_parser("parity", parents=[jobs],
                       help="full regrtest on stock and patched, compared")
    p.add_argument("-q", "--quiet", action="store_true")
    p.add_argument("--slowpath", action="store_true",
                   help=f"run patched with {SLOWPATH_VAR}=1: every realm "
                   "lookup through the slow path")
    p.add_argument("tests", nargs="*", help="restrict to these tests")
    p.set_defaults(func=cmd_parity)

    p = sub.add_parser("in-realm", parents=[jobs],
                       help="run regrtest files in the host, a realm and "
                            "a clone each, compare the counts")
    p.add_argument("tests", nargs="*", help="restrict to these tests")
    p.set_defaults(func=cmd_in_realm)

    sub.add_parser("series-check", parents=[jobs],
                   help="apply, build and test the patches one by one"
                   ).set_defaults(func=cmd_series_check)
    sub.add_parser("clean").set_defaults(func=cmd_clean)
    sub.add_parser("distclean").set_defaults(func=cmd_distclean)

    args, extra = parser.parse_known_args(argv)
    if args.command == "configure":
        # Whatever patchq does not know belongs to CPython's configure.
        args.cpython_args = extra
    elif args.command == "regrtest":
        args.regrtest_options = extra
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return args.func(args) or 0
    except PatchqError as err:
        print(f"patchq: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
