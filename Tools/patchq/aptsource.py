"""Derive a deb-src entry for Debian trixie from the machine's apt sources.

The entry goes into a private apt configuration under build/, so the
machine's own apt setup is never changed and no mirror host name is ever
written into the repository: the URIs come from the machine.
"""

from pathlib import Path

SUITE = "trixie"
KEYRING_DIR = Path("/usr/share/keyrings")


def parse_one_line(text):
    """Parse sources.list lines ("deb [opts] URI suite comp...")."""
    entries = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        words = line.split()
        kind, words = words[0], words[1:]
        options = {}
        if words and words[0].startswith("["):
            opts = []
            while words:
                word = words.pop(0)
                opts.append(word.strip("[]"))
                if word.endswith("]"):
                    break
            for opt in " ".join(opts).split():
                key, _, value = opt.partition("=")
                options[key] = value
        if kind not in ("deb", "deb-src") or len(words) < 2:
            continue
        entries.append({
            "Types": [kind],
            "URIs": [words[0]],
            "Suites": [words[1]],
            "Components": words[2:],
            "Signed-By": options.get("signed-by", ""),
        })
    return entries


def parse_deb822(text):
    """Parse a .sources file (deb822 stanzas separated by blank lines)."""
    entries = []
    for stanza in text.split("\n\n"):
        fields = {}
        for line in stanza.splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            if line[0] in " \t":   # continuation line (e.g. inline keys)
                continue
            key, _, value = line.partition(":")
            fields[key.strip()] = value.strip()
        if "Types" not in fields or "URIs" not in fields:
            continue
        if fields.get("Enabled", "yes").lower() == "no":
            continue
        entries.append({
            "Types": fields["Types"].split(),
            "URIs": fields["URIs"].split(),
            "Suites": fields.get("Suites", "").split(),
            "Components": fields.get("Components", "").split(),
            "Signed-By": fields.get("Signed-By", ""),
        })
    return entries


def machine_entries(etc=Path("/etc/apt")):
    entries = []
    files = [etc / "sources.list"]
    parts = etc / "sources.list.d"
    if parts.is_dir():
        files += sorted(parts.iterdir())
    for path in files:
        if not path.is_file():
            continue
        text = path.read_text(errors="replace")
        if path.suffix == ".sources":
            entries += parse_deb822(text)
        elif path.suffix == ".list" or path.name == "sources.list":
            entries += parse_one_line(text)
    return entries


def is_debian_archive(entry):
    """True for the main Debian archive (not security, not third party)."""
    return (any(s.split("-")[0] in DEBIAN_SUITES for s in entry["Suites"])
            and "main" in entry["Components"]
            and not any(s.endswith("-security") for s in entry["Suites"]))


DEBIAN_SUITES = {"buster", "bullseye", "bookworm", "trixie", "forky",
                 "sid", "stable", "testing", "unstable", "oldstable"}


def trixie_source_entry(entries, keyrings=KEYRING_DIR):
    """Return the deb822 text of a trixie deb-src entry, or None.

    An existing trixie deb-src entry is used as it is; otherwise one is
    derived from the Debian archive's URIs that the machine already uses.
    """
    for entry in entries:
        if "deb-src" in entry["Types"] and SUITE in entry["Suites"]:
            return render(entry["URIs"], entry["Signed-By"])
    uris = []
    for entry in entries:
        if is_debian_archive(entry):
            uris += [u for u in entry["URIs"] if u not in uris]
    if not uris:
        return None
    keyring = keyrings / "debian-archive-keyring.gpg"
    return render(uris, str(keyring) if keyring.exists() else "")


def render(uris, signed_by):
    lines = ["Types: deb-src", "URIs: " + " ".join(uris),
             "Suites: " + SUITE, "Components: main"]
    if signed_by:
        lines.append("Signed-By: " + signed_by)
    return "\n".join(lines) + "\n"
