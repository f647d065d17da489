"""Run regrtest files with unittest: in the host, each in a fresh realm, or
each in a clone of a realm that imported what the file imports.

Run by the patched interpreter for `make test-in-realm` (see inrealm.py,
which compares the modes); it prints one JSON object per line: a "start"
line before each test file, then its counts, so that the parent knows
which file a crash or a hang interrupted.

    python inrealm_worker.py --mode realm test_json test_base64
"""

import argparse
import ast
import faulthandler
import importlib.util
import json
import sys
import time

# The code that runs a test file, in the host's __main__-like namespace or
# in a realm's.  No resources are enabled, as in regrtest without -u.
RUN = '''
import unittest
from test import support
support.use_resources = []
try:
    _suite = unittest.defaultTestLoader.loadTestsFromName(MODULE)
except unittest.SkipTest as exc:
    COUNTS = {'skipped_file': str(exc)}
else:
    _result = unittest.TestResult()
    _suite.run(_result)
    # The first few tests that did not pass, to start an investigation.
    _bad = [_test.id() for _test, _ in _result.failures + _result.errors]
    COUNTS = {'not_passed': _bad[:10],
              'run': _result.testsRun,
              'failures': len(_result.failures),
              'errors': len(_result.errors),
              'skipped': len(_result.skipped),
              'expected_failures': len(_result.expectedFailures),
              'unexpected_successes': len(_result.unexpectedSuccesses)}
'''


def module_of(name):
    """The module of a regrtest name: test_os, or the module of a split
    package, test.test_concurrent_futures.test_wait."""
    return name if name.startswith('test.') else 'test.' + name


def namespace_for(name):
    return {'MODULE': module_of(name), '__name__': '__inrealm__'}


def run_in_host(name):
    namespace = namespace_for(name)
    exec(RUN, namespace)
    return namespace['COUNTS']


def run_in_realm(name):
    import realm
    # The realm's standard streams are the host's, as a test run by
    # regrtest gets real files (some tests need their fileno()).
    with realm.Realm() as r:
        namespace = namespace_for(name)
        r.exec(RUN, namespace)
        return namespace['COUNTS']


# What every template imports before the file's own imports.
TEMPLATE_IMPORTS = ('unittest', 'test.support')


def imported_modules(name):
    """The modules that NAME's test module imports at its top level (in
    its body, and in the if and try blocks there), in order, relative
    imports resolved; the test module itself is not imported."""
    own = module_of(name)
    spec = importlib.util.find_spec(own)
    if spec is None or not spec.origin or not spec.origin.endswith('.py'):
        return []
    with open(spec.origin, 'rb') as file:
        tree = ast.parse(file.read())
    package = (own if spec.submodule_search_locations
               else own.rpartition('.')[0])
    found = []

    def visit(statements):
        for node in statements:
            if isinstance(node, ast.Import):
                found.extend(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ''
                if node.level:
                    base = importlib.util.resolve_name(
                        '.' * node.level + base, package)
                found.append(base)
                # from package import submodule
                found.extend(f'{base}.{alias.name}' for alias in node.names
                             if alias.name != '*')
            elif isinstance(node, (ast.If, ast.Try)):
                for block in ('body', 'orelse', 'finalbody'):
                    visit(getattr(node, block, ()))
                for handler in getattr(node, 'handlers', ()):
                    visit(handler.body)

    visit(tree.body)
    return [module for module in dict.fromkeys(found)
            if module != own and not module.startswith(own + '.')]


# Run in the template: import what the file imports, as far as it goes.
# A module that does not import (a missing optional module, a name that is
# a class, not a submodule) is left to the test file, as it would be.
# Resources are off before the imports, as RUN has them: helper modules
# decide their skips when imported (test.pickletester's
# @requires_resource('cpu')).
PREPARE = '''
import importlib
from test import support
support.use_resources = []
for _name in MODULES:
    try:
        importlib.import_module(_name)
    except Exception:       # ImportError, unittest.SkipTest...
        pass
del _name
'''


def run_in_clone(name):
    """Run NAME's test module in a clone of a realm that imported
    test.support, unittest and the modules the file imports; the template
    is closed before the file runs, so the clone stands on its own.  When the
    template cannot be cloned, the file runs in the template (a fresh realm
    that imported those modules) and the record says why."""
    import realm
    template = realm.Realm()
    try:
        template.exec(PREPARE, {'MODULES': (*TEMPLATE_IMPORTS,
                                            *imported_modules(name))})
        try:
            world = template.clone()
        except RuntimeError as exc:
            refused = str(exc)
            world, template = template, None
        else:
            refused = None
    finally:
        if template is not None:
            template.close()
    with world:
        namespace = namespace_for(name)
        world.exec(RUN, namespace)
        counts = namespace['COUNTS']
    if refused is not None:
        counts['clone_refused'] = refused[:500]
    return counts


def emit(record):
    # Whole lines among whatever the tests print; the parent skips the rest.
    sys.__stdout__.write('\n' + json.dumps(record) + '\n')
    sys.__stdout__.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--mode', choices=tuple(RUNNERS), required=True)
    parser.add_argument('--timeout', type=float, default=900,
                        help='seconds a test file may take before the '
                             'process dumps its stacks and exits')
    parser.add_argument('tests', nargs='+')
    args = parser.parse_args()
    # A fatal signal prints every thread's stack into the output the
    # parent keeps for a crashed file.
    faulthandler.enable(all_threads=True)
    run = RUNNERS[args.mode]
    for name in args.tests:
        emit({'name': name, 'start': True})
        faulthandler.dump_traceback_later(args.timeout, exit=True)
        start = time.perf_counter()
        try:
            counts = run(name)
        except BaseException as exc:  # a test file that breaks the runner
            counts = {'runner_error': f'{type(exc).__name__}: {exc}'[:300]}
        faulthandler.cancel_dump_traceback_later()
        emit({'name': name, 'seconds': round(time.perf_counter() - start, 2),
              **counts})


RUNNERS = {'host': run_in_host, 'realm': run_in_realm, 'clone': run_in_clone}


if __name__ == '__main__':
    main()
