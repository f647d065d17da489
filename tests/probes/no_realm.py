"""What a program that makes no realm can observe about builtins, namespaces,
copies and pickles: run by the stock and the patched interpreter, whose
outputs must be equal (tests/test_no_realm_no_change.py).  Each line is a
label and an outcome; the six special names that the patched default
builtins hold are left out of key listings (a documented difference)."""

import _thread
import builtins
import copy
import ctypes
import functools
import pickle
import sys
import threading
import types

SPECIAL = {'__sys__', '__modules__', '__importlib__', '__codec_search_path__',
           '__codec_search_cache__', '__codec_error_registry__'}
EVAL_INPUT, FILE_INPUT = 258, 257

api = ctypes.pythonapi
api.PyRun_String.argtypes = [ctypes.c_char_p, ctypes.c_int,
                             ctypes.py_object, ctypes.py_object]
api.PyRun_String.restype = ctypes.py_object
# These two return borrowed references: a py_object result would steal one.
for func in (api.PyEval_GetBuiltins, api.PyImport_GetModuleDict):
    func.restype = ctypes.c_void_p
    func.argtypes = []


def borrowed(func):
    return lambda: ctypes.cast(func(), ctypes.py_object).value


def show(label, func):
    try:
        outcome = func()
    except Exception as exc:
        outcome = f'{type(exc).__name__}: {exc}'
    print(f'{label}: {outcome}')


def keys(d):
    return sorted(k for k in d if k not in SPECIAL)


def which_builtins(b):
    if b is vars(builtins):
        return 'default dict'
    if b is builtins:
        return 'builtins module'
    return f'other {type(b).__name__} of {len(keys(b))} names'


# exec() and eval() with custom, missing and module builtins.
for label, custom in (('empty', {}), ('len only', {'len': len}),
                      ('module', builtins), ('copy', dict(vars(builtins)))):
    show(f'eval len with {label} builtins',
         lambda: eval('len("abc")', {'__builtins__': custom}))
    target = {}
    show(f'exec under {label} builtins gives them', lambda: which_builtins(
        eval('ex("y = 1", target) or target["__builtins__"]',
             {'__builtins__': custom, 'ex': exec, 'target': target})))
ns = {}
exec('x = 1', ns)
show('exec fills __builtins__', lambda: which_builtins(ns['__builtins__']))

# PyRun_String() called by C code that Python code with other builtins
# called, and PyEval_GetBuiltins() from there.
for label, custom in (('empty', {}), ('len=None', {'len': None}),
                      ('copy', dict(vars(builtins)))):
    fresh = {}
    run = functools.partial(api.PyRun_String, b'len("abc")', EVAL_INPUT,
                            fresh, fresh)
    show(f'PyRun_String under {label} builtins',
         lambda: eval('run()', {'__builtins__': {**custom, 'run': run}}))
    show(f'PyRun_String globals under {label} builtins',
         lambda: which_builtins(fresh.get('__builtins__')))
    under = {**custom, 'get': api.PyEval_GetBuiltins}
    show(f'PyEval_GetBuiltins under {label} builtins',
         lambda: which_builtins(ctypes.cast(
             eval('get()', {'__builtins__': under}), ctypes.py_object).value))
show('PyEval_GetBuiltins at module level',
     lambda: which_builtins(borrowed(api.PyEval_GetBuiltins)()))
show('PyImport_GetModuleDict is sys.modules',
     lambda: borrowed(api.PyImport_GetModuleDict)() is sys.modules)

# A thread whose target is implemented in C, started under other builtins.
for label, custom in (('empty', {}), ('copy', dict(vars(builtins)))):
    target_globals = {'done': threading.Event()}
    eval('start(ex, ("seen = __builtins__; done.set()", target_globals))',
         {'__builtins__': custom, 'start': _thread.start_new_thread,
          'ex': exec, 'target_globals': target_globals})
    target_globals['done'].wait(60)
    show(f'thread with a C target started under {label} builtins',
         lambda: which_builtins(target_globals['seen']))

# Deep copies and pickles of namespaces and of builtins dicts.
ns = {}
exec('x = [1]', ns)
show('deepcopy of an exec namespace', lambda: (
    keys(copy.deepcopy(ns)),
    keys(copy.deepcopy(ns)['__builtins__']) == keys(vars(builtins))))
show('deepcopy keeps the namespace\'s lists apart',
     lambda: copy.deepcopy(ns)['x'] is not ns['x'])
show('deepcopy of the builtins dict',
     lambda: keys(copy.deepcopy(vars(builtins))) == keys(vars(builtins)))
for proto in range(pickle.HIGHEST_PROTOCOL + 1):
    show(f'pickle of an exec namespace, protocol {proto}', lambda: (
        keys(pickle.loads(pickle.dumps(ns, proto))),
        keys(pickle.loads(pickle.dumps(ns, proto))['__builtins__'])
        == keys(vars(builtins))))
    show(f'pure-Python pickle of an exec namespace, protocol {proto}',
         lambda: keys(pickle.loads(pickle._dumps(ns, proto))))
data = {'__sys__': 'linux', '__modules__': ['a', 'b']}
show('deepcopy of data that binds __sys__', lambda: (
    copy.deepcopy(data), copy.deepcopy(data)['__modules__']
    is not data['__modules__']))
for proto in (0, pickle.HIGHEST_PROTOCOL):
    show(f'pickle of data that binds __sys__, protocol {proto}',
         lambda: (pickle.loads(pickle.dumps(data, proto)),
                  pickle.loads(pickle._dumps(data, proto))))
show('deepcopy of a module', lambda: copy.deepcopy(types))
show('deepcopy of a namespace holding a module',
     lambda: copy.deepcopy({'m': types}))
show('pickle of a module', lambda: pickle.dumps(types))
show('copy of a module', lambda: copy.copy(types))

# None under a special name: only a closed realm's builtins bind all six to
# it; anywhere else it means what a missing name means.
for names in (('__sys__',), ('__sys__', '__modules__', '__importlib__')):
    custom = dict.fromkeys(names)
    custom.update(__import__=__import__, print=print)
    # print() finds sys.stdout through the current builtins.
    show(f'print and import with {", ".join(names)} None',
         lambda: eval('print("printed;", end=" ") or '
                      '__import__("types").__name__',
                      {'__builtins__': custom}))
