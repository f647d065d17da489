"""The side of pytest-realms that runs inside a test file's realm.

The host imports this module through the realm (``Realm.import_module``),
so that it and the pytest it drives are the realm's own: a pytest session
of the realm's pytest collects the one file, runs the items the host asks
for, and sends every report to the host as plain data (the same dicts
pytest-xdist sends between processes).

PYTEST_DONT_REWRITE: imported before the session starts.
"""

import os

import pytest
# Private names, each used by a plugin of pytest's own or pytest-xdist too
# (said where used).
import _pytest.config
from _pytest.config import create_terminal_writer
from _pytest.mark import KeywordMatcher


class Forwarder:
    """A plugin of the realm's session: reports go to the host.  Those of
    the collection only when the session collects for the host (the realm
    that runs a file's items collects it a second time)."""

    def __init__(self, send, collecting):
        self.send = send
        self.collecting = collecting
        self.config = None
        self.shares = {}

    def pytest_configure(self, config):
        self.config = config

    def _serialize(self, report):
        return self.config.hook.pytest_report_to_serializable(
            config=self.config, report=report)

    def pytest_runtest_logreport(self, report):
        self.send("runtest", self._serialize(report))

    def pytest_exception_interact(self, node, call, report):
        # Before pytest_collectreport: the module to share that realm puts
        # on an ImportError of an extension module (realm_share, in
        # realm.rst) goes with the report.
        if isinstance(report, pytest.CollectReport):
            share = realm_share(call.excinfo.value)
            if share is not None:
                self.shares[report.nodeid] = share

    def pytest_collectreport(self, report):
        share = self.shares.pop(report.nodeid, None)
        if self.collecting and not report.passed:
            data = self._serialize(report)
            if share is not None:
                data["realm_share"] = share     # an attribute in the host
            self.send("collect", data)

    def pytest_warning_recorded(self, warning_message, when, nodeid,
                                location):
        if when == "collect" and not self.collecting:
            return
        category = warning_message.category
        base = next(cls for cls in category.__mro__
                    if cls.__module__ == "builtins")
        self.send("warning", {
            "message": str(warning_message.message),
            "category": (category.__module__, category.__qualname__,
                         base.__name__),
            "filename": warning_message.filename,
            "lineno": warning_message.lineno,
            "line": warning_message.line,
            # Lent to the host for the hook call, for pytest's tracemalloc
            # hint (where a ResourceWarning's object was allocated).
            "source": warning_message.source,
            "when": when, "nodeid": nodeid,
            "location": None if location is None else tuple(location)})


def realm_share(exc):
    """The realm_share of an exception or of one in its chain."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        share = getattr(exc, "realm_share", None)
        if isinstance(share, str):
            return share
        exc = exc.__cause__ or exc.__context__
    return None


def keywords(item):
    """The names -k matches against, as pytest's own KeywordMatcher takes
    them from the item, its parents and its function: the host's item has
    other parents and no function.  _names is private (pytest-xdist sends
    no keywords: its workers select for themselves)."""
    return KeywordMatcher.from_item(item)._names


def describe(item, mark_index):
    """What the host needs to select, order and report the item: the nodes
    between its file and itself (classes) too, for the host to make the
    same tree, and what conftest hooks read on items.  Its markers are
    indices into the file's table of marks (mark_index), which holds each
    once: every case of a parametrized test has its parametrize mark, with
    all the values."""
    chain = item.listchain()
    files = [i for i, node in enumerate(chain)
             if isinstance(node, pytest.File)]
    between = chain[files[-1] + 1:-1] if files else []
    path, lineno, domain = item.reportinfo()
    return {"nodeid": item.nodeid, "name": item.name,
            "kind": type(item).__name__,
            "parents": [(node.name, node.nodeid, type(node).__name__)
                        for node in between],
            "path": os.fspath(path), "lineno": lineno, "domain": domain,
            "keywords": sorted(keywords(item)),
            "markers": [mark_index(mark) for mark in item.iter_markers()],
            "fixturenames": list(getattr(item, "fixturenames", ())),
            "originalname": getattr(item, "originalname", item.name),
            "callspec": callspec(item)}


def callspec(item):
    """The item's parameters, plain(), or None if it has none."""
    spec = getattr(item, "callspec", None)
    if spec is None:
        return None
    return {"id": spec.id,
            "params": dict(zip(spec.params, plain(spec.params.values()))),
            "indices": dict(spec.indices)}


