"""Alpha's helper: it replaces json.dumps, in alpha's json only."""

import json

NAME = 'alpha-helper'
json.dumps = lambda obj, **kwargs: f'<alpha {obj!r}>'
