"""Passes only in a world that test_patches_json has not touched."""

import json
import sys
import unittest
import warnings


class ExpectsAFreshWorld(unittest.TestCase):

    def test_json_dumps_is_the_real_one(self):
        self.assertEqual(json.dumps([1]), '[1]')

    def test_sys_path_and_argv_are_clean(self):
        self.assertNotIn('/nonexistent/left-behind', sys.path)
        self.assertNotIn('--left-behind', sys.argv)

    def test_warnings_are_not_errors(self):
        with warnings.catch_warnings(record=True):
            warnings.warn('only a warning')
