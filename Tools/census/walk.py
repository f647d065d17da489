"""The census of one realm: a walk of the object graph from the realm's
state that stops at what is the host's and at what is immutable.

It runs in the host of the patched interpreter and runs no code of the
realm's: gc.get_referents() and type checks through type's own
descriptors only (an attribute of an object of the realm's could be a
property).
"""

import builtins
import collections
import gc
import sys
import types

# What never needs a copy: objects that hold nothing mutable.  Exact types:
# a subclass (an enum member) is an instance of a class of the realm's.
ATOMS = frozenset({str, bytes, int, float, complex, bool, type(None),
                   type(...), type(NotImplemented), types.CodeType, range})
IMMUTABLE_CONTAINERS = frozenset({tuple, frozenset})
HEAPTYPE = 1 << 9       # Py_TPFLAGS_HEAPTYPE

_flags = type.__dict__['__flags__'].__get__
_module = type.__dict__['__module__'].__get__
_qualname = type.__dict__['__qualname__'].__get__
_namespace = type.__dict__['__dict__'].__get__
_module_dict = types.ModuleType.__dict__['__dict__'].__get__


def _is_type(obj):
    return issubclass(type(obj), type)


def _is_module(obj):
    return issubclass(type(obj), types.ModuleType)


def _name_of(kind):
    module = _module(kind)
    return (_qualname(kind) if module == 'builtins'
            else f'{module}.{_qualname(kind)}')


class Census:
    """What a clone of the realm copies (owned) and what it keeps (shared),
    counted by kind."""

    def __init__(self):
        self.owned = collections.Counter()
        self.shared = collections.Counter()

    def as_dict(self):
        return {'owned': self.owned.total(), 'shared': self.shared.total(),
                'owned_kinds': dict(self.owned.most_common()),
                'shared_kinds': dict(self.shared.most_common())}


def host_objects(realm_ids):
    """The ids of what the host reaches without going through the realm:
    its modules, its builtins and what they hold (the standard streams, the
    modules it shares)."""
    seen = set(realm_ids)
    todo = [sys.modules, vars(builtins)]
    while todo:
        obj = todo.pop()
        if id(obj) not in seen:
            seen.add(id(obj))
            todo.extend(gc.get_referents(obj))
    return seen - set(realm_ids)


def _owned_kind(obj, realm, namespaces):
    kind = type(obj)
    if _is_module(obj):
        return ('module (Python code)' if realm._owns(obj)
                else 'module (extension module, the realm\'s object)')
    if kind is dict:
        return 'dict (module namespace)' if id(obj) in namespaces else 'dict'
    if _is_type(obj):       # a heap type: static types are shared
        if '__firstlineno__' in _namespace(obj):
            return 'type (class statement)'
        return 'type (C heap type or type())'
    if kind in IMMUTABLE_CONTAINERS:
        return f'{kind.__name__} holding owned objects'
    if kind is types.BuiltinFunctionType:
        return 'built-in function bound to an owned object'
    if _flags(kind) & HEAPTYPE:
        if '__firstlineno__' in _namespace(kind):
            return 'instance of a class statement'
        return f'object of {_name_of(kind)}'
    return _name_of(kind)


def take(realm):
    """The census of an open realm: everything reachable from its builtins,
    its sys and its modules that is neither the host's nor immutable."""
    realm_ids = {id(realm), id(vars(realm)), id(realm.builtins),
                 id(realm.sys), id(_module_dict(realm.sys)),
                 id(realm.modules)}
    host = host_objects(realm_ids)
    modules = [m for m in realm.modules.values() if _is_module(m)]
    roots = [realm.builtins, realm.sys, realm.modules, *modules]
    root_ids = {id(obj) for obj in roots}
    census = Census()
    seen, owned, todo = set(), [], list(roots)
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        kind = type(obj)
        if kind in ATOMS:
            census.shared[f'immutable {_name_of(kind)}'] += 1
        elif _is_type(obj) and not _flags(obj) & HEAPTYPE:
            census.shared['static type'] += 1
        elif id(obj) in host and id(obj) not in root_ids:
            census.shared[f"the host's {_name_of(kind)}"] += 1
        else:
            owned.append(obj)
            todo.extend(gc.get_referents(obj))
    # A tuple or frozenset needs a copy only if it holds one.
    owned_ids = {id(obj) for obj in owned}
    namespaces = {id(_module_dict(m)) for m in modules}
    for obj in owned:
        kind = type(obj)
        if kind in IMMUTABLE_CONTAINERS and not any(
                id(item) in owned_ids for item in gc.get_referents(obj)):
            census.shared[f'immutable {_name_of(kind)}'] += 1
        else:
            census.owned[_owned_kind(obj, realm, namespaces)] += 1
    return census
