"""make test-isolation: the randomized differential test of the realm
boundary (Tools/isolation).  Its logic on hand-made sequences, then short
runs of the tool on the patched build."""

import os
import random
import re
import subprocess
import textwrap

from conftest import ROOT
from isolation import catalogue, compare
from test_built_python import interpreter


# Drawing sequences.

def test_a_seed_draws_the_same_sequence():
    assert (catalogue.draw(random.Random(3))
            == catalogue.draw(random.Random(3)))
    assert (catalogue.draw(random.Random(3))
            != catalogue.draw(random.Random(4)))


def test_drawn_steps_run_in_open_worlds_and_compile():
    for seed in range(300):
        steps = catalogue.draw(random.Random(seed))
        open_worlds = {'host'}
        for step in steps:
            assert step['world'] in open_worlds, (seed, step)
            if step['op'] in catalogue.MAKING:
                assert step['realm'] not in open_worlds
                open_worlds.add(step['realm'])
            if step['op'] == 'clone':
                # The original is open, made by the same world, and never
                # made a realm.
                assert step['source'] in open_worlds, (seed, step)
                realms = compare.realms_of(steps)
                assert realms[step['source']][0] == step['world']
                assert step['source'] not in {
                    other['world'] for other in steps[:steps.index(step)]
                    if other['op'] in catalogue.MAKING}
            elif step['op'] == 'close':
                realms = compare.realms_of(steps)
                open_worlds -= {name for name in open_worlds
                                if name == step['realm'] or step['realm']
                                in compare.ancestors(realms, name)}
            compile(catalogue.source(step), '<isolation>', 'exec')


# Hand-made sequences.

HOST_FILTER = {'world': 'host', 'op': 'simplefilter', 'action': 'error',
               'category': 'UserWarning'}
HOST_WARN = {'world': 'host', 'op': 'warn', 'message': 'w1',
             'category': 'UserWarning'}
MAKE_R1 = {'world': 'host', 'op': 'create', 'realm': 'r1'}
R1_PATH = {'world': 'r1', 'op': 'path_append', 'tag': 'step 4'}
R1_IMPORT = {'world': 'r1', 'op': 'import', 'module': 'json'}
MAKE_R2 = {'world': 'r1', 'op': 'create', 'realm': 'r2'}
R2_IMPORT = {'world': 'r2', 'op': 'import', 'module': 'csv'}
HOST_FORK = {'world': 'host', 'op': 'fork'}
CLOSE_R1 = {'world': 'host', 'op': 'close', 'realm': 'r1'}
HOST_GC = {'world': 'host', 'op': 'gc'}
SEQUENCE = [HOST_FILTER, HOST_WARN, MAKE_R1, R1_PATH, R1_IMPORT, MAKE_R2,
            R2_IMPORT, HOST_FORK, CLOSE_R1, HOST_GC]


def test_the_hosts_reference_runs_no_realm():
    job = compare.reference_job(SEQUENCE, 'host')
    mirror = catalogue.mirror_of_create(MAKE_R1)
    assert job['steps'] == [(0, HOST_FILTER, True), (1, HOST_WARN, True),
                            (2, mirror, False), (7, HOST_FORK, True),
                            (9, HOST_GC, True)]
    assert job['probe_every_step'] and not job['end']


def test_a_realms_reference_starts_with_what_it_inherits():
    # r2 starts with the host's filters and r1's sys.path; it ends when
    # r1 closes; the fork reaches it.
    job = compare.reference_job(SEQUENCE, 'r2')
    assert job['steps'] == [(0, HOST_FILTER, False), (3, R1_PATH, False),
                            (6, R2_IMPORT, True), (7, HOST_FORK, False)]
    assert job['end'] and not job['probe_every_step']
    job = compare.reference_job(SEQUENCE, 'r1')
    assert [index for index, _, _ in job['steps']] == [0, 3, 4, 5, 7]


