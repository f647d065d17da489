"""Run test files in isolation: a fresh realm per file against a fresh
subprocess per file (what pytest-forked or xdist-style isolation costs).

Run it with the patched interpreter:

    build/patched/python examples/isolated_tests/run.py [--repeat N]
        [--share MODULE] [--instructions] [NAME ...]

Each NAME is a test module importable from sys.path (default: the sample
files next to this script, then a few of CPython's own test modules).  Both
ways run the same runner code (unittest, results written to a StringIO),
and the script checks that they report the same counts, then prints the
CPU time per isolated run side by side (the subprocess's and that of
starting it).  --share puts the host's module (unittest, say) into each
realm instead of loading it afresh there.  --instructions counts the
instructions of one isolated run under callgrind instead: a whole
``python -c`` process against one more realm in a process that has run
the file in realms before.
"""

import argparse
import ast
import os
import re
import resource
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
# The world imports the test module itself: a shared unittest would import
# it in the host.
RUNNER = '''
import importlib, io, unittest
stream = io.StringIO()
module = importlib.import_module(NAME)
suite = unittest.defaultTestLoader.loadTestsFromModule(module)
result = unittest.TextTestRunner(stream=stream, verbosity=0).run(suite)
summary = {"run": result.testsRun, "failures": len(result.failures),
           "errors": len(result.errors), "skipped": len(result.skipped)}
'''


def in_realm(name, path, share=()):
    with realm.Realm(path=path, share=share) as r:
        r.exec(RUNNER.replace('NAME', repr(name)))
        return r.eval('summary')


def subprocess_command(name):
    # repr(), not json: the tests may have patched json.
    code = RUNNER.replace('NAME', repr(name)) + 'print(repr(summary))'
    return [sys.executable, '-c', code]


def subprocess_env(path):
    return dict(os.environ, PYTHONPATH=os.pathsep.join(path))


def in_subprocess(name, path, share=()):
    out = subprocess.run(subprocess_command(name), env=subprocess_env(path),
                         check=True, capture_output=True, text=True).stdout
    return ast.literal_eval(out.splitlines()[-1])


def in_host(name, path, share=()):
    # Not isolated: in this process, whose sys.path has path.
    namespace = {'__name__': '__isolated__'}
    exec(RUNNER.replace('NAME', repr(name)), namespace)
    return namespace['summary']


def host_cpu(name, path, repeat):
    """The CPU time of the file's tests alone: the least of repeat runs in
    a process that has run them once already (its imports are done).  In
    a process of its own, as what the tests change stays there."""
    cmd = [sys.executable, os.path.abspath(__file__), '--in-host',
           str(repeat + 1), name]
    out = subprocess.run(cmd, env=subprocess_env(path), check=True,
                         capture_output=True, text=True).stdout
    return float(out.split()[-1])


def cpu_seconds():
    # This process's CPU time and that of its children that have exited.
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def best_cpu(run, name, path, share, repeat):
    best, summary = float('inf'), None
    for _ in range(repeat):
        start = cpu_seconds()
        summary = run(name, path, share)
        best = min(best, cpu_seconds() - start)
    return best, summary


def callgrind_count(cmd, env=None):
    proc = subprocess.run(['valgrind', '--tool=callgrind',
                           '--callgrind-out-file=/dev/null', *cmd],
                          env=env, capture_output=True, text=True)
    match = re.search(r'Collected : (\d+)', proc.stderr)
    if proc.returncode != 0 or not match:
        sys.exit(f'callgrind failed on {cmd[:3]}:\n{proc.stderr[-2000:]}')
    return int(match.group(1))


