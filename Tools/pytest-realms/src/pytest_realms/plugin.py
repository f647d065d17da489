"""pytest-realms: every test file collected and run in a fresh realm.

With ``--realms``, the host's pytest session still walks the directories,
selects (-k, -m, --lf, --deselect), reports and decides when to stop (-x),
but each test module is a RealmModule, collected by a pytest session of a
realm's own pytest over that one file (inrealm.FileSession) in a realm
closed at once; a second realm of the file's runs its selected items.
Each is a clone of a template realm that imported pytest (Realm.clone()),
or a new realm if the template cannot be cloned.  The
host's items stand for the realm's; their reports come back as plain data
and go through the host's hooks, so the terminal, --junitxml, --lf and -x
see them as without the option.
"""

import builtins
import contextlib
import functools
import gc
import importlib
import os
import platform
import sys
import warnings
from pathlib import Path

import pytest
# Private: the host's fixtures plugin reads a Scope (CallSpec below).
from _pytest.scope import Scope

# pytest-xdist's modes that keep a file's tests in one worker, where its
# realm is.
WHOLE_FILE_DIST_MODES = ("no", "loadfile", "loadgroup")


def pytest_addoption(parser):
    group = parser.getgroup("realms", "isolated test files (realm module)")
    group.addoption(
        "--realms", action="store_true", default=False,
        help="collect and run each test file in a fresh realm.Realm() of "
             "its own: its conftest files and the modules it imports are "
             "its own")
    group.addoption(
        "--realms-share", metavar="MODULE,...", default="",
        help="put these host modules (and their submodules) into every "
             "realm instead of loading them afresh there: heavy modules, "
             "or extension modules that can be loaded once per process")


def pytest_configure(config):
    if not config.getoption("realms"):
        return
    try:
        import realm
    except ImportError:
        raise pytest.UsageError(
            f"--realms needs an interpreter with the realm module (the "
            f"realm-cpython build); {sys.executable} is "
            f"{platform.python_implementation()} "
            f"{platform.python_version()} without it") from None
    dist = config.getoption("dist", "no")
    if dist not in WHOLE_FILE_DIST_MODES and \
            not hasattr(config, "workerinput"):
        raise pytest.UsageError(
            f"--realms needs --dist loadfile or --dist loadgroup under "
            f"pytest-xdist, so that a file's tests run in one worker, where "
            f"its realm is (got --dist {dist})")
    share = [name.strip() for name in
             config.getoption("realms_share").split(",") if name.strip()]
    for name in share:
        # A realm imports what it shares in the host anyway: a name that
        # cannot be imported is one usage error, not an error per file.
        try:
            importlib.import_module(name)
        except ImportError as exc:
            if isinstance(exc, ModuleNotFoundError) and exc.name == name:
                raise pytest.UsageError(
                    f"--realms-share: no module named {name!r}") from None
            raise pytest.UsageError(
                f"--realms-share: importing {name!r} failed: "
                f"{type(exc).__name__}: {exc}") from None
    config.pluginmanager.register(Scheduler(config, realm, share),
                                  "realms-scheduler")


# Options the host acts on for the whole session, by dest: each file's
# session gets them reset, as pytest-xdist's workers get theirs
# (xdist/remote.py setup_config).  Selection, stopping, the cache's
# orderings, reports to files, and the plugins that start processes.
HOST_ONLY = {
    "realms": False, "realms_share": "",
    "keyword": "", "markexpr": "", "deselect": [], "collectonly": False,
    "exitfirst": False, "maxfail": 0,
    "lf": False, "failedfirst": False, "newfirst": False,
    "stepwise": False, "stepwise_skip": False, "cacheshow": False,
    "xmlpath": None,
    "numprocesses": None, "maxprocesses": None, "dist": "no",
    "distload": False, "looponfail": False, "tx": [],
    "forked": False,
    "cov_source": None,     # pytest-cov measures in the host
}


def realm_args(config, path, basetemp):
    """The command line of a realm's session over path, and the options
    to set after parsing it: the host's own arguments, as pytest-xdist
    passes them to its workers (so every plugin's and conftest's options
    reach the file), with the host-only options reset, the host's rootdir
    and configuration file, and the file as the only path to collect."""
    args = [str(arg) for arg in config.invocation_params.args]
    args += ["--rootdir", os.fspath(config.rootpath)]
    if config.inipath is not None:
        args += ["-c", os.fspath(config.inipath)]
    options = {dest: value for dest, value in HOST_ONLY.items()
               if hasattr(config.option, dest)}
    if basetemp is not None:  # None: -p no:tmpdir
        options["basetemp"] = os.fspath(basetemp)
    return args, os.fspath(path), options


