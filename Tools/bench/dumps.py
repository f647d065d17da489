"""Instruction counts of several steps of one process under callgrind:
the child calls _lookupbench.callgrind_dump(description) after each step,
and callgrind writes the counts since the previous dump to a file of its
own."""

import re
import subprocess
import tempfile
from pathlib import Path

from .measure import ENV, MeasureError


def _read(path):
    text = path.read_text(errors="replace")
    desc = re.search(r"^desc: Trigger: Client Request: (.*)$", text,
                     re.MULTILINE)
    total = re.search(r"^(?:summary|totals): (\d+)", text, re.MULTILINE)
    if not desc or not total:
        return None
    return desc.group(1), int(total.group(1))


def run(cmd, env=ENV):
    """Run cmd (a Python command line) under callgrind; return
    {description: instructions} of the steps it dumped, in their order."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cg.out"
        proc = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
             "--dump-line=no", "--dump-instr=no", *map(str, cmd)],
            env=env, text=True, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE)
        if proc.returncode != 0:
            raise MeasureError(f"{' '.join(map(str, cmd[:3]))}... failed "
                               f"under callgrind:\n{proc.stderr[-2000:]}")
        steps = {}
        # cg.out.1, cg.out.2...: the dumps in order; cg.out: the rest.
        for path in sorted(Path(tmp).glob("cg.out.*"),
                           key=lambda p: int(p.suffix[1:])):
            step = _read(path)
            if step is not None:
                steps[step[0]] = step[1]
    if not steps:
        raise MeasureError("the child dumped no counts: was _lookupbench "
                           "built with valgrind/callgrind.h?")
    return steps
