"""Compile _lookupbench.c against one interpreter (a build directory's or
an installed one), from the one source, with that interpreter's flags."""

import json
import subprocess
from pathlib import Path

SOURCE = Path(__file__).with_name("_lookupbench.c")

_QUERY = """
import json, sysconfig
v = sysconfig.get_config_var
print(json.dumps({
    "cc": v("CC"), "cflags": v("CFLAGS"), "ccshared": v("CCSHARED"),
    "ldshared": v("LDSHARED"), "suffix": v("EXT_SUFFIX"),
    "includes": [sysconfig.get_paths()["include"], v("srcdir") + "/Include",
                 v("abs_builddir") or ""],
}))
"""


def build(python, outdir):
    """Return the directory holding _lookupbench built for python."""
    python = Path(python).resolve()
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    info = json.loads(subprocess.run([str(python), "-c", _QUERY],
                                     check=True, text=True,
                                     stdout=subprocess.PIPE).stdout)
    target = outdir / ("_lookupbench" + info["suffix"])
    if target.exists() and target.stat().st_mtime >= max(
            SOURCE.stat().st_mtime, python.stat().st_mtime):
        return outdir
    includes = [f"-I{d}" for d in info["includes"] if d and Path(d).is_dir()]
    obj = outdir / "_lookupbench.o"
    subprocess.run([*info["cc"].split(), *info["cflags"].split(),
                    *info["ccshared"].split(), *includes, "-c",
                    str(SOURCE), "-o", str(obj)], check=True)
    subprocess.run([*info["ldshared"].split(), str(obj), "-o", str(target)],
                   check=True)
    return outdir
