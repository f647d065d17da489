"""The operations a sequence is drawn from, and how to draw one.

A step is a dict: the world it runs in ('host' or a realm's name: 'r1',
'r2', ...), the operation ('op') and its arguments.  Every operation is
Python source run in its world (source()); all but the realm's life cycle
('create', 'close') set RESULT to a string.  The source depends on the
step only, so that a step runs the same code in every process.  A
sequence is drawn with a random.Random given (draw()), so that a seed
gives the same sequence on every run.
"""

# Modules to import, monkeypatch and watch.  None of them is imported by a
# worker at start-up; the realm module imports textwrap (through
# traceback), which a reference run mirrors (see mirror_of_create()).
MODULES = ('json', 'fractions', 'textwrap', 'colorsys', 'decimal',
           'datetime', 'calendar', 'difflib', 'shlex', 'html', 'csv',
           'logging', 'pickle')
PATCHABLE = (('json', 'dumps'), ('fractions', 'Fraction'),
             ('textwrap', 'dedent'), ('colorsys', 'rgb_to_hsv'),
             ('shlex', 'quote'), ('html', 'escape'), ('calendar', 'isleap'))

# Codecs looked up by steps and probes, the names that steps register a
# search function for, and error handlers.
CODECS = ('utf-8', 'latin-1', 'utf-16', 'isolation_a', 'isolation_b')
SEARCHED = ('isolation_a', 'isolation_b')
HANDLERS = ('isolation_x', 'isolation_y')
# Codecs for the lookup race: a world looks each up at most once, in a
# race, so that each race imports its two codecs' modules.
RACE_CODECS = ('cp037', 'cp1006', 'cp1026', 'cp1125', 'cp1140', 'cp1250',
               'cp1251', 'cp1253', 'cp1254', 'cp1255', 'cp1256', 'cp1257',
               'cp1258', 'cp273', 'cp424', 'cp437', 'cp500', 'cp720',
               'cp737', 'cp775', 'cp850', 'cp852', 'cp855', 'cp856')

WARNING_ACTIONS = ('ignore', 'always', 'default', 'once', 'module', 'error')
CATEGORIES = ('UserWarning', 'DeprecationWarning', 'RuntimeWarning')
MESSAGES = ('w1', 'w2')
LOGGERS = ('', 'isolation.a')
LEVELS = ('DEBUG', 'INFO', 'WARNING', 'ERROR')
CONTEXT_VARS = ('cv1', 'cv2')

MAX_OPEN_REALMS = 4
MAX_DEPTH = 3

# The class of the values a step sets a context variable to, defined in
# the __main__ of the world that makes the value (a realm's class when a
# realm makes it).
TOKEN_CLASS = '''
if 'Token' not in globals():
    class Token:
        def __init__(self, tag):
            self.tag = tag

        def __repr__(self):
            return f'Token({self.tag!r})'
'''


def source_import(step):
    return f"import {step['module']}\nRESULT = {step['module']}.__name__\n"


def source_patch(step):
    return (f"import {step['module']}\n"
            f"{step['module']}.{step['attr']} = {step['tag']!r}\n"
            f"RESULT = 'patched'\n")


# The import runs at the recursion limit, then one frame higher each time
# it raises RecursionError, as code that recovers from a deep recursion
# does: a transient failure, after which the import must work.
def source_import_at_limit(step):
    return f'''
def _dive():
    try:
        return _dive()
    except RecursionError:
        import {step['module']}
        return 'imported'
RESULT = _dive()
'''


def source_register_codec(step):
    return f'''
import codecs
def _search(name, _tag={step['tag']!r}):
    if name == {step['codec']!r}:
        return codecs.CodecInfo(codecs.utf_8_encode, codecs.utf_8_decode,
                                name=name + ' from ' + _tag)
    return None
codecs.register(_search)
RESULT = 'registered'
'''


def source_register_error(step):
    return f'''
import codecs
def _handler(error, _tag={step['tag']!r}):
    return '<' + _tag + '>', error.end
codecs.register_error({step['handler']!r}, _handler)
RESULT = 'registered'
'''