# What the template imports: pytest, its default plugins (as a session's
# config does), and this plugin's side.  Before any configuration is
# parsed: a session's files and capture are each file's own.
TEMPLATE = """\
import _pytest.config
import pytest_realms.inrealm
config = _pytest.config.get_config()
for name in _pytest.config.default_plugins:
    config.pluginmanager.import_plugin(name)
"""


class RealmCollectionError(Exception):
    """Collecting the file failed or was skipped in its realm."""


def add_share_hint(report):
    """Name the option to use when an extension module refused a second
    load in the realm (the realm's ImportError said which module to
    share), first in the report."""
    share = getattr(report, "realm_share", None)
    if share is None:
        return
    hint = (f"pytest-realms: if {share!r} can be loaded only once "
            f"per process, share the host's with "
            f"--realms-share={share}")
    if isinstance(report.longrepr, str):
        report.longrepr = hint + "\n" + report.longrepr
    else:
        report.sections.insert(0, ("pytest-realms", hint))


@functools.cache
def category(module, qualname, builtin_base):
    """The host's class for a warning category of a realm: the built-in one
    itself, else a subclass of its built-in base with the same names."""
    base = getattr(builtins, builtin_base)
    if module == "builtins":
        return base
    return type(qualname.rpartition(".")[2], (base,),
                {"__module__": module, "__qualname__": qualname})


class FileRunner:
    """One test file's realm and the realm's pytest session over it: to
    collect the file (collecting), or to run its items."""

    def __init__(self, config, node, make_realm, path, basetemp,
                 collecting):
        self.config = config
        self.indices = {}
        # Reports go through the file's hook proxy (node.ihook, made anew
        # each time, as conftests load): a conftest sees the reports of
        # its own directory only, as with plain items.
        self.node = node
        self.collect_reports = []
        self.realm = make_realm()
        try:
            inrealm = self.realm.import_module("pytest_realms.inrealm")
            self.session = inrealm.FileSession(
                *realm_args(config, path, basetemp), self.receive,
                collecting)
        except BaseException:
            self.realm.close()
            raise
        self.open = True

    def receive(self, kind, data):
        """A report of the realm's session, in the host."""
        hook = self.config.hook
        if kind == "runtest":
            report = hook.pytest_report_from_serializable(config=self.config,
                                                          data=data)
            self.node.ihook.pytest_runtest_logreport(report=report)
        elif kind == "collect":
            # Replayed by RealmModule once the file's collection ends.
            self.collect_reports.append(hook.pytest_report_from_serializable(
                config=self.config, data=data))
        elif kind == "warning":
            # Historic: the host keeps it for good, so none of the realm's
            # objects stays in.  The warning's source object is lent for
            # the call, as the terminal formats the warning then, with
            # pytest's tracemalloc hint.
            message = warnings.WarningMessage(
                category(*data["category"])(data["message"]),
                category(*data["category"]), data["filename"],
                data["lineno"], line=data["line"], source=data["source"])
            try:
                hook.pytest_warning_recorded.call_historic(kwargs={
                    "warning_message": message,
                    "when": data["when"], "nodeid": data["nodeid"],
                    "location": data["location"]})
            finally:
                message.source = None

    def collect(self):
        """The host's descriptions of the file's items, each with its
        markers as Mark objects, shared by the items as the realm's are."""
        table, items = self.session.collect()
        # pytest.Mark's constructor is private (_ispytest); its public
        # maker, pytest.mark.NAME, checks NAME against the host's markers,
        # which the realm's conftests registered, not the host's.
        marks = [pytest.Mark(name, tuple(args), kwargs, _ispytest=True)
                 for name, args, kwargs in table]
        for info in items:
            info["markers"] = [marks[index] for index in info["markers"]]
        self.indices = {info["nodeid"]: index
                        for index, info in enumerate(items)}
        return items

    def index_of(self, item):
        try:
            return self.indices[item.nodeid]
        except KeyError:
            raise RuntimeError(
                f"pytest-realms: {item.nodeid} was not collected again when "
                f"its file's realm was made to run it (the file collects "
                f"differently each time)") from None

    def run(self, item, nextitem):
        index = self.index_of(item)
        next_index = None if nextitem is None else self.index_of(nextitem)
        stop = self.session.run(index, next_index)
        if stop is not None:
            # pytest.exit() in the realm: the host's session stops.
            raise pytest.exit.Exception(*stop)

    def close(self):
        if not self.open:
            return
        self.open = False
        try:
            self.session.finish()
        finally:
            self.realm.close()
            # The host's items outlive the file: they must not keep the
            # realm's modules (its pytest among them) alive.
            self.session = self.realm = None


