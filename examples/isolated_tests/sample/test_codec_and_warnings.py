"""Registers a codec and an error handler, which stock Python never forgets."""

import codecs
import unittest


def search(name):
    if name == 'sample_rot13':
        return codecs.lookup('rot13')


class RegistersACodec(unittest.TestCase):

    def test_codec_is_new_here(self):
        with self.assertRaises(LookupError):
            codecs.lookup('sample_rot13')
        codecs.register(search)
        self.assertEqual(codecs.encode('abc', 'sample_rot13'), 'nop')

    def test_error_handler_is_new_here(self):
        with self.assertRaises(LookupError):
            codecs.lookup_error('sample_handler')
        codecs.register_error('sample_handler', codecs.replace_errors)