def describe_mark(mark):
    return (mark.name, plain(mark.args),
            dict(zip(mark.kwargs, plain(mark.kwargs.values()))))


PLAIN = (str, int, float, bool, type(None))


def plain(values):
    """The arguments of a marker as the host may keep them: objects of the
    realm (parametrize's values, say) would keep it alive; they become
    their repr()."""
    return tuple(value if type(value) in PLAIN else repr(value)
                 for value in values)


class FileSession:
    """A pytest session of the realm's pytest over one test file."""

    def __init__(self, args, path, options, send, collecting=True):
        """args: the host's command line (the configuration file's addopts
        and PYTEST_ADDOPTS apply here as there); path: the one file to
        collect; options: dests to set once parsed (the host-only ones)."""
        self.forwarder = Forwarder(send, collecting)
        # As pytest-xdist's worker makes its config (xdist/remote.py).
        self.config = _pytest.config._prepareconfig(
            list(args), plugins=[self.forwarder])
        for dest, value in options.items():
            setattr(self.config.option, dest, value)
        self.config.args = [path]
        try:
            from _pytest.unraisableexception import gc_collect_iterations_key
        except ImportError:     # pytest before 8.4
            pass
        else:
            # At its end a session collects garbage five times, to report
            # unraisable exceptions; in a realm each collection walks the
            # heap of the whole process, the host's included, so none (as
            # pytest's pytester does for its in-process runs; the host
            # collects once after closing the realm).
            self.config.stash[gc_collect_iterations_key] = 0
        self.session = None
        self.items = []
        self._null = open(os.devnull, "w")
        # _do_configure() and _ensure_unconfigure(), as pytest's pytester
        # configures and unconfigures a config it made.
        self.config._do_configure()
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            # The host reports; the realm's reporter stays (plugins and
            # assertion rewriting use its writer) but writes nowhere.
            # _tw: pytest's pastebin and debugging plugins use it too.
            reporter._tw = create_terminal_writer(self.config, self._null)
        self.session = pytest.Session.from_config(self.config)
        self.session.exitstatus = 0
        self.config.hook.pytest_sessionstart(session=self.session)

    def collect(self):
        """Collect the file: the table of its marks and describe() of each
        item."""
        self.config.hook.pytest_collection(session=self.session)
        self.items = list(self.session.items)
        table, indices = [], {}

        def mark_index(mark):
            # The items keep their marks alive: ids are stable meanwhile.
            if id(mark) not in indices:
                indices[id(mark)] = len(table)
                table.append(describe_mark(mark))
            return indices[id(mark)]

        described = [describe(item, mark_index) for item in self.items]
        return table, described

    def run(self, index, next_index):
        """Run item index (setup, call, teardown), with the item that runs
        next (None at the end of the file) deciding which fixtures go.
        Return (reason, returncode) if the test called pytest.exit(): the
        realm's Exit is not the host's."""
        item = self.items[index]
        nextitem = None if next_index is None else self.items[next_index]
        try:
            item.ihook.pytest_runtest_protocol(item=item, nextitem=nextitem)
        except pytest.exit.Exception as exc:
            return exc.msg, exc.returncode
        return None

    def finish(self, exitstatus=0):
        """End the session: its remaining fixtures are torn down."""
        try:
            if self.session is not None:
                self.config.hook.pytest_sessionfinish(
                    session=self.session, exitstatus=exitstatus)
        finally:
            self.config._ensure_unconfigure()
            self._null.close()
