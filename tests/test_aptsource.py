from patchq import aptsource

DEB822 = """\
Types: deb
# a comment
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
"""


def test_parse_deb822():
    entries = aptsource.parse_deb822(DEB822)
    assert [e["URIs"] for e in entries] == [
        ["http://mirror.example/debian"],
        ["http://mirror.example/debian-security"]]
    assert entries[0]["Suites"] == ["bookworm", "bookworm-updates"]


def test_parse_one_line_with_options():
    entries = aptsource.parse_one_line(
        "deb [arch=amd64 signed-by=/k.gpg] http://m.example/debian "
        "bookworm main contrib\n# deb-src http://x trixie main\n")
    assert entries == [{"Types": ["deb"], "URIs": ["http://m.example/debian"],
                        "Suites": ["bookworm"],
                        "Components": ["main", "contrib"],
                        "Signed-By": "/k.gpg"}]


def test_trixie_entry_is_derived_from_the_machines_debian_archive(tmp_path):
    text = aptsource.trixie_source_entry(aptsource.parse_deb822(DEB822),
                                         keyrings=tmp_path)
    assert text == ("Types: deb-src\nURIs: http://mirror.example/debian\n"
                    "Suites: trixie\nComponents: main\n")


def test_an_existing_trixie_deb_src_entry_is_used_as_it_is():
    entries = aptsource.parse_one_line(
        "deb http://a.example/debian bookworm main\n"
        "deb-src [signed-by=/t.gpg] http://b.example/debian trixie main\n")
    text = aptsource.trixie_source_entry(entries)
    assert "URIs: http://b.example/debian\n" in text
    assert "Signed-By: /t.gpg" in text


def test_no_debian_archive_gives_none():
    entries = aptsource.parse_one_line(
        "deb http://ppa.example/ubuntu jammy main\n")
    assert aptsource.trixie_source_entry(entries) is None


def test_machine_entries_reads_both_formats(tmp_path):
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list").write_text(
        "deb http://one.example/debian bookworm main\n")
    (tmp_path / "sources.list.d" / "x.sources").write_text(DEB822)
    (tmp_path / "sources.list.d" / "y.list.disabled").write_text(
        "deb http://off.example/debian bookworm main\n")
    uris = [e["URIs"][0] for e in aptsource.machine_entries(tmp_path)]
    assert uris == ["http://one.example/debian",
                    "http://mirror.example/debian",
                    "http://mirror.example/debian-security"]