def source_lookup_codec(step):
    return f"import codecs\nRESULT = codecs.lookup({step['codec']!r}).name\n"


def source_encode_with_handler(step):
    return f"RESULT = repr('\\xe9'.encode('ascii', {step['handler']!r}))\n"


# Two threads look up a codec each, first lookups of these codecs in the
# world.  The interleaving is forced: each thread's first import inside
# its lookup waits at a barrier until the other thread is inside its own
# lookup and importing too.  A thread whose lookup ends without importing
# breaks the barrier, so that the other never waits for it.
def source_codec_race(step):
    return f'''
import builtins, codecs, threading
_names = {tuple(step['codecs'])!r}
_barrier = threading.Barrier(2)
_before_first_import = {{}}
_import = builtins.__import__
def _forcing_import(*args, **kwargs):
    me = threading.get_ident()
    if _before_first_import.get(me):
        _before_first_import[me] = False
        try:
            _barrier.wait()
        except threading.BrokenBarrierError:
            pass
    return _import(*args, **kwargs)
_found = {{}}
def _lookup(index):
    _before_first_import[threading.get_ident()] = True
    try:
        _found[index] = codecs.lookup(_names[index]).name
    except Exception as exc:
        _found[index] = f'{{type(exc).__name__}}: {{exc}}'
    if _before_first_import.pop(threading.get_ident()):
        _barrier.abort()
builtins.__import__ = _forcing_import
try:
    _threads = [threading.Thread(target=_lookup, args=(i,)) for i in (0, 1)]
    for _thread in _threads:
        _thread.start()
    for _thread in _threads:
        _thread.join()
finally:
    builtins.__import__ = _import
RESULT = repr(sorted(_found.items()))
'''


def source_simplefilter(step):
    return (f"import warnings\nwarnings.simplefilter({step['action']!r}, "
            f"{step['category']})\nRESULT = 'filtered'\n")


def source_filterwarnings(step):
    return (f"import warnings\nwarnings.filterwarnings({step['action']!r}, "
            f"{step['message']!r}, {step['category']})\n"
            f"RESULT = 'filtered'\n")


def source_resetwarnings(step):
    return "import warnings\nwarnings.resetwarnings()\nRESULT = 'reset'\n"


# Always on the same line, so that the registries of 'default' and
# 'module' see the same warning again.
def source_warn(step):
    return (f"import warnings\nwarnings.warn({step['message']!r}, "
            f"{step['category']})\nRESULT = 'warned'\n")


def source_logging_config(step):
    kind, logger, level = step['kind'], step['logger'], step['level']
    if kind == 'basicConfig':
        return (f"import logging\nlogging.basicConfig(level=logging.{level}, "
                f"format='%(levelname)s:%(name)s:%(message)s')\n"
                f"RESULT = 'configured'\n")
    if kind == 'setLevel':
        return (f"import logging\nlogging.getLogger({logger!r})"
                f".setLevel(logging.{level})\nRESULT = 'configured'\n")
    return f'''
import logging, sys
_handler = logging.StreamHandler(sys.stdout)
_handler.setFormatter(logging.Formatter('{step['tag']}: %(name)s %(message)s'))
logging.getLogger({logger!r}).addHandler(_handler)
RESULT = 'configured'
'''


def source_log(step):
    return (f"import logging\nlogging.getLogger({step['logger']!r}).log("
            f"logging.{step['level']}, {step['tag']!r})\nRESULT = 'logged'\n")


# The value is an int, or _VALUE: a Token that the worker made in the
# step's maker world (or in this world, where that one does not exist).
def source_context_var(step):
    value = step['value'] if step['value'] != 'Token' else '_VALUE'
    return f'''
import contextvars
CONTEXT_VARS = globals().setdefault('CONTEXT_VARS', {{}})
if {step['var']!r} not in CONTEXT_VARS:
    CONTEXT_VARS[{step['var']!r}] = contextvars.ContextVar({step['var']!r})
CONTEXT_VARS[{step['var']!r}].set({value})
RESULT = repr(CONTEXT_VARS[{step['var']!r}].get())
'''


