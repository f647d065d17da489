"""Ratios and tables of the lookup benchmark."""

import json


def ratio(a, b):
    return a / b if a is not None and b else None


def rows(results):
    """results: {workload: {"stock": {...}, "patched": {...},
    "realm": {...}}} each with "ir" and "ns"; adds the ratios."""
    out = []
    for name, r in results.items():
        row = {"operation": name}
        for unit in ("ir", "ns"):
            stock = r.get("stock", {}).get(unit)
            patched = r.get("patched", {}).get(unit)
            realm = r.get("realm", {}).get(unit)
            row[unit] = {"stock": stock, "patched": patched, "realm": realm,
                         "patched/stock": ratio(patched, stock),
                         "realm/patched": ratio(realm, patched)}
        row["ns_stdev"] = {label: r[label]["ns_stdev"] for label in r
                           if "ns_stdev" in r[label]}
        out.append(row)
    return out


def _fmt(value, digits):
    return "n/a" if value is None else f"{value:.{digits}f}"


COLUMNS = [("stock", 1), ("patched", 1), ("patched/stock", 3),
           ("realm", 1), ("realm/patched", 3)]


def text_table(title, header, lines):
    """A plain-text table: the first column left-aligned, the others right."""
    widths = [max(len(x) for x in col) for col in zip(header, *lines)]
    fmt = "  ".join(["{:<%d}" % widths[0]]
                    + ["{:>%d}" % w for w in widths[1:]])
    return "\n".join([title, fmt.format(*header)]
                     + [fmt.format(*line) for line in lines])


def markdown_table(title, header, lines):
    out = [f"### {title}", "", "| " + " | ".join(header) + " |",
           "|" + "---|" * len(header)]
    out += ["| " + " | ".join(line) + " |" for line in lines]
    return "\n".join(out) + "\n"


def _lines(rows_, unit):
    return [[r["operation"]] + [_fmt(r[unit][c], d) for c, d in COLUMNS]
            for r in rows_]


HEADER = ["operation"] + [c for c, _ in COLUMNS]


def table(rows_, unit, title):
    return text_table(title, HEADER, _lines(rows_, unit))


def markdown(rows_, unit, title):
    return markdown_table(title, HEADER, _lines(rows_, unit))


def chart(rows_, path):
    """A PNG of the instruction ratios, or False without matplotlib."""
    try:
        import matplotlib
    except ImportError:
        return False
    matplotlib.use("Agg")
    from matplotlib import pyplot

    names = [r["operation"] for r in rows_]
    series = [("patched/stock", "patched / stock"),
              ("realm/patched", "realm / patched (default builtins)")]
    fig, ax = pyplot.subplots(figsize=(9, 0.5 * len(names) + 1.5))
    height = 0.38
    for i, (key, label) in enumerate(series):
        values = [r["ir"][key] or 0 for r in rows_]
        ax.barh([y + i * height for y in range(len(names))], values,
                height=height, label=label)
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.axvline(1.02, color="grey", linestyle="--", linewidth=0.8,
               label="1.02")
    ax.set_yticks([y + height / 2 for y in range(len(names))], names)
    ax.invert_yaxis()
    ax.set_xlabel("instructions per operation, ratio (callgrind)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    pyplot.close(fig)
    return True


def to_json(rows_, meta, **sections):
    """The results as JSON: meta, rows, and each further section (startup,
    worlds, phases, in_realm...) as a list."""
    return json.dumps({"meta": meta, "rows": rows_,
                       **{name: list(value) for name, value in
                          sections.items()}}, indent=2) + "\n"
