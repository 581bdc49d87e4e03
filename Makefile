# orderctl — build, test, demo, install, clean.
# Every target installs what it needs (Debian packages) when it is missing.

SHELL        := /bin/bash
PREFIX       ?= /usr/local
SWIFT        ?= swift
SWIFT_FLAGS  ?=
RELEASE_DIR  := .build-release
DEMO_DB      ?= $(CURDIR)/.build/demo/orders.db
BIN          := .build/debug/orderctl
# The release binary: one fully static executable (Swift runtime, Foundation, SQLite,
# zlib and the C library linked in, by lld), so an installed orderctl needs no Swift, no
# shared libraries and no dynamic loader. orderctl is a short-lived command run many
# times a day: the dynamic loader's symbol lookups and relocations, and a PIE binary's
# 80,000 relocations, cost 2.5 ms of every start (`--version`: 3.7 ms dynamic, 1.1 ms
# static; BENCHMARKS.md). The static C library looks up users (only when $$HOME is unset)
# through the system's NSS modules, which Debian 12's libc6 provides.
RELEASE_FLAGS := -c release --static-swift-stdlib -Xswiftc -static-executable -Xswiftc -use-ld=lld

.PHONY: all build test test-faults test-browser demo install install-check uninstall bench clean deps help man fuzz format lint

all: build

help:
	@echo "make build    debug build of orderctl (.build/debug/orderctl)"
	@echo "make test     build and run every test"
	@echo "make test-faults  build and run the fault-injection trials: kill -9, disk full, damaged files (50 of each)"
	@echo "make test-browser  install Chromium and render the HTML report in it (headless)"
	@echo "make man      the man page, from a debug build (.build/orderctl.1; man -l .build/orderctl.1)"
	@echo "make demo     build, create a demo database and walk through the main commands"
	@echo "make bench    time orderctl against the sqlite3 tool on the same data"
	@echo "make fuzz     build the libFuzzer harnesses (Tests/Fuzz) and run each FUZZ_SECONDS (default 30)"
	@echo "make install  release build to \$$PREFIX/bin (default /usr/local) with man page and completions"
	@echo "make install-check  make install into a temporary DESTDIR; check the binary runs and is static (CI runs it)"
	@echo "make format   reformat Sources, Tests and Package.swift with swift format (.swift-format)"
	@echo "make lint     check the formatting and the lint rules of .swift-format (CI runs it)"
	@echo "make clean    remove build output"

# System packages: the SQLite and zlib headers and libraries (and the sqlite3 tool the
# tests use to inspect databases). apt-get runs only when something is missing.
deps:
	@missing=""; \
	[ -f /usr/include/sqlite3.h ] || missing="$$missing libsqlite3-dev"; \
	[ -f /usr/include/zlib.h ] || missing="$$missing zlib1g-dev"; \
	command -v gzip >/dev/null 2>&1 || missing="$$missing gzip"; \
	command -v sqlite3 >/dev/null 2>&1 || missing="$$missing sqlite3"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build $(SWIFT_FLAGS)

# The tests also need tmux (CompletionTests types into bash through it), man-db and
# mandoc (ManPageTests reads the page with both), the age tool (the reference for the
# encrypted backups, AgeInteropTests) and the man page tool that `make man` builds;
# plain `swift test` skips what is missing.
test: build man
	@missing=""; \
	command -v tmux >/dev/null 2>&1 || missing="$$missing tmux"; \
	command -v age >/dev/null 2>&1 || missing="$$missing age"; \
	command -v python3 >/dev/null 2>&1 || missing="$$missing python3"; \
	command -v man >/dev/null 2>&1 || missing="$$missing man-db"; \
	command -v mandoc >/dev/null 2>&1 || missing="$$missing mandoc"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	$(SWIFT) test $(SWIFT_FLAGS)
	python3 Tests/Faults/faults.py --binary $(BIN) --trials 3

