"""patchq: keep a patch series over a pinned, pristine CPython tarball.

One module per job:

  upstream   obtain the pinned tarball and verify its SHA-256
  aptsource  derive a Debian deb-src entry for the pinned release
  srctree    build/src as a git tree: import the series, detect unexported work
  export     write patches/ from build/src, deterministically
  builds     configure and build out of tree (patched, stock)
  regrtest   run CPython's regrtest and compare stock with patched
"""
