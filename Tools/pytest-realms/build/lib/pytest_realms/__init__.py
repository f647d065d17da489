"""pytest-realms: each test file in a fresh realm (see plugin.py).

PYTEST_DONT_REWRITE: a realm imports this package before its pytest
session starts, so there is nothing to rewrite.
"""

__version__ = "0.1.0"
