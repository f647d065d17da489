# Realms for CPython: the patch series over pristine CPython 3.13.5.
# `make help` lists the targets.  The work is done by Tools/patchq (run by
# the host python3); this file only names the jobs.

PYTHON ?= python3
JOBS ?= $(shell nproc)
PREFIX ?= /usr/local
PATCHQ = PYTHONPATH=$(CURDIR)/Tools $(PYTHON) -m patchq
VENV = build/venv
PYTEST = $(VENV)/bin/python -m pytest
# The harness runs in a venv of its own: pyperformance, pyperf, matplotlib.
BENCH_PYTHON = build/bench/tools/bin/python
PYPERF_LIB = build/bench/pyperf-lib
PYPERF_VERSION = 2.10.0
# pytest and pytest-realms for the patched build (make bench clones
# pytest's template in a realm of it).
REALMS_VENV = build/realms-venv

.PHONY: all stock debug test-refleaks test-refleaks-stock asan test-asan freethreading test-freethreading tsan test-tsan info bench pyperformance example export status series-check test test-tooling \
	test-regrtest test-full test-slowpath test-in-realm test-isolation test-pytest-realms bench-pytest census example-embedding install clean distclean help

all:  ## build the patched interpreter in build/patched
	$(PATCHQ) build patched -j$(JOBS)

stock:  ## build the unpatched interpreter in build/stock, same tarball
	$(PATCHQ) build stock -j$(JOBS)

debug:  ## the patched interpreter --with-pydebug, in build/debug
	$(PATCHQ) build debug -j$(JOBS)

test-refleaks: debug  ## the series' tests under -R 3:3 on build/debug
	$(PATCHQ) regrtest debug -j$(JOBS) --refleaks

# The tests whose counts regrtest tolerates on build/debug, on stock's.
STOCK_REFLEAK_TESTS = test_import test_importlib test_threading

test-refleaks-stock:  ## the same -R 3:3 hunt on stock --with-pydebug
	$(PATCHQ) build stock-debug -j$(JOBS)
	$(PATCHQ) regrtest stock-debug $(STOCK_REFLEAK_TESTS) -j$(JOBS) --refleaks

# CPython's CI runs ASan without leak detection (the interpreter keeps
# some memory until exit on purpose, _freeze_module included); UBSan stops
# at the first report but those of upstream code listed in ubsan.supp.
# The build runs the interpreter too.
SANITIZER_ENV = ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions=$(CURDIR)/Tools/sanitizers/ubsan.supp

asan:  ## the patched interpreter with ASan + UBSan, in build/asan
	$(SANITIZER_ENV) $(PATCHQ) build asan -j$(JOBS)

test-asan: asan  ## the series' tests under ASan + UBSan
	$(SANITIZER_ENV) $(PATCHQ) regrtest asan $(ASAN_TESTS) -j$(JOBS)

freethreading:  ## the patched interpreter --disable-gil, in build/freethreading
	$(PATCHQ) build freethreading -j$(JOBS)

test-freethreading: freethreading  ## the series' tests on the free-threaded build
	$(PATCHQ) regrtest freethreading -j$(JOBS)

# ThreadSanitizer on the free-threaded build (SPEC 7: no report from the
# series' code).  A report neither stops a process (halt_on_error=0) nor
# changes its exit status (exitcode=0, instead of 66, so that regrtest's
# verdict is the tests' own): after the run, patchq reads the reports from
# build/regrtest/tsan-series.log, fails on any whose stack holds a
# function of the series and lists the others, upstream's, for
# Tools/sanitizers/tsan.supp.  test_realm's stress test runs for
# REALM_STRESS_SECONDS: under TSan, at least 30 s.  The build runs the
# interpreter too.
TSAN_TESTS ?= test_realm test_realm_state test_realm_clone test_capi.test_threadstate
TSAN_ENV = TSAN_OPTIONS=halt_on_error=0:second_deadlock_stack=1:report_signal_unsafe=0:exitcode=0:suppressions=$(CURDIR)/Tools/sanitizers/tsan.supp

tsan:  ## the patched interpreter --disable-gil with TSan, in build/tsan
	$(TSAN_ENV) $(PATCHQ) build tsan -j$(JOBS)

