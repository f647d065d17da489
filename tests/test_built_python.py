"""The interpreters the Makefile builds, run for real."""

import subprocess

import pytest

from conftest import ROOT

BUILD = ROOT / "build"
OPTIONAL_MODULES = ["ssl", "ctypes", "sqlite3", "zlib", "bz2", "lzma",
                    "readline", "curses", "_uuid", "dbm.gnu", "dbm.ndbm",
                    "_decimal", "_tkinter"]


def interpreter(kind):
    python = BUILD / kind / "python"
    if not python.exists():
        pytest.skip(f"build/{kind} is not built (make {kind})")
    return python


@pytest.mark.parametrize("kind", ["patched", "stock"])
def test_every_optional_module_is_built(kind):
    python = interpreter("patched" if kind == "patched" else "stock")
    code = ("import importlib, sys\n"
            "missing = []\n"
            f"for name in {OPTIONAL_MODULES!r}:\n"
            "    try: importlib.import_module(name)\n"
            "    except ImportError: missing.append(name)\n"
            "print(' '.join(missing))\n"
            "print(sys.version_info[:3])")
    out = subprocess.run([python, "-c", code], stdout=subprocess.PIPE,
                         text=True, check=True).stdout.splitlines()
    assert out == ["", "(3, 13, 5)"], f"missing modules: {out[0]}"


def compile_against(kind, source, tmp_path):
    include = (BUILD / "src" if kind == "patched"
               else BUILD / "upstream") / "Include"
    path = tmp_path / "t.c"
    path.write_text(source)
    return subprocess.run(
        ["gcc", "-fsyntax-only", f"-I{include}", f"-I{BUILD / kind}",
         str(path)], stderr=subprocess.PIPE, text=True)


def test_restricted_macros_are_gone_but_audit_read_stays(tmp_path):
    interpreter("patched")
    header = '#include "Python.h"\n#include "structmember.h"\n'
    ok = compile_against("patched", header +
                         "int f = Py_AUDIT_READ | PY_AUDIT_READ;\n", tmp_path)
    assert ok.returncode == 0, ok.stderr
    for macro in ("RESTRICTED", "READ_RESTRICTED", "PY_WRITE_RESTRICTED",
                  "_Py_WRITE_RESTRICTED"):
        bad = compile_against("patched", header + f"int f = {macro};\n",
                              tmp_path)
        assert bad.returncode != 0 and macro in bad.stderr, macro


def test_version_names_the_series_and_never_dirty():
    from patchq import builds
    python = interpreter("patched")
    out = subprocess.run([str(python), "-VV"], capture_output=True,
                         text=True, check=True).stdout
    assert out.startswith(f"Python 3.13.5 ({builds.SERIES_TAG}:"), out
    assert "dirty" not in out
    git = subprocess.run([str(python), "-c", "import sys; print(sys._git)"],
                         capture_output=True, text=True, check=True).stdout
    assert builds.SERIES_TAG in git


def test_build_info_is_a_make_variable_per_name(tmp_path):
    from patchq import builds
    src = tmp_path / "src"
    src.mkdir()
    subprocess.run(["git", "init", "-q", str(src)], check=True)
    subprocess.run(["git", "-C", str(src), "-c", "user.name=t", "-c",
                    "user.email=t@t", "commit", "-q", "--allow-empty", "-m",
                    "x"], check=True)
    head = subprocess.run(["git", "-C", str(src), "rev-parse", "--short=9",
                           "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()
    info = builds.series_build_info(src)
    assert info == {"GITTAG": "echo 3.13.5+realm",
                    "GITBRANCH": "echo 3.13.5+realm",
                    "GITVERSION": f"echo {head}"}
    # A stale getbuildinfo.o goes when the information changes.
    (tmp_path / "Modules").mkdir()
    obj = tmp_path / "Modules" / "getbuildinfo.o"
    obj.write_text("old")
    builds._refresh_build_info(tmp_path, info)
    assert not obj.exists()
    obj.write_text("new")
    builds._refresh_build_info(tmp_path, info)
    assert obj.exists()
