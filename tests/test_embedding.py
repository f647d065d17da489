"""examples/embedding: a C host serving two applications, each in a realm
of its own, from several C threads (make example-embedding builds the
patched build's install, compiles the host against it and runs it)."""

import collections
import re
import subprocess

from conftest import ROOT
from test_built_python import interpreter

THREADS, REQUESTS = 4, 25
OUT = ROOT / "build" / "embedding" / "out"
LINE = re.compile(r"^(?P<app>\w+) (?P<request>t\d+-r\d+) app=(?P<name>\w+) "
                  r"count=(?P<count>\d+) helper=(?P<helper>\S+) "
                  r"path0=(?P<path0>\S+) helpers_loaded=(?P<loaded>\S*) "
                  r"json=(?P<json>.*)$")
EXPECTED_JSON = {"alpha": "<alpha [1]>", "beta": "[1]"}


def run_host():
    interpreter("patched")
    return subprocess.run(
        ["make", "--no-print-directory", "example-embedding",
         f"EMBED_ARGS={THREADS} {REQUESTS}"],
        cwd=ROOT, capture_output=True, text=True)


def test_each_application_sees_only_its_own_world():
    proc = run_host()
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    answers = [LINE.match(line) for line in proc.stdout.splitlines()
               if line.startswith(("alpha ", "beta "))]
    assert all(answers), proc.stdout[-3000:]
    assert len(answers) == THREADS * REQUESTS
    by_app = collections.defaultdict(list)
    for answer in answers:
        by_app[answer["app"]].append(answer)
    assert sorted(by_app) == ["alpha", "beta"]
    for app, served in by_app.items():
        # Its own "app" module (both are named so), helper, sys.path and
        # json (alpha's helper patches json.dumps, in alpha only).
        assert {a["name"] for a in served} == {app}
        assert {a["helper"] for a in served} == {f"{app}-helper"}
        assert {a["path0"] for a in served} == {app}
        assert {a["loaded"] for a in served} == {f"{app}_helper"}
        assert {a["json"] for a in served} == {EXPECTED_JSON[app]}
        # One module state per application, shared by all the threads.
        counts = sorted(int(a["count"]) for a in served)
        assert counts == list(range(1, len(served) + 1))
        threads = {a["request"].split("-")[0] for a in served}
        assert len(threads) == THREADS
        # Its print() went to its own sys.stdout, and only its own.
        out = (OUT / f"{app}.out").read_text().splitlines()
        assert sorted(out) == sorted(f"{app} served {a['request']} "
                                     f"({a['count']})" for a in served)


def test_the_host_refuses_bad_arguments():
    proc = run_host()
    assert proc.returncode == 0, proc.stderr[-3000:]
    host = ROOT / "build" / "embedding" / "host"
    bad = subprocess.run([str(host), "x", "y", "z", "0", "1"],
                         capture_output=True, text=True)
    assert bad.returncode == 2
    assert "THREADS must be 1-64" in bad.stderr
    missing = subprocess.run([str(host)], capture_output=True, text=True)
    assert missing.returncode == 2 and "usage:" in missing.stderr
