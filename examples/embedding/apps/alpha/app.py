"""Application alpha: a request handler with module state of its own."""

import json
import os
import sys
import threading

import alpha_helper

NAME = 'alpha'
served = 0
_lock = threading.Lock()


def handle(request_id):
    global served
    with _lock:
        served += 1
        count = served
    print(f'{NAME} served {request_id} ({count})')     # the realm's stdout
    seen = sorted(name for name in sys.modules if name.endswith('_helper'))
    return (f'app={NAME} count={count} helper={alpha_helper.NAME} '
            f'path0={os.path.basename(sys.path[0])} '
            f'helpers_loaded={",".join(seen)} json={json.dumps([1])}')
