"""make test-isolation: a seeded, randomized differential test of the
boundary between realms and their host (SPEC 7).

Each sequence of operations (catalogue.py) runs once in a fresh worker
process with realms, in the host and in nested realms, from the main
thread and from threads (worker.py, "actual" mode), and then as
reference runs, each in a fresh process of the same interpreter without
any realm: the host's steps alone, and the steps of each realm run as the
host of a process of its own.  What the host observes after every step,
and what each realm observes, must equal what its reference run observed
(compare.py).  Differences listed in known-differences.txt are reported as
known, and fail the run only with --strict.

    PYTHONPATH=Tools build/patched/python -m isolation --seconds 20
"""
