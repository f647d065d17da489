"""Changes global state, as tests that monkeypatch without cleaning up do."""

import json
import sys
import unittest
import warnings


class PatchesTheWorld(unittest.TestCase):

    def test_patch_json_dumps(self):
        json.dumps = lambda obj, **kwargs: 'patched'
        self.assertEqual(json.dumps([1]), 'patched')

    def test_grow_sys_path_and_argv(self):
        sys.path.insert(0, '/nonexistent/left-behind')
        sys.argv.append('--left-behind')
        warnings.simplefilter('error')
        self.assertIn('--left-behind', sys.argv)
