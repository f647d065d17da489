"""Run test files in isolation: a fresh realm per file against a fresh
subprocess per file (what pytest-forked or xdist-style isolation costs).

Run it with the patched interpreter:

    build/patched/python examples/isolated_tests/run.py [--repeat N] [NAME ...]

Each NAME is a test module importable from sys.path (default: the sample
files next to this script, then a few of CPython's own test modules).  Both
ways run the same runner code (unittest, results written to a StringIO),
and the script checks that they report the same counts, then prints the
time per isolated run side by side.
"""

import argparse
import ast
import os
import statistics
import subprocess
import sys
import time

import realm

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, 'sample')
DEFAULT_TESTS = ['test_patches_json', 'test_expects_pristine_json',
                 'test_codec_and_warnings',
                 'test.test_textwrap', 'test.test_bisect', 'test.test_heapq',
                 'test.test_fnmatch', 'test.test_base64', 'test.test_json']

# Runs in the isolated world; leaves `summary` behind.
RUNNER = '''
import io, unittest
stream = io.StringIO()
suite = unittest.defaultTestLoader.loadTestsFromName(NAME)
result = unittest.TextTestRunner(stream=stream, verbosity=0).run(suite)
summary = {"run": result.testsRun, "failures": len(result.failures),
           "errors": len(result.errors), "skipped": len(result.skipped)}
'''


def in_realm(name, path):
    with realm.Realm(path=path) as r:
        r.exec(RUNNER.replace('NAME', repr(name)))
        return r.eval('summary')


def in_subprocess(name, path):
    # repr(), not json: the tests may have patched json.
    code = RUNNER.replace('NAME', repr(name)) + 'print(repr(summary))'
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path))
    out = subprocess.run([sys.executable, '-c', code], env=env, check=True,
                         capture_output=True, text=True).stdout
    return ast.literal_eval(out.splitlines()[-1])


def best_time(run, name, path, repeat):
    times, summary = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        summary = run(name, path)
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), summary


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('names', nargs='*', default=DEFAULT_TESTS)
    parser.add_argument('--repeat', type=int, default=5,
                        help='isolated runs per test file and way '
                             '(best and median are shown; default 5)')
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error('--repeat must be at least 1')
    path = [SAMPLE, *sys.path]

    header = (f"{'test file':30} {'tests':>5}  {'realm ms':>9} "
              f"{'subprocess ms':>14} {'speed-up':>9}")
    print(f'{sys.executable} ({sys.version.split()[0]}), best of '
          f'{args.repeat} per file, median in parentheses')
    print(header)
    print('-' * len(header))
    total_realm = total_proc = 0.0
    for name in args.names:
        r_best, r_median, r_summary = best_time(in_realm, name, path,
                                                args.repeat)
        p_best, p_median, p_summary = best_time(in_subprocess, name, path,
                                                args.repeat)
        if r_summary != p_summary:
            sys.exit(f'{name}: the realm reports {r_summary}, '
                     f'the subprocess {p_summary}')
        bad = r_summary['failures'] + r_summary['errors']
        total_realm += r_best
        total_proc += p_best
        print(f"{name:30} {r_summary['run']:>5}"
              f"{' FAIL' if bad else ''}  "
              f'{r_best * 1e3:6.1f} ({r_median * 1e3:.0f})'
              f'{p_best * 1e3:9.1f} ({p_median * 1e3:.0f})'
              f'{p_best / r_best:8.1f}x')
    print('-' * len(header))
    print(f"{'total':30} {'':5}  {total_realm * 1e3:9.1f} "
          f'{total_proc * 1e3:14.1f} {total_proc / total_realm:8.1f}x')


if __name__ == '__main__':
    main()
