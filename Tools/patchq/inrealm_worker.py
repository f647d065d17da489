"""Run regrtest files with unittest, in the host or each in a fresh realm.

Run by the patched interpreter for `make test-in-realm` (see inrealm.py,
which compares the two modes); it prints one JSON object per line: a
"start" line before each test file, then its counts, so that the parent
knows which file a crash or a hang interrupted.

    python inrealm_worker.py --mode realm test_json test_base64
"""

import argparse
import faulthandler
import json
import sys
import time

# The code that runs a test file, in the host's __main__-like namespace or
# in a realm's.  No resources are enabled, as in regrtest without -u.
RUN = '''
import unittest
from test import support
support.use_resources = []
try:
    _suite = unittest.defaultTestLoader.loadTestsFromName('test.' + NAME)
except unittest.SkipTest as exc:
    COUNTS = {'skipped_file': str(exc)}
else:
    _result = unittest.TestResult()
    _suite.run(_result)
    # The first few tests that did not pass, to start an investigation.
    _bad = [_test.id() for _test, _ in _result.failures + _result.errors]
    COUNTS = {'not_passed': _bad[:10],
              'run': _result.testsRun,
              'failures': len(_result.failures),
              'errors': len(_result.errors),
              'skipped': len(_result.skipped),
              'expected_failures': len(_result.expectedFailures),
              'unexpected_successes': len(_result.unexpectedSuccesses)}
'''


def run_in_host(name):
    namespace = {'NAME': name, '__name__': '__inrealm__'}
    exec(RUN, namespace)
    return namespace['COUNTS']


def run_in_realm(name):
    import realm
    # The realm's standard streams are the host's, as a test run by
    # regrtest gets real files (some tests need their fileno()).
    with realm.Realm() as r:
        namespace = {'NAME': name, '__name__': '__inrealm__'}
        r.exec(RUN, namespace)
        return namespace['COUNTS']


def emit(record):
    # Whole lines among whatever the tests print; the parent skips the rest.
    sys.__stdout__.write('\n' + json.dumps(record) + '\n')
    sys.__stdout__.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--mode', choices=('host', 'realm'), required=True)
    parser.add_argument('--timeout', type=float, default=900,
                        help='seconds a test file may take before the '
                             'process dumps its stacks and exits')
    parser.add_argument('tests', nargs='+')
    args = parser.parse_args()
    # A fatal signal prints every thread's stack into the output the
    # parent keeps for a crashed file.
    faulthandler.enable(all_threads=True)
    run = run_in_realm if args.mode == 'realm' else run_in_host
    for name in args.tests:
        emit({'name': name, 'start': True})
        faulthandler.dump_traceback_later(args.timeout, exit=True)
        start = time.perf_counter()
        try:
            counts = run(name)
        except BaseException as exc:  # a test file that breaks the runner
            counts = {'runner_error': f'{type(exc).__name__}: {exc}'[:300]}
        faulthandler.cancel_dump_traceback_later()
        emit({'name': name, 'seconds': round(time.perf_counter() - start, 2),
              **counts})


if __name__ == '__main__':
    main()
