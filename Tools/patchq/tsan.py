"""Read ThreadSanitizer reports out of a regrtest log and tell those that
involve the series' own code (SPEC 7: there must be none) from upstream's.

A report, as TSan prints it to stderr (regrtest prints a worker's output
after its test):

    ==================
    WARNING: ThreadSanitizer: data race (pid=1234)
      Write of size 8 at 0x7b0800000020 by thread T1:
        #0 _PyRealm_Lookup /src/Python/realm.c:80:5 (python+0x2a1b3c)
        ...
    SUMMARY: ThreadSanitizer: data race /src/Python/realm.c:80:5 in ...
    ==================
"""

import re
from collections import Counter
from dataclasses import dataclass, field

START = "WARNING: ThreadSanitizer: "
END = "SUMMARY: ThreadSanitizer: "
RULE = re.compile(r"^={10,}$")     # before and after every report
# "    #3 func /path/file.c:12:5 (binary+0x1234)"; a frame without symbols
# reads "#3 <null> <null> (binary+0x1234)".
FRAME = re.compile(r"^\s*#\d+\s+(\S+)(?:\s+(.*?))?\s*$")
# gcc's clones: realm_exec.cold, _PyRealm_Lookup.part.0, ...
CLONE = re.compile(r"\..*$")

# The series' own C code: its functions by name, then its files.
SERIES_PREFIXES = ("_PyRealm_", "realm_")
SERIES_FUNCTIONS = {"PyThreadState_GetBuiltins", "PyThreadState_SetBuiltins"}
SERIES_FILES = ("Python/realm.c", "Include/internal/pycore_realm.h")


@dataclass
class Report:
    kind: str                                   # "data race", ...
    frames: list = field(default_factory=list)  # (function, file:line:col)
    lines: list = field(default_factory=list)

    def top_frame(self):
        if not self.frames:
            return "(no stack)"
        function, location = self.frames[0]
        return f"{function} {location}".strip()

    def in_series(self):
        return any(is_series_frame(f, loc) for f, loc in self.frames)


def is_series_frame(function, location):
    function = CLONE.sub("", function)
    path = "/" + re.sub(r"(:\d+)+$", "", location)
    return (function.startswith(SERIES_PREFIXES)
            or function in SERIES_FUNCTIONS
            or path.endswith(tuple("/" + f for f in SERIES_FILES)))


def reports(text):
    """Every report in text, in order; one cut short (a killed worker)
    ends at the next rule of "=", the next report or the end of text."""
    found = []
    current = None
    for line in text.splitlines():
        if START in line:
            kind = line.split(START, 1)[1]
            current = Report(re.sub(r"\s*\(pid=\d+\)\s*$", "", kind))
            found.append(current)
        if current is None:
            continue
        current.lines.append(line)
        match = FRAME.match(line)
        if match:
            # The location without "(binary+0x...)" and what follows.
            location = (match.group(2) or "").partition("(")[0].strip()
            current.frames.append((match.group(1), location))
        if line.startswith(END) or RULE.match(line):
            current = None
    return found


def classify(text):
    """(series_reports, upstream_reports) of the reports in text."""
    series, upstream = [], []
    for report in reports(text):
        (series if report.in_series() else upstream).append(report)
    return series, upstream


def tally(found):
    """Lines "count  kind  top frame", most frequent first."""
    counts = Counter((r.kind, r.top_frame()) for r in found)
    return [f"{n:5}  {kind}  {top}" for (kind, top), n in
            sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