def source_path_append(step):
    return (f"import sys\nsys.path.append('/nonexistent/isolation/"
            f"{step['tag'].replace(' ', '-')}')\nRESULT = 'appended'\n")


def source_atexit(step):
    return (f"import atexit\natexit.register(print, 'exit function of "
            f"{step['tag']}')\nRESULT = 'registered'\n")


def source_fork_hook(step):
    tag = step['tag']
    return f'''
import os
FORK_LOG = globals().setdefault('FORK_LOG', [])
os.register_at_fork(before=lambda: FORK_LOG.append('before, {tag}'),
                    after_in_parent=lambda: FORK_LOG.append('after, {tag}'))
RESULT = 'registered'
'''


def source_fork(step):
    return '''
import os
_pid = os.fork()
if _pid == 0:
    os._exit(0)
os.waitpid(_pid, 0)
RESULT = 'forked'
'''


def source_gc(step):
    return "import gc\ngc.collect()\nRESULT = 'collected'\n"


# The inner step runs in a thread of the world, started and joined; its
# exception, if any, becomes its result (a traceback printed by the
# thread would name the frames of each world's import system).
def source_thread(step):
    inner = 'RESULT = None\n' + source(step['inner'])
    return f'''
import threading
def _in_thread():
    global RESULT
    try:
        exec(compile({inner!r}, '<isolation>', 'exec'), globals())
    except Exception as exc:
        RESULT = f'{{type(exc).__name__}}: {{exc}}'
_thread = threading.Thread(target=_in_thread)
_thread.start()
_thread.join()
'''


def source_create(step):
    return f'''
import io, realm
_REALMS = globals().setdefault('_REALMS', {{}})
_REALMS[{step['realm']!r}] = realm.Realm(stdout=io.StringIO(),
                                         stderr=io.StringIO())
'''


def source_clone(step):
    # The clone shares its original's standard streams (Doc/library/
    # realm.rst): new ones, holding what the original wrote, keep what
    # each writes apart for the probes, as a reference run does.
    return f'''
import io
_REALMS = globals().setdefault('_REALMS', {{}})
_clone = _REALMS[{step['source']!r}].clone()
_clone.sys.stdout = io.StringIO(_clone.sys.stdout.getvalue())
_clone.sys.stdout.seek(0, io.SEEK_END)
_clone.sys.stderr = io.StringIO(_clone.sys.stderr.getvalue())
_clone.sys.stderr.seek(0, io.SEEK_END)
_REALMS[{step['realm']!r}] = _clone
del _clone
'''


def source_close(step):
    return f"_REALMS.pop({step['realm']!r}).close()\n"


SOURCES = {
    'import': source_import,
    'patch': source_patch,
    'import_at_limit': source_import_at_limit,
    'register_codec': source_register_codec,
    'register_error': source_register_error,
    'lookup_codec': source_lookup_codec,
    'encode_with_handler': source_encode_with_handler,
    'codec_race': source_codec_race,
    'simplefilter': source_simplefilter,
    'filterwarnings': source_filterwarnings,
    'resetwarnings': source_resetwarnings,
    'warn': source_warn,
    'logging_config': source_logging_config,
    'log': source_log,
    'context_var': source_context_var,
    'path_append': source_path_append,
    'atexit': source_atexit,
    'fork_hook': source_fork_hook,
    'fork': source_fork,
    'gc': source_gc,
    'thread': source_thread,
    'create': source_create,
    'clone': source_clone,
    'close': source_close,
}


def source(step):
    """The Python source of a step, run in its world."""
    return SOURCES[step['op']](step)


def mirror_of_create(step):
    """What creating a realm does to its creator, for a reference run
    (which makes no realm): the imports of the realm module."""
    return dict(step, op='import_realm_module')


SOURCES['import_realm_module'] = (
    lambda step: "import ast, realm\nRESULT = 'imported'\n")

