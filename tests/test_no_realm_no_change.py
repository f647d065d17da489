"""A program that never makes a realm behaves as on stock CPython (SPEC
4.3): tests/probes/no_realm.py prints what such a program can observe of
builtins, exec/eval/PyRun_String(), PyEval_GetBuiltins(),
PyImport_GetModuleDict(), deep copies and pickles; the stock and the
patched interpreter must print the same."""

import subprocess

from conftest import ROOT
from test_built_python import interpreter

PROBE = ROOT / "tests" / "probes" / "no_realm.py"


def observe(kind, *env):
    result = subprocess.run(
        ["env", *env, str(interpreter(kind)), "-X", "faulthandler",
         str(PROBE)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        timeout=120)
    assert result.returncode == 0, result.stdout
    return result.stdout.splitlines()


def test_the_probe_observes_something():
    lines = observe("stock")
    assert len(lines) > 30
    assert "PyRun_String under len=None builtins: 3" in lines
    assert ("pickle of a module: TypeError: cannot pickle 'module' object"
            in lines)


def test_patched_observes_what_stock_does():
    assert observe("patched") == observe("stock")


def test_patched_through_the_slow_path_observes_what_stock_does():
    assert (observe("patched", "PYTHON_REALM_SLOWPATH=1")
            == observe("stock"))
