"""The reference runs of a sequence, and what differs from them.

The host's reference runs the host's steps alone.  A realm's runs, as the
host of a fresh process, what the realm inherited from its creators (the
steps that changed their warnings filters and sys.path before making
it), then its own steps.  A clone's runs its original's reference steps
up to the clone (a clone is a fork of its original), then its own.  All
also run, unrecorded, the steps that do something to every world of the
process (a fork runs every world's fork hooks), and, for each realm a
world makes, the realm module's imports that making it costs the world.
Steps that make, clone and close realms are left out: a reference run
makes no realm.
"""

import fnmatch
import re
from dataclasses import dataclass

from isolation import catalogue

# Steps that act on the whole process, whoever runs them.
PROCESS_WIDE = {'fork'}


def realms_of(steps):
    """The realms of a sequence, clones included: name -> (creator, index
    of creation)."""
    return {step['realm']: (step['world'], index)
            for index, step in enumerate(steps)
            if step['op'] in catalogue.MAKING}


def ancestors(realms, world):
    while world != 'host':
        world = realms[world][0]
        yield world


def end_of(steps, realms, name):
    """The index of the step that closes a realm (itself or a creator)."""
    lineage = {name, *ancestors(realms, name)}
    for index, step in enumerate(steps):
        if step['op'] == 'close' and step['realm'] in lineage:
            if index > realms[name][1]:
                return index
    return len(steps)


def inherited(steps, realms, world):
    """The steps whose effects a world starts with (copies of its
    creators' warnings filters and sys.path)."""
    if world == 'host':
        return []
    creator, made = realms[world]
    if steps[made]['op'] == 'clone':
        # A clone has its original's, as they were at the clone.
        creator = steps[made]['source']
    return inherited(steps, realms, creator) + [
        (index, step, False) for index, step in enumerate(steps[:made])
        if step['world'] == creator and catalogue.is_inherited(step)]


def reference_job(steps, world):
    """The job of the reference run of one world of a sequence."""
    realms = realms_of(steps)
    if world == 'host':
        start, end = 0, len(steps)
    else:
        start, end = realms[world][1] + 1, end_of(steps, realms, world)
    made = steps[start - 1] if world != 'host' else None
    if made is not None and made['op'] == 'clone':
        # What the original did up to the clone, unrecorded.
        job = [(index, step, False) for index, step, _ in reference_job(
            steps[:start - 1], made['source'])['steps']]
    else:
        job = inherited(steps, realms, world)
    for index in range(start, end):
        step = steps[index]
        if step['world'] == world and step['op'] == 'create':
            job.append((index, catalogue.mirror_of_create(step), False))
        elif step['world'] == world and step['op'] not in ('close',
                                                           'clone'):
            job.append((index, step, True))
        elif step['op'] in PROCESS_WIDE:
            job.append((index, step, False))
    return {'mode': 'reference', 'steps': job,
            'probe_every_step': world == 'host', 'end': world != 'host'}


@dataclass
class Difference:
    world: str
    step: int           # the step after which it was observed
    key: str
    actual: str
    reference: str

    def __str__(self):
        return (f'{self.world}, after step {self.step}: {self.key}\n'
                f'    with realms:   {self.actual}\n'
                f'    reference run: {self.reference}')


ADDRESS = re.compile(r'0x[0-9a-fA-F]+')


def normalized(value):
    return ADDRESS.sub('0x...', str(value))


def compare_dicts(world, step, actual, reference):
    found = []
    for key in sorted(set(actual) | set(reference)):
        mine = normalized(actual.get(key, '<not observed>'))
        theirs = normalized(reference.get(key, '<not observed>'))
        if mine != theirs:
            found.append(Difference(world, step, key, mine, theirs))
    return found


def host_differences(actual, reference):
    found = []
    for index, result in reference['results'].items():
        found += compare_dicts('host', index,
                               {'result': actual['results'].get(index)},
                               {'result': result})
    probes = reference['probes']
    for index, observed in actual['probes'].items():
        latest = max(i for i in probes if i <= index)
        found += compare_dicts('host', index, observed, probes[latest])
    return found