def test_without_a_creation_there_is_nothing_of_the_realm():
    assert catalogue.without(SEQUENCE, 2) == [HOST_FILTER, HOST_WARN,
                                              HOST_FORK, HOST_GC]
    assert catalogue.without(SEQUENCE, 5) == [
        HOST_FILTER, HOST_WARN, MAKE_R1, R1_PATH, R1_IMPORT, HOST_FORK,
        CLOSE_R1, HOST_GC]


# A clone of r1, made after r1 changed its sys.path and imported json,
# before r1 imports csv.
CLONE_C3 = {'world': 'host', 'op': 'clone', 'realm': 'c3', 'source': 'r1'}
R1_CSV = {'world': 'r1', 'op': 'import', 'module': 'csv'}
C3_WARN = {'world': 'c3', 'op': 'warn', 'message': 'w2',
           'category': 'UserWarning'}
MAKE_R4 = {'world': 'c3', 'op': 'create', 'realm': 'r4'}
CLONING = [HOST_FILTER, MAKE_R1, R1_PATH, R1_IMPORT, CLONE_C3, R1_CSV,
           HOST_WARN, C3_WARN, MAKE_R4, CLOSE_R1, HOST_GC]


def test_a_clones_reference_is_its_originals_up_to_the_clone():
    # c3 is a fork of r1 at step 4: r1's reference steps so far,
    # unrecorded, then its own; r1's later import is not in it, and
    # closing r1 does not end it.
    job = compare.reference_job(CLONING, 'c3')
    assert job['steps'] == [
        (0, HOST_FILTER, False), (2, R1_PATH, False), (3, R1_IMPORT, False),
        (7, C3_WARN, True), (8, catalogue.mirror_of_create(MAKE_R4), False)]
    assert job['end']
    # A realm made in the clone inherits the clone's inheritance: r1's
    # sys.path, not the host's later changes.
    job = compare.reference_job(CLONING, 'r4')
    assert job['steps'] == [(0, HOST_FILTER, False), (2, R1_PATH, False)]
    # The clone is nothing to its maker's reference.
    assert (4, CLONE_C3, True) not in compare.reference_job(
        CLONING, 'host')['steps']


def test_without_an_original_there_is_no_clone():
    assert catalogue.without(CLONING, 1) == [HOST_FILTER, HOST_WARN,
                                             HOST_GC]
    assert catalogue.without(CLONING, 4) == [
        HOST_FILTER, MAKE_R1, R1_PATH, R1_IMPORT, R1_CSV, HOST_WARN,
        CLOSE_R1, HOST_GC]


def test_a_clone_not_made_is_judged_as_its_original():
    found = {'r1': [difference('r1', 4, 'result', 'failed to start')],
             'c3': [difference('c3', 4, 'created', 'KeyError')]}
    verdicts = compare.verdicts(CLONING, found, KNOWN)
    assert [verdict.defects for verdict in verdicts] == [['9'], ['9']]


def test_a_world_that_made_a_clone_not_made_is_judged_as_it():
    # The clone's steps did not run, and they reach the world it was made
    # in (a fork in the clone runs that world's fork hooks): a difference
    # there after the clone is the clone's; one before it is not.
    refused = known('r | clone | created | RuntimeError* | *')
    for step, defects in ((7, ['r']), (2, [])):
        found = {'host': [difference('host', step, 'fork hooks run')],
                 'c3': [difference('c3', 4, 'created', 'RuntimeError')]}
        verdicts = {verdict.world: verdict for verdict in
                    compare.verdicts(CLONING, found, refused)}
        assert verdicts['c3'].defects == ['r']
        assert verdicts['host'].defects == defects


def test_a_known_line_for_realms_covers_clones():
    realm_line, = known('x | realm | logging | * | *')
    clone_line, = known('y | clone | logging | * | *')
    assert realm_line.matches(difference('c3', 1, 'logging'))
    assert realm_line.matches(difference('r1', 1, 'logging'))
    assert clone_line.matches(difference('c3', 1, 'logging'))
    assert not clone_line.matches(difference('r1', 1, 'logging'))
    assert not clone_line.matches(difference('host', 1, 'logging'))


def known(*lines):
    return [compare.Known(*map(str.strip, line.split('|')))
            for line in lines]


KNOWN = known('6 | host | warnings shown | * | *',
              '9 | realm | result | *failed to start* | *')