test-tsan: tsan  ## TSAN_TESTS under TSan; fails on a report in the series
	$(TSAN_ENV) REALM_STRESS_SECONDS=30 \
	  $(PATCHQ) regrtest tsan $(TSAN_TESTS) -j$(JOBS) --classify-tsan

info: all stock  ## build both and print what they are
	@for b in stock patched; do \
	  printf '%-8s %s\n         ' $$b "$(CURDIR)/build/$$b/python"; \
	  build/$$b/python -c 'import sys; print(sys.version)'; \
	done

$(BENCH_PYTHON): Tools/bench/requirements.txt
	$(PYTHON) -m venv build/bench/tools
	$(BENCH_PYTHON) -m pip install -q -r Tools/bench/requirements.txt
	touch $@

# pyperf for the measured interpreters: pure Python (its psutil dependency
# comes as an abi3 wheel), so one copy serves every interpreter version.
$(PYPERF_LIB)/pyperf: $(BENCH_PYTHON)
	$(BENCH_PYTHON) -m pip install -q --upgrade --target $(PYPERF_LIB) "pyperf==$(PYPERF_VERSION)"
	touch $@

bench: all stock $(BENCH_PYTHON) $(PYPERF_LIB)/pyperf $(REALMS_VENV)/installed  ## the lookup-cost table, stock against patched (build/bench/)
	PYTHONPATH=$(CURDIR)/Tools $(BENCH_PYTHON) -m bench \
	  --pytest-site "$$($(REALMS_VENV)/bin/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')" \
	  $(BENCH_ARGS)

pyperformance: all stock $(BENCH_PYTHON)  ## pyperformance --fast on both, pyperf compare_to -G
	PYTHONPATH=$(CURDIR)/Tools $(BENCH_PYTHON) -m bench.suite $(PYPERFORMANCE_ARGS)

example: all  ## a test file per realm against a test file per subprocess
	build/patched/python examples/isolated_tests/run.py $(EXAMPLE_ARGS)

# The embedding example: the patched build installed into a prefix, a C
# host compiled against it with python3.13-config, then run.
EMBED_PREFIX = build/embed-prefix
EMBED_CONFIG = $(EMBED_PREFIX)/bin/python3.13-config
EMBED_DIR = build/embedding
EMBED_ARGS ?= 4 20

$(EMBED_CONFIG): build/patched/python
	$(MAKE) -C build/patched install prefix=$(CURDIR)/$(EMBED_PREFIX) \
		ENSUREPIP=no > build/embed-install.log 2>&1 \
		|| { tail -20 build/embed-install.log; exit 1; }
	touch $@

# LINKFORSHARED (-Xlinker -export-dynamic): the static libpython's symbols
# are the ones the extension modules in lib-dynload link against.
$(EMBED_DIR)/host: examples/embedding/host.c $(EMBED_CONFIG)
	mkdir -p $(EMBED_DIR)
	$(CC) $$($(EMBED_CONFIG) --cflags) -o $@ examples/embedding/host.c \
		$$($(EMBED_CONFIG) --ldflags --embed) -pthread \
		$$($(EMBED_PREFIX)/bin/python3.13 -c "import sysconfig; \
		print(sysconfig.get_config_var('LINKFORSHARED'))")

example-embedding: $(EMBED_DIR)/host  ## a C host serving two applications, a realm each, from several threads
	rm -rf $(EMBED_DIR)/out && mkdir -p $(EMBED_DIR)/out
	$(EMBED_DIR)/host $(CURDIR)/$(EMBED_PREFIX) examples/embedding/apps \
		$(EMBED_DIR)/out $(EMBED_ARGS)

export:  ## write patches/ from the commits of build/src
	$(PATCHQ) export

status:  ## does patches/ hold everything build/src has?
	$(PATCHQ) status

series-check:  ## apply the patches one by one, build and test each
	$(PATCHQ) series-check -j$(JOBS)

$(VENV)/bin/pytest: tests/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -r tests/requirements.txt
	touch $@

test: test-tooling test-pytest-realms test-regrtest  ## pytest suite, pytest-realms' tests, the series' regrtests

test-tooling: all stock $(VENV)/bin/pytest
	$(PYTEST) tests

# pytest-realms (Tools/pytest-realms) runs in a venv of the patched build
# (REALMS_VENV, above): a build directory has no pip of its own, so venv
# then pip, as pyperformance does.  The plugin is installed editable: its
# realms find it through the .pth import hook, as a project's editable
# install.

