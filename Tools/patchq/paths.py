"""Where things live, relative to the project root."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
PATCHES = ROOT / "patches"
SRC = BUILD / "src"            # git tree: upstream, then one commit per patch
PRISTINE = BUILD / "upstream"  # plain unpacked tarball, the stock sources
DOWNLOADS = BUILD / "downloads"
CONFIG = BUILD / "config.json"  # the options ./configure was given


class PatchqError(Exception):
    """An error the user can act on; the message says how."""