# Steps that a realm made later inherits the effect of: a realm's warnings
# filters and sys.path start as copies of its creator's.
INHERITED = {'simplefilter', 'filterwarnings', 'resetwarnings',
             'path_append'}


def is_inherited(step):
    if step['op'] == 'thread':
        return step['inner']['op'] in INHERITED
    return step['op'] in INHERITED


def describe(step):
    """One line saying what a step does."""
    op = step['op']
    args = ', '.join(f'{key}={value!r}' for key, value in step.items()
                     if key not in ('world', 'op', 'inner'))
    if op == 'thread':
        return f"in a thread: {describe(step['inner'])}"
    return f'{op} {args}'.strip()


def listing(steps):
    """The lines of a sequence, as the tool prints it: its steps, then
    its end, when the worker closes the realms still open."""
    return [f"{index:3} {step['world']:<6} {describe(step)}"
            for index, step in enumerate(steps)] + [
        f"{len(steps):3} (end)  the realms still open are closed"]


# Drawing a sequence.

# Operations with their weights; thread wraps another operation.
WEIGHTS = {
    'import': 4, 'patch': 3, 'import_at_limit': 1.5, 'register_codec': 2,
    'register_error': 1.5, 'lookup_codec': 2, 'encode_with_handler': 1,
    'codec_race': 1.5, 'simplefilter': 2, 'filterwarnings': 1.5,
    'resetwarnings': 0.5, 'warn': 5, 'logging_config': 2, 'log': 2,
    'context_var': 2.5, 'path_append': 1.5, 'atexit': 1, 'fork_hook': 1,
    'fork': 0.7, 'gc': 0.7, 'thread': 3,
}
# Not in a thread: forking with threads, a race of threads, threads.
NOT_IN_THREADS = {'fork', 'codec_race', 'thread'}