def instructions(name, path, share):
    """(realm, subprocess, host): instructions of one more realm in a
    process that has run the file in a realm already (its code caches are
    warm, as in a test runner's process after the first file), of a whole
    subprocess, and of the tests alone (one more run in a process that has
    run them: its imports are done)."""
    def runs(where, count):
        cmd = [sys.executable, os.path.abspath(__file__), f'--in-{where}',
               str(count), *(f'--share={m}' for m in share), name]
        return callgrind_count(cmd, subprocess_env(path))
    one_more = (runs('realms', 3) - runs('realms', 1)) / 2
    whole = callgrind_count(subprocess_command(name), subprocess_env(path))
    alone = (runs('host', 3) - runs('host', 1)) / 2
    return one_more, whole, alone


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('names', nargs='*', default=DEFAULT_TESTS)
    parser.add_argument('--repeat', type=int, default=5,
                        help='isolated runs per test file and way (the '
                             'least CPU time is shown; default 5)')
    parser.add_argument('--share', action='append', default=[],
                        metavar='MODULE',
                        help="put the host's MODULE into each realm "
                             "(repeatable)")
    parser.add_argument('--instructions', action='store_true',
                        help='count instructions under callgrind instead '
                             'of measuring CPU time')
    # What the measurements run in processes of their own.
    parser.add_argument('--in-realms', type=int, help=argparse.SUPPRESS)
    parser.add_argument('--in-host', type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error('--repeat must be at least 1')
    return args


def main(argv=None):
    args = parse_args(argv)
    path = [SAMPLE, *sys.path]
    if args.in_realms is not None:
        for name in args.names:
            for _ in range(args.in_realms):
                in_realm(name, path, args.share)
        return
    if args.in_host is not None:
        sys.path[:0] = [SAMPLE]
        for name in args.names:
            for _ in range(args.in_host):
                start = time.process_time()
                in_host(name, path)
                last = time.process_time() - start
            print(last)
        return

    unit = 'M instr.' if args.instructions else 'CPU ms'
    shared = f", sharing {', '.join(args.share)}" if args.share else ''
    how = ('callgrind' if args.instructions
           else f'least of {args.repeat} per file')
    print(f'{sys.executable} ({sys.version.split()[0]}), {unit}, {how}'
          f'{shared}.\nAdded: the cost of the isolation, what the run '
          f'costs beyond the tests alone (run again in a warm process).')
    columns = ['test file', 'tests', 'realm', 'subprocess', 'cheaper',
               'tests alone', 'realm added', 'subpr. added', 'cheaper']
    widths = [28, 5, 9, 10, 8, 11, 11, 12, 8]
    line = lambda cells: '  '.join(
        f'{cell:<{w}}' if i == 0 else f'{cell:>{w}}'
        for i, (cell, w) in enumerate(zip(cells, widths)))
    print(line(columns))
    print('-' * len(line(columns)))
    totals = [0.0, 0.0, 0.0]
    for name in args.names:
        repeat = 1 if args.instructions else args.repeat
        r_cpu, r_summary = best_cpu(in_realm, name, path, args.share, repeat)
        p_cpu, p_summary = best_cpu(in_subprocess, name, path, args.share,
                                    repeat)
        if r_summary != p_summary:
            sys.exit(f'{name}: the realm reports {r_summary}, '
                     f'the subprocess {p_summary}')
        if args.instructions:
            costs = [n / 1e6 for n in instructions(name, path, args.share)]
        else:
            costs = [r_cpu * 1e3, p_cpu * 1e3,
                     host_cpu(name, path, args.repeat) * 1e3]
        bad = r_summary['failures'] + r_summary['errors']
        totals = [t + c for t, c in zip(totals, costs)]
        print(line(row(name + (' FAIL' if bad else ''), r_summary['run'],
                       *costs)))
    print('-' * len(line(columns)))
    print(line(row('total', '', *totals)))


def ratio(a, b):
    return f'{a / b:.1f}x' if b > 0 else 'n/a'


def row(name, tests, realm_cost, proc_cost, alone):
    realm_added = realm_cost - alone
    proc_added = proc_cost - alone
    return [name, str(tests), f'{realm_cost:.1f}', f'{proc_cost:.1f}',
            ratio(proc_cost, realm_cost), f'{alone:.1f}',
            f'{realm_added:.1f}', f'{proc_added:.1f}',
            ratio(proc_added, realm_added)]


if __name__ == '__main__':
    main()
