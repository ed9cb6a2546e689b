# Wicket — one Makefile. `make run` and `make test` install what they need on Debian 12 (as root).
SHELL := /bin/bash
SWIFT ?= swift
VENV := .venv
PY := $(VENV)/bin/python
APT_PACKAGES := nginx-light libfcgi-dev libmaxminddb-dev libsqlite3-dev mmdb-bin wrk curl iproute2 libcurl4-openssl-dev postgresql libpq-dev
# The Debian package: dpkg-shlibdeps/dpkg-gencontrol, lintian, a Debian 12 root for the test, systemd-analyze.
APT_PACKAGES += dpkg-dev lintian debootstrap systemd
RUN_DIR := $(CURDIR)/run

BENCH := $(SWIFT) build -c release --package-path Benchmarks
BENCH_BIN := Benchmarks/.build/release

.PHONY: deps venv build release test test-e2e test-deb deb lint format run stop bench bench-cedar bench-audit bench-path bench-growth profile-path bench-store bench-lists fuzz fuzz-cedar clean

deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	python3 -c 'import venv, ensurepip' 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

venv: $(VENV)/.ok
$(VENV)/.ok: e2e/requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r e2e/requirements.txt
	touch $@

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

test: deps venv
	scripts/check-imports.py
	$(SWIFT) build
	$(SWIFT) test 2>&1 | tee .build/swift-test.log; exit $${PIPESTATUS[0]}
	$(MAKE) test-e2e
	$(MAKE) test-deb

test-e2e: deps venv
	$(SWIFT) build
	WICKET_BIN=$(CURDIR)/.build/debug/wicket $(PY) -m pytest -q e2e

# The package links the Swift runtime in statically. Objects compiled for that cannot be linked
# dynamically again (and SwiftPM does not recompile when the flag changes), so these builds get
# their own scratch folder and never touch .build/debug or .build/release.
STATIC_BUILD := .build/static
# Full RELRO (bind now), as Debian's hardening flags ask.
STATIC_FLAGS := --scratch-path $(STATIC_BUILD) --static-swift-stdlib -Xlinker -z -Xlinker now

# The .deb of a debug build, installed into a cached debootstrap root (packaging/debian/tests).
# Debug, not release: the test checks the packaging; a release build would cost CI far more minutes.
test-deb: deps venv
	$(SWIFT) build $(STATIC_FLAGS) --product wicket
	WICKET_DEB_BIN=$(CURDIR)/$(STATIC_BUILD)/debug/wicket $(PY) -m pytest -q packaging/debian/tests

# .build/deb/wicket_VERSION-1_amd64.deb: VERSION file + Debian revision (DEB_REVISION, default 1).
deb: deps
	$(SWIFT) build -c release $(STATIC_FLAGS) --product wicket
	packaging/debian/build-deb.sh $(STATIC_BUILD)/release/wicket .build/deb

run: deps venv
	$(SWIFT) build
	WICKET_BIN=$(CURDIR)/.build/debug/wicket PYTHON=$(CURDIR)/$(PY) scripts/run-demo.sh

stop:
	scripts/stop-demo.sh

bench-cedar: deps venv
	$(BENCH) --product cedar-bench
	$(BENCH_BIN)/cedar-bench Benchmarks/cedar-workload --python $(PY)

bench-audit: deps
	$(BENCH) --product audit-bench
	$(BENCH) --product pipeline-bench
	$(BENCH_BIN)/audit-bench
	$(BENCH_BIN)/pipeline-bench

bench-lists: deps venv
	$(SWIFT) build -c release --product wicket
	WICKET_BIN=$(CURDIR)/.build/release/wicket $(PY) Benchmarks/list_bench.py

bench-path: deps venv
	$(SWIFT) build -c release --product wicket
	$(BENCH) --product front-responder
	WICKET_BIN=$(CURDIR)/.build/release/wicket Benchmarks/run-path-bench.sh

# Wicket's CPU per request against body size, batch size, policy, tenant and key counts (~4 min).
bench-growth: deps
	$(SWIFT) build -c release --product wicket
	WICKET_BIN=$(CURDIR)/.build/release/wicket python3 Benchmarks/growth_bench.py

# The request path under load with perf: inclusive share of the audit commit, Verdict, key lookup,
# credential reveal, FastCGI params/accept/free and the kernel (needs perf: linux-perf).
profile-path: deps
	$(SWIFT) build -c release --product wicket
	WICKET_BIN=$(CURDIR)/.build/release/wicket Benchmarks/profile-path.sh

# One node's request path with the tenant on SQLite, then on PostgreSQL: req/s and CPU per request.
bench-store: deps venv
	$(SWIFT) build -c release --product wicket
	WICKET_BIN=$(CURDIR)/.build/release/wicket Benchmarks/run-store-bench.sh

# libFuzzer over the policy parser, entity/context JSON and MCP classification (SECONDS per target),
# then the differential tester against the Rust engine.
fuzz: deps
	FuzzTesting/fuzz.sh $${SECONDS_PER_TARGET:-120}
	$(MAKE) fuzz-cedar

# Generated cases through Wicket and cedarpy (CASES, SEED); prints cases run and disagreements.
fuzz-cedar: deps venv
	$(SWIFT) build --product wicket
	$(PY) FuzzTesting/differential/cedar_diff.py --wicket .build/debug/wicket --cases $${CASES:-100000} --seed $${SEED:-$$RANDOM}

# Release builds, ratios against baselines measured in the same run; numbers go to docs/benchmarks.md.
bench: bench-cedar bench-audit bench-path bench-growth bench-store bench-lists

# The module import table of docs/architecture.md, then swift-format (.swift-format) over the
# formatted folders in .swift-format-paths.
lint:
	scripts/check-imports.py
	$(SWIFT) format lint --strict --parallel -r $$(cat .swift-format-paths)

# Applies swift-format to the formatted folders.
format:
	$(SWIFT) format format --in-place --parallel -r $$(cat .swift-format-paths)

clean:
	rm -rf .build Benchmarks/.build FuzzTesting/.build $(RUN_DIR)