class Scheduler:
    """The host's part: makes each test module a RealmModule, and runs its
    items in a realm of the module's, one realm at a time.  A file is
    collected in a realm closed right after (the host keeps plain data),
    and collected again in the realm that runs its items, made for its
    first item and closed after its last."""

    def __init__(self, config, realm_module, share):
        self.config = config
        self.realm_module = realm_module
        self.share = share
        self.runners = []       # the open ones
        self.made = 0
        # A realm that imported pytest, its plugins and this plugin's side,
        # cloned for each file (Realm.clone()): made with the first file's
        # realm, dropped for good if it cannot be cloned.
        self.template = None
        self.use_template = hasattr(realm_module.Realm, "clone")

    def new_realm(self):
        return self.realm_module.Realm(
            site=True, share=self.share, stdin=sys.__stdin__,
            stdout=sys.__stdout__, stderr=sys.__stderr__)

    def make_realm(self):
        """A realm for a file: a clone of the template, else a new one."""
        if self.use_template and self.template is None:
            self.template = self.new_realm()
            try:
                self.template.exec(TEMPLATE, {})
            except Exception:
                # Only a way to make realms faster: without it, as before.
                self.drop_template()
            except BaseException:
                self.drop_template()
                raise
        if self.template is not None:
            try:
                return self.template.clone()
            except RuntimeError:
                # What the template holds cannot be copied (an extension
                # module of single-phase initialization that a plugin
                # imports): a new realm per file, as without a template.
                self.drop_template()
        return self.new_realm()

    def drop_template(self):
        self.use_template = False
        template, self.template = self.template, None
        if template is not None:
            template.close()

    def open_runner(self, path, node, collecting=True):
        # Absent with -p no:tmpdir.
        factory = getattr(self.config, "_tmp_path_factory", None)
        basetemp = None if factory is None else \
            factory.getbasetemp() / f"realm{self.made}"
        self.made += 1
        # The realm's session captures output with file descriptors of its
        # own, restoring the ones it found: it must find the host's real
        # ones, not the host's capture.
        capman = self.config.pluginmanager.get_plugin("capturemanager")
        with capman.global_and_fixture_disabled() if capman else \
                contextlib.nullcontext():
            runner = FileRunner(self.config, node, self.make_realm, path,
                                basetemp, collecting)
            self.runners.append(runner)
            if not collecting:
                try:
                    runner.collect()
                except BaseException:
                    self.close_runner(runner)
                    raise
        return runner

    def close_runner(self, runner):
        if runner in self.runners:
            self.runners.remove(runner)
        runner.close()
        # A closed realm's modules and objects are mostly cycles: freed
        # now, before the next file's realm is made, peak memory stays
        # that of one realm (the youngest generation alone would leave
        # them to a full collection, many files later).
        gc.collect()

    @pytest.hookimpl(tryfirst=True)
    def pytest_pycollect_makemodule(self, module_path, parent):
        return RealmModule.from_parent(parent, path=module_path)

    @pytest.hookimpl(wrapper=True)
    def pytest_make_collect_report(self, collector):
        report = yield
        # A file whose collection failed or was skipped in its realm: the
        # realm's report, with its own location and traceback, stands for
        # the host's (as pytest-xdist's controller replays its workers').
        realm_report = getattr(collector, "realm_report", None)
        return report if realm_report is None else realm_report

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item, nextitem):
        if not isinstance(item, RealmItem):
            return None
        module = item.getparent(RealmModule)
        same_file = isinstance(nextitem, RealmItem) and \
            nextitem.getparent(RealmModule) is module
        item.ihook.pytest_runtest_logstart(nodeid=item.nodeid,
                                           location=item.location)
        runner = module.runner
        try:
            if runner is None:
                runner = module.runner = self.open_runner(
                    module.path, module, collecting=False)
            runner.run(item, nextitem if same_file else None)
        finally:
            if not same_file and runner is not None:
                module.runner = None
                self.close_runner(runner)
        item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid,
                                            location=item.location)
        return True

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session):
        # A file left unfinished (-x, an interrupt).
        while self.runners:
            self.close_runner(self.runners[-1])
        self.drop_template()


