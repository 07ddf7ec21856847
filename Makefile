# SPDX-License-Identifier: GPL-2.0
#
# msocket: multi-stack Berkeley sockets for Linux.
#
#   make               build msocket.ko (against KDIR, default: the reference kernel)
#   make install       install msocket.ko for the running kernel (or KDIR), depmod
#   make dkms          install the module's source for DKMS and dkms install it
#   make demo          build everything, boot the VM, show msocket working
#   make check         build everything and run every test in the VM, on the
#                      reference kernel and the stock ones (MSOCKET_KERNELS)
#   make run CMD='...' run any command in the VM
#   make vm            interactive shell in the VM
#   make lint          rustfmt, clippy and checkpatch
#   make kernel        build (or reuse) the reference kernel; print its path
#   make install       install (PREFIX=/usr/local, DESTDIR=); make uninstall
#
# KDIR=/path/to/kernel/build (a build tree, or headers such as Debian's
# /usr/src/linux-headers-RELEASE) builds the module for another kernel, in the
# mode that fits it: with the kernel's own Rust, or self-contained
# (tools/scripts/module.sh; Documentation/admin-guide/msocket-kernels.rst).

LLVM ?= -19
KERNEL_FRAGMENTS ?= tools/kernel/msocket.config
SETUP := tools/scripts/setup.sh
VM := tools/vm/msocket-vm
BUILD := $(CURDIR)/build

# Whether KDIR was given (install-module builds for the running kernel if not).
KDIR_GIVEN := $(filter-out undefined,$(origin KDIR))
# The reference kernel, built on demand (once per make) and cached outside
# the repository by tools/scripts/kernel.sh.
ifeq ($(origin KDIR),undefined)
KDIR = $(eval KDIR := $(shell $(CURDIR)/tools/scripts/kernel.sh \
	$(addprefix $(CURDIR)/,$(KERNEL_FRAGMENTS))))$(KDIR)
endif
# KSRC: the source tree of KDIR (for kselftest_harness.h and checkpatch).
ifeq ($(origin KSRC),undefined)
KSRC = $(eval KSRC := $(shell readlink -f $(KDIR)/source 2>/dev/null || echo $(KDIR)))$(KSRC)
endif

.PHONY: all modules install install-module uninstall-module dkms setup kernel clean selftests libmsocket samples userspace \
	check demo insn-profile run vm lint fmt rust-userspace rust-vm-tests bench msocket-bench mstack-tests check-debug \
	check-kcsan rustfmt clippy checkpatch uninstall install-userspace uninstall-userspace

all: modules

modules:
	@tools/scripts/module.sh $(KDIR)

# Install msocket.ko for the running kernel (or KDIR) where modprobe finds it,
# so that mount -t msockfs loads it. DESTDIR installs into a staging tree.
INSTALL_KDIR = $(if $(KDIR_GIVEN),$(KDIR),/lib/modules/$(shell uname -r)/build)
install-module:
	@if [ ! -e $(INSTALL_KDIR)/include/config/kernel.release ]; then \
		echo "install-module: no kernel headers at $(INSTALL_KDIR) (Debian: apt install" \
			"linux-headers-$$(uname -r), or give KDIR=)" >&2; \
		$(if $(filter install-module,$(MAKECMDGOALS)),exit 1, \
			echo "install: msocket.ko is not installed" >&2; exit 0); \
	fi; \
	rel=$$(cat $(INSTALL_KDIR)/include/config/kernel.release) && \
	tools/scripts/module.sh $(INSTALL_KDIR) $(BUILD)/kernels/$$rel && \
	install -D -m 0644 $(BUILD)/kernels/$$rel/msocket.ko \
		$(DESTDIR)/lib/modules/$$rel/updates/msocket.ko && \
	echo "installed $(DESTDIR)/lib/modules/$$rel/updates/msocket.ko" && \
	depmod $(if $(DESTDIR),-b $(DESTDIR)) $$rel

uninstall-module:
	@rel=$$(cat $(INSTALL_KDIR)/include/config/kernel.release 2>/dev/null) && \
	[ -e $(DESTDIR)/lib/modules/$$rel/updates/msocket.ko ] && \
	rm -f $(DESTDIR)/lib/modules/$$rel/updates/msocket.ko && \
	depmod $(if $(DESTDIR),-b $(DESTDIR)) $$rel || true

# DKMS: the module's sources in /usr/src/msocket-VERSION, built and installed
# by dkms for the running kernel (DKMS_KERNEL=RELEASE for another), and again
# by dkms for every kernel installed later (dkms.conf).
MSOCKET_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
DKMS_KERNEL ?= $(shell uname -r)
dkms:
	@tools/scripts/dkms-source.sh $(DESTDIR)/usr/src/msocket-$(MSOCKET_VERSION)
	dkms install msocket/$(MSOCKET_VERSION) -k $(DKMS_KERNEL)