def realm_differences(name, index, actual, reference):
    if actual.get('created') != 'yes':
        return [Difference(name, index, 'created', actual.get('created'),
                           'yes')]
    found = []
    for step, result in reference['results'].items():
        found += compare_dicts(name, step,
                               {'result': actual['results'].get(step)},
                               {'result': result})
    found += compare_dicts(name, actual['end_step'], actual['end'],
                           reference['end'])
    return found


def differences(steps, actual, references):
    """Every difference, by world: world -> [Difference], first first.
    actual: the actual run's observations; references: world -> the
    observations of its reference run."""
    realms = realms_of(steps)
    found = {'host': host_differences(actual['host'], references['host'])}
    for name, (creator, index) in realms.items():
        found[name] = realm_differences(name, index, actual[name],
                                        references[name])
    for world in found:
        found[world].sort(key=lambda difference: difference.step)
    return {world: listed for world, listed in found.items() if listed}


# Known differences (known-differences.txt).

@dataclass
class Known:
    defect: str
    world: str          # 'host', 'realm', 'clone' or '*'
    key: str            # a pattern (fnmatch) of the observation
    actual: str         # a pattern of its value in the run with realms
    reference: str      # a pattern of its value in the reference run

    def matches(self, difference):
        # A clone is a realm: an entry for realms covers clones too.
        kinds = {'h': ('host',), 'c': ('clone', 'realm')}.get(
            difference.world[0], ('realm',))
        if not any(fnmatch.fnmatchcase(kind, self.world) for kind in kinds):
            return False
        return all(fnmatch.fnmatchcase(value, pattern) for value, pattern in (
            (difference.key, self.key), (difference.actual, self.actual),
            (difference.reference, self.reference)))


def read_known(path):
    """The lines of known-differences.txt: defect | world | observation |
    value with realms | value in the reference run."""
    known = []
    with open(path, encoding='utf-8') as file:
        for line in file:
            line = line.split('#', 1)[0].strip()
            if line:
                fields = [field.strip() for field in line.split('|')]
                if len(fields) != 5:
                    raise ValueError(f'{path}: expected 5 fields separated '
                                     f'by |: {line!r}')
                known.append(Known(*fields))
    return known


@dataclass
class Verdict:
    """What a world's first differences are: the defects they are known
    as, or none (an unknown difference)."""
    world: str
    first: list         # the differences after the first differing step
    defects: list       # the known defects, empty if unknown

    @property
    def known(self):
        return bool(self.defects)


def creation_order(world):
    if world == 'host':
        return (0, 0)
    if world[1:].isdigit():
        return (1, int(world[1:]))
    return (2, 0)       # 'process': a worker that failed


def verdicts(steps, found, known):
    """A verdict per differing world.  A world is judged by the step after
    which it first differs: what follows may follow from it.  A realm
    that could not be made is judged as its creator (a clone as its
    original too)."""
    realms = realms_of(steps)
    judged = {}
    for world in sorted(found, key=creation_order):
        first_step = found[world][0].step
        first = [d for d in found[world] if d.step == first_step]
        defects = set()
        for difference in first:
            matching = [entry.defect for entry in known
                        if entry.matches(difference)]
            if not matching:
                defects = set()
                break
            defects.update(matching)
        if first[0].key == 'created':
            # Judged as its creator, or, for a clone, as its original.
            creator, made = realms[world]
            for maker in (creator, steps[made].get('source')):
                verdict = judged.get(maker)
                if verdict is not None and verdict.known:
                    defects = set(verdict.defects)
        judged[world] = Verdict(world, first, sorted(defects))
    # A realm that could not be made did not run its steps, whose effects
    # reach the worlds it was made in (a fork runs their fork hooks): a
    # world that first differs after such a realm's making is judged as
    # that realm.
    for world, verdict in judged.items():
        if verdict.known:
            continue
        for unmade, its in judged.items():
            if (its.known and its.first[0].key == 'created'
                    and world in ancestors(realms, unmade)
                    and realms[unmade][1] < verdict.first[0].step):
                verdict.defects[:] = its.defects
                break
    return list(judged.values())

