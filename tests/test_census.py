"""python -m census (issue 20, step 1), run with the patched interpreter."""

import json
import os
import subprocess

import pytest

from conftest import ROOT

PYTHON = ROOT / "build" / "patched" / "python"


def census(*args):
    if not PYTHON.exists():
        pytest.skip("build/patched is not built (make)")
    proc = subprocess.run(
        [PYTHON, "-m", "census", "--json", *args], text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT / "Tools")})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_importing_a_module_adds_its_objects_to_the_realms():
    empty, with_json = census(), census("json")
    owned = with_json["owned_kinds"]
    assert with_json["owned"] > empty["owned"] + 500
    # json's five modules, its Python classes and their instances.
    assert (owned["module (Python code)"]
            >= empty["owned_kinds"]["module (Python code)"] + 4)
    assert owned["object of _json.Scanner"] >= 1
    assert owned["function"] > empty["owned_kinds"]["function"]


def test_immutable_and_host_objects_are_not_counted_as_the_realms():
    result = census("json")
    owned, shared = result["owned_kinds"], result["shared_kinds"]
    shared_kinds = ("immutable", "the host's", "static type")
    assert not any(kind.startswith(shared_kinds) for kind in owned)
    assert shared["immutable code"] > 100
    # The standard streams are the host's (SPEC 5): reached, not copied.
    assert shared["the host's _io.TextIOWrapper"] >= 1
    assert "_io.TextIOWrapper" not in owned


def test_a_module_that_does_not_import_is_reported():
    if not PYTHON.exists():
        pytest.skip("build/patched is not built (make)")
    proc = subprocess.run(
        [PYTHON, "-m", "census", "no_such_module_here"], text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT / "Tools")})
    assert proc.returncode == 1
    assert "importing no_such_module_here in the realm failed" in proc.stderr
    assert "ModuleNotFoundError" in proc.stderr
