"""What a world can observe, as strings: run in the world itself.

The probe reads state and changes none that a step could see: it imports
codecs and warnings (every world has them once it ran any step), looks
at modules only if the world imported them, and finds loggers without
making them.
"""

from isolation import catalogue

SOURCE = f'''
import sys


def _isolation_probe():
    observed = {{}}

    def observe(key, function):
        try:
            observed[key] = str(function())
        except Exception as exc:
            observed[key] = f'{{type(exc).__name__}}: {{exc}}'

    modules = sys.modules
    observe('modules imported', lambda: sorted(
        name for name in {catalogue.MODULES!r} if name in modules))
    for module, attr in {catalogue.PATCHABLE!r}:
        if module in modules:
            observe(f'{{module}}.{{attr}}',
                    lambda: describe(getattr(modules[module], attr)))
    # The C state of extension modules: a clone's is made afresh.
    if 'csv' in modules:
        observe('csv dialects', lambda: modules['csv'].list_dialects())
    if 'pickle' in modules:
        observe('pickle round trip', lambda: modules['pickle'].loads(
            modules['pickle'].dumps({{'k': [1]}})))
    import codecs
    for name in {catalogue.CODECS!r}:
        observe(f'codecs.lookup({{name!r}})',
                lambda: codecs.lookup(name).name)
    for handler in {catalogue.HANDLERS!r}:
        observe(f'encoded with {{handler}}',
                lambda: '\\xe9'.encode('ascii', handler))
    import warnings
    observe('warnings.filters', lambda: warnings.filters)
    observe('warnings shown', lambda: warning_lines(True))
    observe('stderr', lambda: warning_lines(False))
    observe('stdout', lambda: sys.stdout.getvalue())
    if 'logging' in modules:
        observe('logging', lambda: loggers(modules['logging']))
    for name, var in sorted(globals().get('CONTEXT_VARS', {{}}).items()):
        observe(f'context variable {{name}}', lambda: var.get('<unset>'))
    observe('sys.path', lambda: sys.path)
    if 'datetime' in modules:
        observe('date.isocalendar() class', isocalendar_class)
    import atexit
    observe('atexit functions', atexit._ncallbacks)
    observe('fork hooks run', lambda: globals().get('FORK_LOG', []))
    return observed


def describe(value):
    return value if isinstance(value, str) else type(value).__name__


def warning_lines(shown):
    # A warning shown for code of a step is one line: no source line.
    # os.fork() warns when the process has another OS thread, which a
    # thread joined a moment before may still be: timing, not isolation.
    return [line for line in sys.stderr.getvalue().splitlines()
            if line.startswith('<isolation>:') == shown
            and 'is multi-threaded, use of fork()' not in line]


def loggers(logging):
    described = []
    for name in {catalogue.LOGGERS!r}:
        logger = (logging.root if not name
                  else logging.root.manager.loggerDict.get(name))
        if logger is None:
            continue
        described.append((name, logger.level, [
            (type(handler).__name__, stream_name(getattr(handler, 'stream',
                                                         None)),
             getattr(handler.formatter, '_fmt', None), handler.level)
            for handler in logger.handlers]))
    return described


def stream_name(stream):
    for name in ('stdout', 'stderr'):
        if stream is getattr(sys, name):
            return name
    return type(stream).__name__


def isocalendar_class():
    # The class of the first answer this world saw, then whether the
    # answers stay of that class.
    import datetime
    cls = type(datetime.date(2020, 1, 1).isocalendar())
    first = globals().setdefault('_ISOCALENDAR_CLASS', cls)
    return 'the same as at first' if cls is first else f'another: {{cls!r}}'
'''
SOURCE = compile(SOURCE, '<isolation probe>', 'exec', dont_inherit=True)
CALL = compile('_isolation_probe()', '<isolation probe>', 'eval',
               dont_inherit=True)


def probe(world):
    """What the world observes now (world: see worker.World)."""
    try:
        world.run(SOURCE)
        return world.evaluate(CALL)
    except Exception as exc:
        return {'probe': f'{type(exc).__name__}: {exc}'}