class Draw:
    """The state of a sequence being drawn: the open realms and what
    each world has used."""

    def __init__(self, rng):
        self.rng = rng
        self.parents = {}           # every realm made: name -> parent
        self.sources = {}           # every clone: name -> its original
        self.creators = set()       # worlds that made a realm
        self.open = []              # open realms, in the order made
        self.race_codecs = {}       # world -> race codecs it looked up

    def depth(self, world):
        depth = 0
        while world != 'host':
            world, depth = self.parents[world], depth + 1
        return depth

    def descendants(self, name):
        return [realm for realm in self.open
                if realm != name and name in self.ancestors(realm)]

    def ancestors(self, world):
        while world != 'host':
            world = self.parents[world]
            yield world

    def create(self):
        parents = ['host'] + [realm for realm in self.open
                              if self.depth(realm) < MAX_DEPTH]
        name = f'r{len(self.parents) + 1}'
        parent = self.rng.choice(parents)
        self.parents[name] = parent
        self.open.append(name)
        self.creators.add(parent)
        return {'world': parent, 'op': 'create', 'realm': name}

    def clonable(self):
        # Realms that never made a realm (clone() refuses a realm whose
        # objects include another realm's), clones included.
        return [realm for realm in self.open if realm not in self.creators]

    def clone(self):
        source = self.rng.choice(self.clonable())
        name = f'c{len(self.parents) + 1}'
        parent = self.parents[name] = self.parents[source]
        self.sources[name] = source
        self.open.append(name)
        return {'world': parent, 'op': 'clone', 'realm': name,
                'source': source}

    def close(self):
        name = self.rng.choice(self.open)
        for realm in [name] + self.descendants(name):
            self.open.remove(realm)
        return {'world': self.parents[name], 'op': 'close', 'realm': name}

    def operation(self, world, tag, in_thread=False):
        names = [op for op in WEIGHTS
                 if not (in_thread and op in NOT_IN_THREADS)]
        op = self.rng.choices(names, [WEIGHTS[op] for op in names])[0]
        step = {'world': world, 'op': op}
        arguments = getattr(self, f'args_{op}', None)
        if arguments is not None:
            step.update(arguments(world, tag))
        if op == 'codec_race' and step['codecs'] is None:
            return self.operation(world, tag, in_thread)
        return step

    def args_import(self, world, tag):
        return {'module': self.rng.choice(MODULES)}

    args_import_at_limit = args_import

    def args_patch(self, world, tag):
        module, attr = self.rng.choice(PATCHABLE)
        return {'module': module, 'attr': attr, 'tag': tag}

    def args_register_codec(self, world, tag):
        return {'codec': self.rng.choice(SEARCHED), 'tag': tag}

    def args_register_error(self, world, tag):
        return {'handler': self.rng.choice(HANDLERS), 'tag': tag}

    def args_lookup_codec(self, world, tag):
        return {'codec': self.rng.choice(CODECS)}

    def args_encode_with_handler(self, world, tag):
        return {'handler': self.rng.choice(HANDLERS)}

    def args_codec_race(self, world, tag):
        used = self.race_codecs.setdefault(world, set())
        fresh = [codec for codec in RACE_CODECS if codec not in used]
        if len(fresh) < 2:
            return {'codecs': None}
        chosen = self.rng.sample(fresh, 2)
        used.update(chosen)
        return {'codecs': chosen}

    def args_simplefilter(self, world, tag):
        return {'action': self.rng.choice(WARNING_ACTIONS),
                'category': self.rng.choice(CATEGORIES)}

    def args_filterwarnings(self, world, tag):
        return dict(self.args_simplefilter(world, tag),
                    message=self.rng.choice(MESSAGES))

    def args_warn(self, world, tag):
        return {'message': self.rng.choice(MESSAGES),
                'category': self.rng.choice(CATEGORIES)}

    def args_logging_config(self, world, tag):
        return {'kind': self.rng.choice(('basicConfig', 'setLevel',
                                         'addHandler')),
                'logger': self.rng.choice(LOGGERS),
                'level': self.rng.choice(LEVELS), 'tag': tag}

    def args_log(self, world, tag):
        return {'logger': self.rng.choice(LOGGERS),
                'level': self.rng.choice(LEVELS), 'tag': tag}

    def args_context_var(self, world, tag):
        if self.rng.random() < 0.2:
            return {'var': self.rng.choice(CONTEXT_VARS),
                    'value': self.rng.randrange(100)}
        others = [realm for realm in self.open if realm != world]
        maker = world
        if others and self.rng.random() < 0.5:
            maker = self.rng.choice(others)
        return {'var': self.rng.choice(CONTEXT_VARS), 'value': 'Token',
                'tag': tag, 'maker': maker}

    def args_path_append(self, world, tag):
        return {'tag': tag}

    args_atexit = args_fork_hook = args_path_append

    def args_thread(self, world, tag):
        inner = self.operation(world, tag, in_thread=True)
        del inner['world']
        return {'inner': inner}


def draw(rng, min_steps=8, max_steps=24):
    """A random sequence of steps, drawn with rng (a random.Random)."""
    state = Draw(rng)
    steps = []
    for index in range(rng.randint(min_steps, max_steps)):
        tag = f'step {index}'
        choice = rng.random()
        if choice < 0.12 and len(state.open) < MAX_OPEN_REALMS:
            steps.append(state.create())
        elif choice < 0.17 and state.open:
            steps.append(state.close())
        elif (choice < 0.22 and state.clonable()
              and len(state.open) < MAX_OPEN_REALMS):
            steps.append(state.clone())
        else:
            world = rng.choice(['host'] + state.open)
            steps.append(state.operation(world, tag))
    return steps


MAKING = ('create', 'clone')


def without(steps, index):
    """The sequence without one step: without a realm's creation (or
    clone), also without everything done in it and in the realms made in
    it or cloned from it."""
    step = steps[index]
    if step['op'] not in MAKING:
        return steps[:index] + steps[index + 1:]
    gone = {step['realm']}
    kept = []
    for other in steps:
        if other['op'] in MAKING and (other['world'] in gone
                                      or other.get('source') in gone):
            gone.add(other['realm'])
        if other['world'] in gone or other.get('realm') in gone:
            continue        # done in, making or closing a realm gone
        kept.append(other)
    return kept
