"""python -m census [--pytest] [--json] [MODULE ...]: make a realm, import
the modules in it, and print what the realm holds by kind.

Run with the patched interpreter, with Tools/ on PYTHONPATH (make census).
"""

import argparse
import gc
import json
import sys

from . import walk

PYTEST = ('import pytest, _pytest.config\n'
          'config = _pytest.config.get_config()\n'
          'for name in _pytest.config.default_plugins:\n'
          '    config.pluginmanager.import_plugin(name)\n'
          'del config, name\n')


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m census',
                                     description=__doc__.splitlines()[0])
    parser.add_argument('modules', nargs='*', metavar='MODULE',
                        help='modules to import in the realm')
    parser.add_argument('--pytest', action='store_true',
                        help='import pytest and its default plugins')
    parser.add_argument('--json', action='store_true',
                        help='print the counts as JSON')
    args = parser.parse_args(argv)
    try:
        import realm
    except ImportError:
        parser.error('needs the patched interpreter (no realm module)')
    code = ''.join(f'import {name}\n' for name in args.modules)
    if args.pytest:
        code += PYTEST
    label = ' '.join(args.modules + ['pytest and its default plugins']
                     * args.pytest) or 'nothing'
    with realm.Realm() as r:
        try:
            r.exec(code)
        except Exception as exc:
            sys.exit(f'census: importing {label} in the realm failed: '
                     f'{type(exc).__name__}: {exc}')
        gc.collect()
        result = walk.take(r).as_dict()
    result['imported'] = label
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f'A realm after importing {label}: {result["owned"]:,} objects '
          f'of its own (a clone copies them), {result["shared"]:,} shared '
          'objects they reach.\n')
    for title, kinds in (('Copied', result['owned_kinds']),
                         ('Shared', result['shared_kinds'])):
        print(f'| {title} | objects |\n|---|---|')
        for kind, count in kinds.items():
            print(f'| {kind} | {count:,} |')
        print()


if __name__ == '__main__':
    main()