def difference(world, step, key, actual='a', reference='b'):
    return compare.Difference(world, step, key, actual, reference)


def test_a_world_is_judged_by_its_first_differences():
    found = {'host': [difference('host', 3, 'warnings shown'),
                      difference('host', 5, 'sys.path')],
             'r1': [difference('r1', 4, 'result', 'ImportError: failed '
                               'to start'),
                    difference('r1', 4, 'modules imported')]}
    verdicts = {verdict.world: verdict for verdict in
                compare.verdicts(SEQUENCE, found, KNOWN)}
    assert verdicts['host'].defects == ['6']
    assert not verdicts['r1'].known     # 'modules imported' is not known


def test_a_realm_not_made_is_judged_as_its_creator():
    found = {'r1': [difference('r1', 4, 'result', 'failed to start')],
             'r2': [difference('r2', 5, 'created', 'ImportError')]}
    verdicts = compare.verdicts(SEQUENCE, found, KNOWN)
    assert [verdict.defects for verdict in verdicts] == [['9'], ['9']]


def test_the_known_differences_file_reads():
    entries = compare.read_known(compare_known_path())
    assert entries and all(entry.defect for entry in entries)


def compare_known_path():
    return ROOT / 'Tools' / 'isolation' / 'known-differences.txt'


# The tool on the patched build.

def run_tool(*args, pythonpath=()):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [*map(str, pythonpath), str(ROOT / 'Tools')]))
    return subprocess.run(
        [str(interpreter('patched')), '-m', 'isolation', *args],
        capture_output=True, text=True, env=env, timeout=600)


def listing(output):
    return [line for line in output.splitlines()
            if line.startswith('  ') or line.endswith('):')]


def test_a_short_run_reports_its_seed_and_count():
    res = run_tool('--seed', '4242', '--seconds', '10')
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.startswith('isolation: seed 4242 (replay: --seed 4242)')
    count = re.search(r'^isolation: (\d+) sequences run', res.stdout, re.M)
    assert count and int(count.group(1)) >= 1, res.stdout
    assert 'isolation: no unknown difference' in res.stdout


def test_a_seed_replays_the_same_sequences():
    first = run_tool('--seed', '77', '--count', '3', '--list')
    again = run_tool('--seed', '77', '--count', '3', '--list')
    assert first.returncode == again.returncode == 0, first.stdout
    assert listing(first.stdout) == listing(again.stdout)
    assert listing(first.stdout)[0] == 'sequence 0 (seed 77):'
    # Sequence i of seed S is sequence 0 of seed S + i.
    third = run_tool('--seed', '79', '--count', '1', '--list')
    lines = listing(first.stdout)
    start = lines.index('sequence 2 (seed 79):')
    assert listing(third.stdout)[1:] == lines[start + 1:]


# A realm module that leaks: closing a realm appends to its creator's
# sys.path, which no reference run does.
LEAKING_REALM = textwrap.dedent('''
    import os, sys
    for _entry in sys.path:
        _real = os.path.join(_entry, 'realm.py')
        if _real != __file__ and os.path.exists(_real):
            break
    with open(_real, encoding='utf-8') as _file:
        exec(compile(_file.read(), _real, 'exec'))
    _close = Realm.close
    def _leaking_close(self):
        _close(self)
        sys.path.append('/leaked/by/close')
    Realm.close = _leaking_close
''')


def test_a_leak_is_found_replayable_and_minimised(tmp_path):
    (tmp_path / 'realm.py').write_text(LEAKING_REALM)
    res = run_tool('--seed', '1', '--count', '5', pythonpath=[tmp_path])
    assert res.returncode == 1, res.stdout + res.stderr
    assert 'isolation: DIFFERENCE in sequence' in res.stdout
    assert re.search(r'replay it alone: --seed \d+ --count 1', res.stdout)
    assert "host, after step" in res.stdout
    assert '/leaked/by/close' in res.stdout
    minimised = re.search(r'minimised \((\d+) of', res.stdout)
    assert minimised and int(minimised.group(1)) == 1, res.stdout
