"""Check that the series is bisectable: apply the patches one at a time
to a scratch tree, and build and run each patch's own tests after each."""

import shutil

from . import builds, regrtest, series, srctree, upstream
from .paths import PatchqError


def check(work, tarball, patches_dir, configure_args, build_root, jobs,
          log=print):
    names = series.read(patches_dir / "series")
    if not names:
        raise PatchqError("the series is empty")
    # The scratch tree and build belong to this tool alone, so they are
    # always remade: a build left by a run over a longer series depends on
    # files the first patches do not have (ccache keeps the rebuild cheap).
    shutil.rmtree(work / "src", ignore_errors=True)
    shutil.rmtree(work / "patched", ignore_errors=True)
    empty = work / "no-patches"
    empty.mkdir(parents=True, exist_ok=True)
    srctree.create(work / "src", tarball, upstream.TOPDIR, empty)
    builddir = work / "patched"
    python = builddir / "python"
    failures = []
    for index, name in enumerate(names, 1):
        log(f"\n=== series-check [{index}/{len(names)}] {name}")
        srctree.am(work / "src", patches_dir / name)
        builds.configure(work / "src", builddir, configure_args, build_root,
                         log)
        builds.make(builddir, build_root, jobs,
                    info=builds.series_build_info(work / "src"))
        tests = regrtest.series_tests(patches_dir, only=name)
        if not tests:
            failures.append(f"{name}: carries no test under Lib/test/")
            continue
        status, _, _ = regrtest.run(
            python, ["-j", str(jobs), "--rerun", *tests],
            work / "logs" / (name + ".log"))
        if status != 0:
            failures.append(f"{name}: its tests fail ({' '.join(tests)})")
    return failures
