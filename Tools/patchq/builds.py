"""Out-of-tree CPython builds: build/patched from build/src, build/stock
from the pristine tarball, with the same configure options."""

import json
import os
import shutil
import subprocess

from . import srctree, upstream
from .paths import PatchqError

STAMP = "patchq-configure.json"   # the options a build dir was configured with


def load_options(config):
    if config.exists():
        return json.loads(config.read_text())
    return {"configure_args": [], "tarball": None}


def save_options(config, options):
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(json.dumps(options, indent=2) + "\n")


CCACHE_LINKS = "/usr/lib/ccache"   # Debian's ccache masquerade directory


def compiler_env(build_root):
    """The environment for configure and make: ccache, when installed,
    through its masquerade directory (so CC stays plain gcc), with a cache
    that build dirs under build_root share."""
    env = dict(os.environ)
    if os.path.isdir(CCACHE_LINKS) and shutil.which("ccache"):
        env["PATH"] = CCACHE_LINKS + os.pathsep + env.get("PATH", "")
        env.setdefault("CCACHE_BASEDIR", str(build_root))
        env.setdefault("CCACHE_NOHASHDIR", "1")
    return env


def configure(srcdir, builddir, args, build_root, log=print):
    """Run CPython's configure in builddir unless it already ran there
    with the same options."""
    stamp = builddir / STAMP
    wanted = {"srcdir": str(srcdir), "args": list(args)}
    if (builddir / "Makefile").exists() and stamp.exists() \
            and json.loads(stamp.read_text()) == wanted:
        return
    builddir.mkdir(parents=True, exist_ok=True)
    log(f"patchq: configuring {builddir.name}: "
        f"{srcdir.name}/configure {' '.join(args)}")
    proc = subprocess.run([str(srcdir / "configure"), "-q", *args],
                          cwd=builddir, env=compiler_env(build_root))
    if proc.returncode != 0:
        raise PatchqError(f"CPython's configure failed in {builddir} "
                          f"(see {builddir / 'config.log'})")
    stamp.write_text(json.dumps(wanted) + "\n")


SERIES_TAG = f"{upstream.VERSION}+realm"   # what sys.version calls the series
BUILD_INFO_STAMP = "patchq-buildinfo.json"


def series_build_info(srcdir):
    """The make variables that name a build of the series in sys.version
    and `python -VV` (Py_GetBuildInfo()): "3.13.5+realm" and the commit of
    build/src that was built, instead of what git says of the work tree
    ("heads/main-dirty")."""
    commit = subprocess.run(["git", "-C", str(srcdir), "rev-parse",
                             "--short=9", "HEAD"], text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    revision = commit.stdout.strip() if commit.returncode == 0 else ""
    # Each is a shell command the Makefile runs when compiling
    # Modules/getbuildinfo.c.
    return {"GITTAG": f"echo {SERIES_TAG}", "GITBRANCH": f"echo {SERIES_TAG}",
            "GITVERSION": f"echo {revision}"}


def _refresh_build_info(builddir, info):
    # make rebuilds getbuildinfo.o when an object file changed, not when
    # the variables did: remove it when they differ from the last build's.
    stamp = builddir / BUILD_INFO_STAMP
    if stamp.exists() and json.loads(stamp.read_text()) == info:
        return
    (builddir / "Modules" / "getbuildinfo.o").unlink(missing_ok=True)
    stamp.write_text(json.dumps(info) + "\n")


def make(builddir, build_root, jobs, target=None, info=None):
    """make in builddir; info: make variables naming the build (see
    series_build_info())."""
    cmd = ["make", "-C", str(builddir), f"-j{jobs}", "-s"]
    if info:
        _refresh_build_info(builddir, info)
        cmd += [f"{name}={value}" for name, value in sorted(info.items())]
    if target:
        cmd.append(target)
    proc = subprocess.run(cmd, env=compiler_env(build_root))
    if proc.returncode != 0:
        raise PatchqError(f"make {target or ''} failed in {builddir}")


def prepare_pristine(pristine, tarball):
    if not (pristine / "configure").exists():
        shutil.rmtree(pristine, ignore_errors=True)
        srctree.unpack(tarball, pristine, upstream.TOPDIR)