# Fault injection with real processes (Tests/Faults/faults.py, python3 and the sqlite3 tool):
# orderctl killed with SIGKILL during an import and during a stream of lifecycle commands,
# its database on a full 4 MiB tmpfs (needs root to mount it; else that kind prints
# SKIPPED), and damaged copies of a shop (flipped bytes, truncated, zeroed header).
# Options: --seed N (default 15; printed first, and every failure prints the command that
# reproduces its trial), --trials N (of each kind), --only KIND, --trial I, --keep (keep the
# temporary folders), --binary PATH; `python3 Tests/Faults/faults.py --help` and --list.
# `make test` runs 3 trials of each kind.
test-faults: build
	python3 Tests/Faults/faults.py --binary .build/debug/orderctl --trials 50

# The man page: swift-argument-parser's GenerateManual plugin builds its generate-manual
# tool (beside orderctl, where ManPageTests finds it) and writes the page from
# `orderctl --experimental-dump-help`; Tests/Man/finish-man.sh adds ENVIRONMENT, FILES
# and the exit codes and keeps the examples as examples. `make install` runs the same
# tool, built into the release build, on the release binary (see install).
MAN_RAW := .build/plugins/GenerateManual/outputs/orderctl/orderctl.1
man: build
	$(SWIFT) package plugin generate-manual --configuration debug
	bash Tests/Man/finish-man.sh $(MAN_RAW) .build/orderctl.1
	@echo "man page: .build/orderctl.1 (read it with: man -l .build/orderctl.1)"

# The HTML report rendered in headless Chromium (Debian: chromium): screenshots not
# blank, no console errors. `make test` runs the same test when Chromium is there and
# skips it otherwise; here a missing browser is a failure.
test-browser: build
	@if ! command -v chromium >/dev/null 2>&1; then \
		echo "installing: chromium"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; \
	fi
	ORDERCTL_BROWSER_TEST=1 $(SWIFT) test $(SWIFT_FLAGS) --filter 'HTMLReport'

# The tour's sync reads from the test shop (Tests/ShopServer/shop_server.py, python3).
demo: build
	@if ! command -v python3 >/dev/null 2>&1; then \
		echo "installing: python3"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq python3; \
	fi
	@DEMO_DB="$(DEMO_DB)" ORDERCTL="$(CURDIR)/$(BIN)" bash Tests/Demo/tour.sh

# Ratios against the sqlite3 command-line tool on the same data, with a release build
# linked as `make install` links it (Swift runtime static). BENCH_ORDERS=1000000 for the
# issue's size; BENCH_RUNS, BENCH_IMPORT_RUNS, BENCH_QUICK_RUNS: see Tests/Bench/bench.sh.
BENCH_ORDERS ?= 100000
BENCH_RUNS   ?= 5
bench: deps
	@missing=""; \
	command -v python3 >/dev/null 2>&1 || missing="$$missing python3"; \
	[ -x /usr/bin/time ] || missing="$$missing time"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	$(SWIFT) build $(RELEASE_FLAGS) --scratch-path $(RELEASE_DIR) $(SWIFT_FLAGS)
	@ORDERCTL="$(CURDIR)/$(RELEASE_DIR)/release/orderctl" BENCH_ORDERS="$(BENCH_ORDERS)" BENCH_RUNS="$(BENCH_RUNS)" \
		bash Tests/Bench/bench.sh

# libFuzzer harnesses for the input parsers (Tests/Fuzz/README.md): swiftc builds
# OrderCore instrumented (-sanitize=fuzzer,address) into .build-fuzz, links one binary
# per harness and runs each for FUZZ_SECONDS over its seeds (Tests/Fuzz/corpus/NAME).
# Fails when a harness crashes and names the crash input. FUZZ_TARGETS="csv json" for some.
FUZZ_SECONDS ?= 30
fuzz: deps
	FUZZ_SECONDS="$(FUZZ_SECONDS)" SWIFT="$(SWIFT)" bash Tests/Fuzz/fuzz.sh

