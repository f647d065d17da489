"""A worker of make test-isolation: one run of a sequence, in a fresh
process, printing what it observed.

The job is a Python literal read from standard input:

- {'mode': 'actual', 'steps': [step, ...]}: the whole sequence.  The
  host's steps run in this process's host, each realm's in its realm;
  realms are made and closed by steps of their creators.  The host is
  probed before the first step and after every step; a realm just before
  it closes (the worker closes the realms still open at the end).
- {'mode': 'reference', 'steps': [(index, step, recorded), ...],
  'probe_every_step': bool, 'end': bool}: the steps of one world, all
  run in the host of this process, which makes no realm.  With 'end', it
  is probed at the end and then does what closing a realm does
  (its exit functions run).

What it observed is printed to standard output as a Python literal of
dicts and strings (compare.py reads it).  The worker's own standard
streams are replaced by buffers that the host's probe reads.
"""

import ast
import builtins
import io
import os
import sys

from isolation import catalogue
from isolation.probe import probe


class Host:
    """The host of this process: steps run in a __main__ namespace."""

    def __init__(self):
        self.namespace = {'__name__': '__main__', '__builtins__': builtins}

    def run(self, code):
        exec(code, self.namespace)

    def evaluate(self, code):
        return eval(code, self.namespace)

    def bind(self, name, value):
        self.namespace[name] = value


class RealmWorld:
    """A realm: steps run in its own __main__."""

    def __init__(self, realm):
        self.realm = realm
        self.stdout, self.stderr = realm.sys.stdout, realm.sys.stderr

    def run(self, code):
        self.realm.exec(code)

    def evaluate(self, code):
        return self.realm.eval(code)

    def bind(self, name, value):
        self.realm.eval('globals()')[name] = value

    def is_closed(self):
        try:
            self.realm.builtins
        except RuntimeError:
            return True
        return False


def compiled(source, mode='exec'):
    return compile(source, '<isolation>', mode, dont_inherit=True)


RESULT = compiled('RESULT', 'eval')


def describe_exception(exc):
    return f'{type(exc).__name__}: {exc}'


def run_step(world, step, maker=None):
    """Run an operation in world; its result as a string.  A context
    variable's Token is made in maker (by default, world itself)."""
    inner = step['inner'] if step['op'] == 'thread' else step
    try:
        if inner['op'] == 'context_var' and inner['value'] == 'Token':
            maker = maker or world
            maker.run(compiled(catalogue.TOKEN_CLASS))
            token = compiled(f"Token({inner['tag']!r})", 'eval')
            world.bind('_VALUE', maker.evaluate(token))
        world.run(compiled('RESULT = None\n' + catalogue.source(step)))
        return str(world.evaluate(RESULT))
    except Exception as exc:
        return describe_exception(exc)


class Actual:
    """The sequence run with its realms."""

    def __init__(self, steps):
        self.steps = steps
        self.worlds = {'host': Host()}     # the open worlds
        self.parents = {}
        self.observed = {'host': {'results': {}, 'probes': {}}}

    def run(self):
        host = self.worlds['host']
        self.observed['host']['probes'][-1] = probe(host)
        for index, step in enumerate(self.steps):
            self.run_step(index, step)
            self.observed['host']['probes'][index] = probe(host)
        end = len(self.steps)
        for name in reversed(list(self.worlds)):
            if self.parents.get(name) == 'host':
                self.close(end, name)
        self.observed['host']['probes'][end] = probe(host)
        return self.observed

    def run_step(self, index, step):
        if step['op'] in catalogue.MAKING:
            self.create(step)
        elif step['op'] == 'close':
            self.close(index, step['realm'])
        else:
            world = self.worlds.get(step['world'])
            record = self.observed[step['world']]
            if world is None:
                record['results'][index] = 'not run: no such realm'
                return
            inner = step.get('inner', step)
            maker = self.worlds.get(inner.get('maker'))
            record['results'][index] = run_step(world, step, maker)

    def create(self, step):
        name = step['realm']
        record = self.observed[name] = {'results': {}, 'created': 'yes'}
        creator = self.worlds.get(step['world'])
        if creator is None:
            record['created'] = 'no: its creator is not open'
            return
        try:
            creator.run(compiled(catalogue.source(step)))
            realm = creator.evaluate(compiled(f'_REALMS[{name!r}]', 'eval'))
        except Exception as exc:
            record['created'] = describe_exception(exc)
            return
        self.worlds[name] = RealmWorld(realm)
        self.parents[name] = step['world']

    def ancestors(self, name):
        while name in self.parents:
            name = self.parents[name]
            yield name

    def close(self, index, name):
        """Probe the realm and the realms made in it, deepest first, then
        close it (from its creator) and record what the closing wrote."""
        if name not in self.worlds:
            return
        closing = [other for other in reversed(list(self.worlds))
                   if other == name or name in self.ancestors(other)]
        written = {}
        for other in closing:
            world = self.worlds[other]
            self.observed[other]['end'] = probe(world)
            self.observed[other]['end_step'] = index
            written[other] = (len(world.stdout.getvalue()),
                              len(world.stderr.getvalue()))
        creator = self.worlds.get(self.parents[name])
        try:
            if creator is None:
                self.worlds[name].realm.close()
            else:
                creator.run(compiled(catalogue.source(
                    {'op': 'close', 'realm': name})))
        except Exception as exc:
            self.observed[name]['end']['close'] = describe_exception(exc)
        for other in closing:
            world = self.worlds.pop(other)
            end = self.observed[other]['end']
            stdout, stderr = written[other]
            end['stdout of close'] = world.stdout.getvalue()[stdout:]
            end['stderr of close'] = world.stderr.getvalue()[stderr:]
            end['still open after close'] = str(not world.is_closed())


def run_reference(job):
    """Steps of one world run in the host, without any realm."""
    host = Host()
    observed = {'results': {}, 'probes': {}}
    every_step = job['probe_every_step']
    if every_step:
        observed['probes'][-1] = probe(host)
    for index, step, recorded in job['steps']:
        result = run_step(host, step)
        if recorded:
            observed['results'][index] = result
        if every_step:
            observed['probes'][index] = probe(host)
    if job['end']:
        end = observed['end'] = probe(host)
        stdout, stderr = len(sys.stdout.getvalue()), len(sys.stderr.getvalue())
        # What a realm's close() does that a process's exit does too.
        import atexit
        atexit._run_exitfuncs()
        end['stdout of close'] = sys.stdout.getvalue()[stdout:]
        end['stderr of close'] = sys.stderr.getvalue()[stderr:]
        end['still open after close'] = 'False'
    return observed


def main():
    job = ast.literal_eval(sys.stdin.read())
    output = sys.stdout
    sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
    try:
        if job['mode'] == 'actual':
            observed = Actual(job['steps']).run()
        else:
            observed = run_reference(job)
    except BaseException:
        import traceback
        traceback.print_exc(file=sys.__stderr__)
        sys.__stderr__.flush()
        os._exit(2)
    output.write(repr(observed))
    output.flush()
    # Nothing of the process's exit is observed: skip it.
    os._exit(0)


if __name__ == '__main__':
    main()