setup:
	@$(SETUP)

kernel:
	@echo $(KDIR)

selftests:
	@mkdir -p $(BUILD)/selftests
	$(MAKE) -C tools/testing/selftests/msocket KSRC=$(KSRC) KDIR=$(KDIR) \
		OUTPUT=$(BUILD)/selftests

libmsocket:
	$(MAKE) -C tools/lib/msocket OUTPUT=$(BUILD)

samples: libmsocket
	$(MAKE) -C samples OUTPUT=$(BUILD)

# mstack, the msocket crate and the Rust sample (cargo workspace in tools/).
CARGO := CARGO_TARGET_DIR=$(BUILD)/cargo cargo
rust-userspace:
	$(CARGO) build --release --manifest-path tools/Cargo.toml
	@mkdir -p $(BUILD)/bin $(BUILD)/samples
	cp $(BUILD)/cargo/release/mstack $(BUILD)/bin/mstack
	cp $(BUILD)/cargo/release/two-stacks $(BUILD)/samples/two-stacks-rs

# The crate's tests against real stacks, run in the VM (test set "crate").
rust-vm-tests:
	@mkdir -p $(BUILD)/tests
	$(CARGO) test --release --manifest-path tools/Cargo.toml -p msocket --features tokio \
		--test stacks --no-run --message-format=json-render-diagnostics > $(BUILD)/tests/stacks.json
	cp "$$(python3 -c 'import json, sys; print(*[m["executable"] for m in map(json.loads, sys.stdin) \
		if m.get("reason") == "compiler-artifact" and m.get("executable")])' \
		< $(BUILD)/tests/stacks.json)" $(BUILD)/tests/msocket-rs-stacks

msocket-bench: libmsocket
	$(MAKE) -C tools/bench OUTPUT=$(BUILD)

# Clients for the supervisor tests (C static; Go if golang-go is installed).
mstack-tests:
	$(MAKE) -C tools/testing/mstack OUTPUT=$(BUILD)

userspace: libmsocket samples selftests rust-userspace rust-vm-tests msocket-bench mstack-tests

# --- Install, as a distribution would lay it out: PREFIX (default /usr/local)
# and DESTDIR (a staging root) as usual. mstack finds the preload library at
# bin/../lib. The Python package installs with pip (pip install tools/python).
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man
# the directories bash-completion, zsh and fish read for installed packages
COMPLETIONS = bash:$(PREFIX)/share/bash-completion/completions/mstack \
	zsh:$(PREFIX)/share/zsh/site-functions/_mstack \
	fish:$(PREFIX)/share/fish/vendor_completions.d/mstack.fish
# man pages that are another name for msocket.3
MAN3_LINKS = msocketat.3 msocket_handle.3 msocket_handleat.3

# msocket.ko (install-module, above: for the running kernel or KDIR, with
# depmod) and the userspace part.
install: install-module install-userspace
uninstall: uninstall-module uninstall-userspace

install-userspace: libmsocket rust-userspace
	$(MAKE) -C tools/lib/msocket OUTPUT=$(BUILD) PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) install
	install -D -m 755 $(BUILD)/bin/mstack $(DESTDIR)$(BINDIR)/mstack
	install -D -m 644 Documentation/man/msocket.3 $(DESTDIR)$(MANDIR)/man3/msocket.3
	for m in $(MAN3_LINKS); do echo '.so man3/msocket.3' > $(DESTDIR)$(MANDIR)/man3/$$m; done
	install -D -m 644 Documentation/man/mstack.8 $(DESTDIR)$(MANDIR)/man8/mstack.8
	@# every shell "mstack completions" knows
	@for c in $(COMPLETIONS); do \
		sh=$${c%%:*}; dest=$(DESTDIR)$${c#*:}; \
		if $(BUILD)/bin/mstack completions $$sh > $(BUILD)/mstack-completion.$$sh 2>/dev/null; then \
			echo "install -D -m 644 $(BUILD)/mstack-completion.$$sh $$dest"; \
			install -D -m 644 $(BUILD)/mstack-completion.$$sh $$dest || exit 1; \
		else \
			echo "install: mstack has no $$sh completions; skipped"; \
		fi; \
	done
	@# the run-time linker's cache, when installing for this system
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then ldconfig; fi

uninstall-userspace:
	$(MAKE) -C tools/lib/msocket OUTPUT=$(BUILD) PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) uninstall
	rm -f $(DESTDIR)$(BINDIR)/mstack $(DESTDIR)$(MANDIR)/man3/msocket.3 \
		$(addprefix $(DESTDIR)$(MANDIR)/man3/,$(MAN3_LINKS)) $(DESTDIR)$(MANDIR)/man8/mstack.8 \
		$(foreach c,$(COMPLETIONS),$(DESTDIR)$(lastword $(subst :, ,$(c))))
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then ldconfig; fi

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) LLVM=$(LLVM) clean
	rm -rf $(BUILD) rust/msocket_helpers.c