$(REALMS_VENV)/installed: Tools/pytest-realms/requirements.txt Tools/pytest-realms/pyproject.toml | all
	rm -rf $(REALMS_VENV)
	build/patched/python -m venv $(REALMS_VENV)
	$(REALMS_VENV)/bin/python -m pip install -q -r Tools/pytest-realms/requirements.txt
	touch $@

# The plugin's tests run twice: with the pytest 8.4 of REALMS_VENV and with
# the newest pytest 9.
REALMS_VENV9 = build/realms-venv-pytest9

$(REALMS_VENV9)/installed: Tools/pytest-realms/requirements-pytest9.txt Tools/pytest-realms/pyproject.toml | all
	rm -rf $(REALMS_VENV9)
	build/patched/python -m venv $(REALMS_VENV9)
	$(REALMS_VENV9)/bin/python -m pip install -q -r Tools/pytest-realms/requirements-pytest9.txt
	touch $@

test-pytest-realms: all $(REALMS_VENV)/installed $(REALMS_VENV9)/installed  ## pytest-realms' pytester tests on the patched build, pytest 8.4 and 9
	$(REALMS_VENV)/bin/python -m pytest -p no:cacheprovider Tools/pytest-realms/tests
	$(REALMS_VENV9)/bin/python -m pytest -p no:cacheprovider Tools/pytest-realms/tests

bench-pytest: all $(REALMS_VENV)/installed  ## real projects' tests: plain, --realms, --forked, a process per file
	$(REALMS_VENV)/bin/python Tools/pytest-realms/bench.py --output build/bench-pytest/results.md $(BENCH_PYTEST_ARGS)

census: all $(REALMS_VENV)/installed  ## what a realm holds after import json and after pytest, by kind (issue 20)
	PYTHONPATH=$(CURDIR)/Tools build/patched/python -m census json
	PYTHONPATH=$(CURDIR)/Tools $(REALMS_VENV)/bin/python -m census --pytest

test-regrtest: all
	$(PATCHQ) regrtest patched -j$(JOBS)

test-full: all stock  ## full regrtest on stock and patched, compared
	$(PATCHQ) parity -j$(JOBS) --quiet

# PYTHON_REALM_SLOWPATH=1 makes the patched interpreter answer every realm
# lookup through the slow path (SPEC 4.3); regrtest's workers inherit it.
# Logs: build/regrtest/{stock,patched-slowpath}-full.log, parity-slowpath.txt.
test-slowpath: all stock  ## test-full with patched through the slow path
	$(PATCHQ) parity -j$(JOBS) --quiet --slowpath

# Every regrtest file on build/patched, in the host, in a fresh realm and
# in a clone of a prepared realm each, compared by counts; files expected
# to differ, with their reasons: Tools/patchq/inrealm-expected.txt (and
# inrealm-clone-expected.txt).  Report: build/regrtest/in-realm.txt.
test-in-realm: all  ## regrtest files in the host, a realm and a clone each, compared
	$(PATCHQ) in-realm -j$(JOBS) $(IN_REALM_TESTS)

# The realm boundary, randomized (Tools/isolation, SPEC 7): sequences of
# operations in the host and in nested realms, each run with its realms and
# against reference runs without any (a fresh process per world).  It
# prints its seed; ISOLATION_SEED=N replays a run.  The differences listed
# in Tools/isolation/known-differences.txt are reported, not failed on,
# unless ISOLATION_ARGS=--strict.  make test runs a 10 s smoke run.
ISOLATION_SECONDS ?= 20

test-isolation: all  ## the realm boundary, randomized (ISOLATION_SECONDS, ISOLATION_SEED)
	PYTHONPATH=$(CURDIR)/Tools build/patched/python -m isolation \
	  --seconds $(ISOLATION_SECONDS) \
	  $(if $(ISOLATION_SEED),--seed $(ISOLATION_SEED)) $(ISOLATION_ARGS)

install: all  ## install the patched interpreter under PREFIX
	$(MAKE) -C build/patched install prefix=$(PREFIX)

clean:  ## make clean in every build directory
	$(PATCHQ) clean

distclean:  ## remove build/ (refused while build/src has unexported work)
	$(PATCHQ) distclean

help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | \
	  sed -E 's/^([a-z-]+):.*## /  \1\t/' | expand -t 16