# The man page comes from the release build itself: swift-argument-parser's generate-manual
# tool (what its GenerateManual plugin runs) is built into $(RELEASE_DIR) with the same
# RELEASE_FLAGS and run on the release binary. Not the plugin: it builds the package again
# into the same folder without RELEASE_FLAGS, and the next `make install` or `make bench`
# then rebuilt all of it (12 minutes); now an unchanged tree installs in seconds.
install: deps
	$(SWIFT) build $(RELEASE_FLAGS) --scratch-path $(RELEASE_DIR) $(SWIFT_FLAGS)
	$(SWIFT) build $(RELEASE_FLAGS) --scratch-path $(RELEASE_DIR) $(SWIFT_FLAGS) --product generate-manual
	install -d "$(DESTDIR)$(PREFIX)/bin" "$(DESTDIR)$(PREFIX)/share/man/man1" \
		"$(DESTDIR)$(PREFIX)/share/bash-completion/completions" \
		"$(DESTDIR)$(PREFIX)/share/zsh/site-functions" \
		"$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d"
	install -s -m 0755 $(RELEASE_DIR)/release/orderctl "$(DESTDIR)$(PREFIX)/bin/orderctl"
	$(RELEASE_DIR)/release/orderctl --generate-completion-script bash > "$(DESTDIR)$(PREFIX)/share/bash-completion/completions/orderctl"
	$(RELEASE_DIR)/release/orderctl --generate-completion-script zsh > "$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_orderctl"
	$(RELEASE_DIR)/release/orderctl --generate-completion-script fish > "$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/orderctl.fish"
	rm -rf $(RELEASE_DIR)/man && mkdir -p $(RELEASE_DIR)/man
	$(RELEASE_DIR)/release/generate-manual $(RELEASE_DIR)/release/orderctl --output-directory $(RELEASE_DIR)/man
	bash Tests/Man/finish-man.sh $(RELEASE_DIR)/man/orderctl.1 $(RELEASE_DIR)/orderctl.1
	install -m 0644 $(RELEASE_DIR)/orderctl.1 "$(DESTDIR)$(PREFIX)/share/man/man1/orderctl.1"
	@echo "installed $(DESTDIR)$(PREFIX)/bin/orderctl"

# What CI runs after the tests: `make install` into a temporary DESTDIR (so the fully
# static lld link is built on every change), then the installed orderctl must run
# (--version) and be static (file(1); Debian: file), and the man page (with the sections
# finish-man.sh adds) and the completions must be there.
install-check:
	@if ! command -v file >/dev/null 2>&1; then \
		echo "installing: file"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq file; \
	fi
	@set -euo pipefail; dest=$$(mktemp -d); trap 'rm -rf "$$dest"' EXIT; \
	$(MAKE) --no-print-directory install DESTDIR="$$dest"; \
	root="$$dest$(PREFIX)"; bin="$$root/bin/orderctl"; \
	"$$bin" --version; \
	kind=$$(file -b "$$bin"); echo "$$kind"; \
	case "$$kind" in *"statically linked"*|*"static-pie linked"*) ;; \
		*) echo "install-check: $$bin is not a static executable" >&2; exit 1;; esac; \
	for f in share/man/man1/orderctl.1 share/bash-completion/completions/orderctl \
		share/zsh/site-functions/_orderctl share/fish/vendor_completions.d/orderctl.fish; do \
		[ -s "$$root/$$f" ] || { echo "install-check: $$f missing or empty" >&2; exit 1; }; \
	done; \
	for s in ENVIRONMENT FILES '"EXIT STATUS"'; do \
		grep -qxF ".Sh $$s" "$$root/share/man/man1/orderctl.1" || \
			{ echo "install-check: the man page lacks .Sh $$s" >&2; exit 1; }; \
	done; \
	echo "install-check: static orderctl runs; man page and completions installed"

uninstall:
	rm -f "$(DESTDIR)$(PREFIX)/bin/orderctl" "$(DESTDIR)$(PREFIX)/share/man/man1/orderctl.1" \
		"$(DESTDIR)$(PREFIX)/share/bash-completion/completions/orderctl" \
		"$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_orderctl" \
		"$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/orderctl.fish"

# The toolchain's swift-format, configured by .swift-format (4 spaces, 120 columns, one
# statement per line, one variable per declaration, ordered imports). `make lint` fails on
# any difference `make format` would make, and on the lint rules it cannot fix itself.
FORMAT_PATHS := Sources Tests Package.swift
format:
	$(SWIFT) format format --in-place --recursive --parallel $(FORMAT_PATHS)

lint:
	$(SWIFT) format lint --strict --recursive --parallel $(FORMAT_PATHS)

clean:
	rm -rf .build $(RELEASE_DIR)