# The README's test command: everything, from a fresh machine.
check:
	@$(SETUP)
	@$(MAKE) --no-print-directory modules userspace
	@tools/scripts/check.sh

# Every test set on the debug kernel (KASAN, kmemleak, lockdep, fault
# injection): the module is rebuilt for it here; "make" rebuilds it for the
# reference kernel afterwards. MSOCKET_FULL=1 runs the robustness set with
# its full bounds (Documentation/dev-tools/msocket-robustness.rst); SETS="kunit
# selftests" runs only those sets.
DEBUG_FRAGMENTS = $(KERNEL_FRAGMENTS) tools/kernel/debug.config
check-debug:
	@$(SETUP)
	@kdir=$$(tools/scripts/kernel.sh $(addprefix $(CURDIR)/,$(DEBUG_FRAGMENTS))) && \
		$(MAKE) --no-print-directory KDIR=$$kdir modules userspace
	@tools/vm/msocket-vm --debug --timeout 5400 test $(SETS)

# Every test set but the fault injection on the KCSAN kernel (the data race
# detector; it cannot share a kernel with KASAN): MSOCKET_FULL=1 and SETS=
# as for check-debug.
KCSAN_FRAGMENTS = $(KERNEL_FRAGMENTS) tools/kernel/kcsan.config
check-kcsan:
	@$(SETUP)
	@kdir=$$(tools/scripts/kernel.sh $(addprefix $(CURDIR)/,$(KCSAN_FRAGMENTS))) && \
		$(MAKE) --no-print-directory KDIR=$$kdir modules userspace
	@tools/vm/msocket-vm --kcsan --timeout 5400 test $(or $(SETS),kunit selftests robustness)

# The README's main command: build everything, boot the VM, show msocket.
demo:
	@$(SETUP)
	@$(MAKE) --no-print-directory modules userspace
	@$(VM) run -- $(CURDIR)/samples/demo.sh

# The socket-creation benchmark (Documentation/userspace-api/msocket-performance.rst);
# KERNEL=debian-6.12 or debian-7.3 runs it on that stock kernel.
bench:
	@$(SETUP)
ifdef KERNEL
	@$(MAKE) --no-print-directory userspace
	@tools/scripts/stock-kernel.sh build $(KERNEL) >/dev/null
	@$(VM) --kernel $(KERNEL) run -- $(CURDIR)/tools/vm/guest/bench.sh
else
	@$(MAKE) --no-print-directory modules userspace
	@$(VM) run -- $(CURDIR)/tools/vm/guest/bench.sh
endif

# Instructions per operation, per kernel function, under TCG (a QEMU plugin):
# make insn-profile VARIANTS="socket_tcp msocketat_tcp"
VARIANTS ?= socket_tcp msocketat_tcp msocket_path_tcp setns_roundtrip_tcp
insn-profile:
	@$(SETUP)
	@$(MAKE) --no-print-directory modules userspace
	@tools/bench/insn-profile/insn-profile $(VARIANTS)

run:
	@$(VM) run -- sh -c '$(CMD)'

vm:
	@$(VM) shell

RUSTFMT = rustfmt --edition 2021 --config-path $(KSRC)/.rustfmt.toml

rustfmt:
	$(RUSTFMT) --check rust/*.rs
	cargo fmt --manifest-path tools/Cargo.toml --all --check

fmt:
	$(RUSTFMT) rust/*.rs

clippy:
	$(MAKE) -C $(KDIR) M=$(CURDIR) LLVM=$(LLVM) CLIPPY=1 modules
	$(CARGO) clippy --release --manifest-path tools/Cargo.toml --all-targets --features msocket/tokio \
		-- -D warnings

checkpatch:
	$(KSRC)/scripts/checkpatch.pl --no-tree -f \
		rust/msockfs.c rust/msockfs_access.c rust/msockfs.h rust/msockfs_internal.h \
		include/uapi/linux/msocket.h \
		$(wildcard tools/testing/selftests/msocket/*.[ch] tools/lib/msocket/*.[ch] samples/c/*.c \
		tools/bench/*.c tools/bench/insn-profile/*.[ch] tools/testing/mstack/*.c)

lint: rustfmt clippy checkpatch