class RealmModule(pytest.File):
    """A test module collected, and later run, in realms of its own."""

    realm_report = None
    runner = None       # while its items run

    def collect(self):
        scheduler = self.config.pluginmanager.get_plugin("realms-scheduler")
        runner = scheduler.open_runner(self.path, self)
        try:
            items = runner.collect()
        finally:
            scheduler.close_runner(runner)
        own = [report for report in runner.collect_reports
               if report.nodeid == self.nodeid]
        for report in runner.collect_reports:
            if report.failed:
                add_share_hint(report)
            if report.nodeid != self.nodeid:
                # A class (say) of the file that failed to collect.
                self.ihook.pytest_collectreport(report=report)
        if own:
            # pytest_make_collect_report puts it in place of the report
            # pytest makes of this exception.
            self.realm_report = own[-1]
            raise RealmCollectionError(self.realm_report.longrepr)
        return make_children(self, list(enumerate(items)), 0)

    def __repr__(self):
        return f"<Module {self.name}>"


def make_children(parent, entries, depth):
    """The host's nodes for the realm's items below parent: an item, or a
    RealmCollector for the class (say) that groups the next items."""
    children = []
    for entry in entries:
        index, info = entry
        parents = info["parents"][depth:]
        if not parents:
            children.append(RealmItem.from_parent(
                parent, name=info["name"], nodeid=info["nodeid"],
                info=info))
            continue
        name, nodeid, kind = parents[0]
        last = children[-1] if children else None
        if isinstance(last, RealmCollector) and last.nodeid == nodeid:
            last.entries.append(entry)
        else:
            children.append(RealmCollector.from_parent(
                parent, name=name, nodeid=nodeid,
                entries=[entry], depth=depth + 1, kind=kind))
    return children


class RealmCollector(pytest.Collector):
    """The host's stand-in for a node of a realm's session between a file
    and its items, a class for one."""

    def __init__(self, *, entries, depth, kind, **kwargs):
        super().__init__(**kwargs)
        self.entries = entries
        self.depth = depth
        self.kind = kind
        if kind == "Class":
            qualname = ".".join(node.name for node in self.listchain()
                                if isinstance(node, RealmCollector))
            self.stand_in = type(self.name, (), {
                "__qualname__": qualname,
                "__module__": self.getparent(RealmModule).path.stem,
                "__doc__": "pytest-realms: the host's stand-in for a test "
                           "class of a realm"})

    def collect(self):
        return make_children(self, self.entries, self.depth)

    def __repr__(self):
        return f"<{self.kind} {self.name}>"


class CallSpec:
    """An item's parameters as the host sees them: id, params (objects of
    the realm as their repr()) and indices, as on pytest's CallSpec2."""

    def __init__(self, id, params, indices):
        self.id = id
        self.params = params
        self.indices = indices

    @property
    def _arg2scope(self):
        # Read by the host's fixtures plugin (reorder_items groups items by
        # their parameters of wider scopes).  The realm's session ordered
        # the file's items already, and a file's items must stay together
        # (they run in its realm, one file after the other): for the host,
        # every parameter is function-scoped, and it moves none.
        return dict.fromkeys(self.indices, Scope.Function)

    def __repr__(self):
        return f"<CallSpec {self.id!r}>"


def realm_only(name):
    def get(item):
        raise AttributeError(
            f"pytest-realms: {type(item).__name__}.{name} is an object of "
            f"the test file's realm, which the host does not hold; hooks "
            f"in the host see the item's nodeid, keywords, markers, "
            f"fixturenames, originalname, callspec and a stand-in cls")
    return property(get)


class RealmItem(pytest.Item):
    """The host's stand-in for an item of a realm's session."""

    # The test's objects live in its realm: reading them raises
    # AttributeError, so getattr(item, "function", None) is None (as
    # KeywordMatcher.from_item reads it).
    function = realm_only("function")
    obj = realm_only("obj")
    module = realm_only("module")
    instance = realm_only("instance")

    @property
    def cls(self):
        """None, or a stand-in for the test's class: a class of the host
        with its name and qualname, one per class of the realm."""
        parent = self.parent
        while isinstance(parent, RealmCollector):
            if parent.kind == "Class":
                return parent.stand_in
            parent = parent.parent
        return None

    def __init__(self, *, info, **kwargs):
        super().__init__(**kwargs)
        self.info = info
        self.extra_keyword_matches.update(info["keywords"])
        self.own_markers.extend(info["markers"])
        self.fixturenames = list(info["fixturenames"])
        self.originalname = info["originalname"]
        if info["callspec"] is not None:
            self.callspec = CallSpec(**info["callspec"])

    def reportinfo(self):
        return Path(self.info["path"]), self.info["lineno"], \
            self.info["domain"]

    def runtest(self):
        raise RuntimeError("pytest-realms runs this item in its realm")

    def __repr__(self):
        return f"<{self.info['kind']} {self.name}>"
