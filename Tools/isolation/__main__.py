"""make test-isolation: draw sequences, run each with realms and as
reference runs without, compare, report.

Sequence i of a run with seed S is drawn from seed S + i, so that
--seed S + i --count 1 replays it alone.  On a difference that is not
known (known-differences.txt), or on any with --strict, the tool prints
the sequence, the difference, and the sequence minimised (steps removed
while the same observation still differs), and exits with status 1.
"""

import argparse
import ast
import os
import random
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from isolation import catalogue, compare

HERE = Path(__file__).resolve().parent
KNOWN = HERE / 'known-differences.txt'
WORKER_TIMEOUT = 120        # seconds: a deadlock, not a slow run
MAX_MINIMISING_RUNS = 150


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog='python -m isolation',
        description='A seeded, randomized differential test of the realm '
                    'boundary: sequences of operations run with realms '
                    'against reference runs without.')
    parser.add_argument('--seed', type=int,
                        help='replay this seed (default: a random one)')
    parser.add_argument('--seconds', type=float, default=20,
                        help='start no sequence after this many seconds '
                             '(default: %(default)s)')
    parser.add_argument('--count', type=int,
                        help='run at most this many sequences')
    parser.add_argument('--strict', action='store_true',
                        help='fail on known differences too')
    parser.add_argument('--list', action='store_true',
                        help='print every sequence before running it')
    parser.add_argument('--jobs', type=int, default=os.cpu_count() or 2,
                        help='worker processes at once (default: '
                             '%(default)s)')
    parser.add_argument('--known', type=Path, default=KNOWN,
                        help='the known differences (default: '
                             'known-differences.txt beside the tool)')
    args = parser.parse_args(argv)
    if args.count is not None and args.count < 1:
        parser.error('--count must be at least 1')
    if args.jobs < 1:
        parser.error('--jobs must be at least 1')
    return args


def worker_environment():
    paths = [str(HERE.parent)]
    if os.environ.get('PYTHONPATH'):
        paths.append(os.environ['PYTHONPATH'])
    return dict(os.environ, PYTHONPATH=os.pathsep.join(paths))


def run_worker(job):
    """Run a job in a fresh worker: (observations, None) or (None, what
    went wrong)."""
    try:
        process = subprocess.run(
            [sys.executable, '-m', 'isolation.worker'], input=repr(job),
            capture_output=True, text=True, timeout=WORKER_TIMEOUT,
            env=worker_environment())
    except subprocess.TimeoutExpired:
        return None, f'no answer after {WORKER_TIMEOUT} s'
    if process.returncode != 0:
        tail = process.stderr.strip().splitlines()[-5:]
        return None, f'exit status {process.returncode}: ' + ' / '.join(tail)
    return ast.literal_eval(process.stdout), None


def observe(steps, pool):
    """The differences of one sequence (see compare.differences)."""
    jobs = {'with realms': {'mode': 'actual', 'steps': steps},
            'host': compare.reference_job(steps, 'host')}
    for name in compare.realms_of(steps):
        jobs[name] = compare.reference_job(steps, name)
    futures = {name: pool.submit(run_worker, job)
               for name, job in jobs.items()}
    answers = {name: future.result() for name, future in futures.items()}
    broken = [compare.Difference('process', len(steps), f'{name} worker',
                                 error, 'exits with status 0')
              for name, (_, error) in answers.items() if error]
    if broken:
        return {'process': broken}
    observed = {name: answer for name, (answer, _) in answers.items()}
    return compare.differences(steps, observed.pop('with realms'), observed)


class Run:
    """A run of the tool: the sequences, their verdicts, the report."""

    def __init__(self, args):
        self.args = args
        self.seed = args.seed
        if self.seed is None:
            self.seed = random.SystemRandom().randrange(1_000_000_000)
        self.known = compare.read_known(args.known)
        self.sequences = self.steps = self.realms = self.clones = 0
        self.by_defect = {}         # defect -> seeds of sequences

    def failing(self, verdicts):
        return [verdict for verdict in verdicts
                if not verdict.known or self.args.strict]

    def judge(self, steps, pool):
        return compare.verdicts(steps, observe(steps, pool), self.known)

    def main(self):
        args = self.args
        print(f'isolation: seed {self.seed} (replay: --seed {self.seed}), '
              f'{args.seconds:g} s, {sys.executable}', flush=True)
        start = time.monotonic()
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            while time.monotonic() - start < args.seconds and (
                    args.count is None or self.sequences < args.count):
                if not self.run_sequence(pool):
                    return 1
        elapsed = time.monotonic() - start
        print(f'isolation: {self.sequences} sequences run ({self.steps} '
              f'steps, {self.realms} realms of which {self.clones} clones) '
              f'in {elapsed:.1f} s')
        for defect, seeds in sorted(self.by_defect.items()):
            shown = ', '.join(map(str, seeds[:8]))
            more = ', ...' if len(seeds) > 8 else ''
            print(f'isolation: known defect {defect}: {len(seeds)} '
                  f'sequences (seeds {shown}{more})')
        print('isolation: no unknown difference')
        return 0

    def run_sequence(self, pool):
        index = self.sequences
        seed = self.seed + index
        steps = catalogue.draw(random.Random(seed))
        if self.args.list:
            print(f'sequence {index} (seed {seed}):')
            for line in catalogue.listing(steps):
                print(f'  {line}')
        verdicts = self.judge(steps, pool)
        self.sequences += 1
        self.steps += len(steps)
        self.realms += len(compare.realms_of(steps))
        self.clones += sum(step['op'] == 'clone' for step in steps)
        for verdict in verdicts:
            if verdict.known:
                for defect in verdict.defects:
                    seeds = self.by_defect.setdefault(defect, [])
                    if seed not in seeds:
                        seeds.append(seed)
                first = verdict.first[0]
                print(f'sequence {index} (seed {seed}): known difference, '
                      f"defect {', '.join(verdict.defects)}: {first.world}, "
                      f'after step {first.step}: {first.key}', flush=True)
        failing = self.failing(verdicts)
        if failing:
            self.report(index, seed, steps, failing[0], pool)
            return False
        return True

    def report(self, index, seed, steps, verdict, pool):
        print(f'\nisolation: DIFFERENCE in sequence {index}, seed {seed} '
              f'(replay it alone: --seed {seed} --count 1'
              f"{' --strict' if self.args.strict else ''})")
        if verdict.known:
            print(f"known as defect {', '.join(verdict.defects)}")
        print('steps:')
        for line in catalogue.listing(steps):
            print(f'  {line}')
        print('first difference:')
        for difference in verdict.first:
            print(f'  {difference}')
        target = (verdict.world, verdict.first[0].key)
        smaller = self.minimise(steps, target, pool)
        if len(smaller) < len(steps):
            print(f'minimised ({len(smaller)} of {len(steps)} steps):')
            for line in catalogue.listing(smaller):
                print(f'  {line}')
            for found in self.judge(smaller, pool):
                if (found.world, found.first[0].key) == target:
                    for difference in found.first:
                        print(f'  {difference}')
        print(f'isolation: {self.sequences} sequences run; failed')

    def minimise(self, steps, target, pool):
        """Remove steps one at a time while the same world still first
        differs in the same observation."""
        runs = 0
        changed = True
        while changed and runs < MAX_MINIMISING_RUNS:
            changed = False
            for index in reversed(range(len(steps))):
                if index >= len(steps) or runs >= MAX_MINIMISING_RUNS:
                    continue
                candidate = catalogue.without(steps, index)
                runs += 1
                if any((verdict.world, verdict.first[0].key) == target
                       for verdict in self.failing(
                           self.judge(candidate, pool))):
                    steps, changed = candidate, True
        return steps


def main(argv=None):
    return Run(parse_args(argv)).main()


if __name__ == '__main__':
    sys.exit(main())
