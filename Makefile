# SPDX-License-Identifier: GPL-2.0
#
# tg3cap: in-driver capture for tg3 NICs, its reader and its test bed.
#
#   make demo         the VM demo: build, boot, replay traffic, capture,
#                     show the files (PCAP=FILE replays your own capture)
#   make check        the whole test suite (what CI runs)
#   make check-fast   unit tests and patch checks, no kernel build, no VM
#   make soak         6.12's whole hygiene, the reliability suite at full
#                     counts (1,000 kills, 1,000,000 ioctls, 20 lifecycle
#                     cycles), debug kernel, its race, contend and
#                     lifecycle cases again on the KCSAN kernel, 20
#                     minutes of each fuzz target
#                     (tests/fuzz), then the reliability suite (tg3's
#                     KUnit suite among its cases) on a 6.12 debug
#                     kernel, the reader suite and tg3's KUnit suite
#                     on a plain kernel (no netfilter) on 6.12 (issue
#                     27; 6.12's capture suite, with the patched tg3 on
#                     the BCM5719 model, and the Debian 13 appliance
#                     run in make check)
#   make bench        benchmarks: capacity vs pcap_dump and memcpy, disk, VM loss
#   make bench-loss   only the VM loss sweeps of docs/results.md (~80 min)
#   make deps         install the Debian packages everything needs, and
#                     unpack Debian's 6.12 headers and image in build/
#   make tree         unpack linux-source-6.1 and apply patches/6.1/series
#   make modules      build lwpcap, tg3, e1000, virtio_net out of tree
#                     (tree, modules, kernel-deb: KSERIES=6.12 for 6.12,
#                     in build/tree-6.12.*, build/mod-6.12, ...)
#   make debug-kernel the KASAN/lockdep/kmemleak kernel of the VM tests
#                     (reliability and KUnit suites), in build/dbg
#                     (KSERIES=6.12: 6.12's, in build/dbg-6.12)
#   make userland     build tg3cap-reader
#   make deb          Debian packages tg3cap-dkms and tg3cap-reader in
#                     build/deb/ (dpkg-buildpackage, dh-dkms, lintian)
#   make kernel-deb   Debian packages of a kernel built from the patched
#                     tree, in build/kdeb/ (a full Debian-config kernel
#                     build: hours, not part of make check)
#   make patches      regenerate patches/*/0001 from driver/
#   make clean        remove build outputs (build/, userland binaries)
#
# Build outputs go to build/ (BUILD_DIR), which git ignores.

BUILD_DIR ?= $(CURDIR)/build
export BUILD_DIR
# The kernel series of tree, modules and kernel-deb (driver/kver.sh);
# every other target picks its own, so LWP_KSERIES from the caller's
# environment is not passed on (make check builds 6.1 as its default).
KSERIES ?= 6.1
unexport LWP_KSERIES

# (the last line: what tests/vm/qemu/build.sh needs to build QEMU with the
# tg3 model, installed here so that make check's build of it in the
# background never runs apt)
DEB_PKGS := build-essential bc bison flex libelf-dev libssl-dev kmod cpio \
	xz-utils linux-source-6.1 linux-headers-amd64 linux-image-amd64 \
	linux-source-6.12 pahole \
	qemu-system-x86 busybox-static quilt sparse iproute2 ethtool \
	tcpreplay tcpdump libpcap-dev wireshark-common tshark valgrind \
	man-db groff-base gnuplot-nox python3 libcap2-bin \
	dpkg-dev debhelper dh-dkms dkms fakeroot lintian mmdebstrap \
	e2fsprogs util-linux fio netsniff-ng \
	clang-14 libclang-rt-14-dev llvm-14 \
	meson ninja-build pkg-config libglib2.0-dev libpixman-1-dev \
	zlib1g-dev libfdt-dev libcap-ng-dev libattr1-dev

.PHONY: all deps tree modules debug-kernel userland patches check \
	check-fast demo soak bench bench-loss clean deb kernel-deb

all: modules userland

deps:
	@missing=; for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
			grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		echo 'wireshark-common wireshark-common/install-setuid boolean false' | \
			debconf-set-selections; \
		apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends $$missing; \
	fi
	@# 6.12's headers and image, unpacked, not installed (driver/kpkg.sh)
	@driver/kpkg.sh 6.12 >/dev/null
	@# promtool, for the --metrics tests and the alert rules
	@tests/lib/promtool.sh >/dev/null
	@# a /bin/busybox that is not the static one (overwritten by hand or
	@# by an old mkinitramfs.sh) breaks every VM image: reinstall it
	@if ldd /bin/busybox >/dev/null 2>&1 || \
		! /bin/busybox --list >/dev/null 2>&1; then \
		echo "/bin/busybox is not busybox-static's: reinstalling it"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--reinstall busybox-static; \
	fi

tree: deps
	LWP_KSERIES=$(KSERIES) driver/prep-tree.sh >/dev/null

modules: deps
	LWP_KSERIES=$(KSERIES) driver/build-modules.sh

debug-kernel: deps
	LWP_KSERIES=$(KSERIES) tests/vm/debug-kernel.sh >/dev/null

userland: deps
	$(MAKE) -C userland

deb: deps
	driver/mkdeb.sh

kernel-deb: deps
	LWP_KSERIES=$(KSERIES) driver/kernel-deb.sh

patches: deps
	driver/mkpatch.sh --all

check-fast: deps
	tests/check.sh --fast

check: deps
	tests/check.sh

soak: deps
	LWP_KSERIES=6.12 driver/hygiene.sh
	tests/reliability/run.sh --soak
	TG3CAP_DBG_FLAVOUR=kcsan tests/reliability/run.sh --soak race \
		contend lifecycle-e1000 lifecycle-virtio lifecycle-ingress
	tests/fuzz/run.sh --soak --seconds 1200 --jobs 2
	LWP_KSERIES=6.12 REL_BUILD=1 tests/reliability/run.sh
	LWP_KSERIES=6.12 tests/reader/run.sh
	LWP_KSERIES=6.12 tests/kunit/run.sh --plain

bench: deps
	bench/run.sh

bench-loss: deps
	bench/run.sh --loss

demo: deps
	tests/demo.sh $(if $(PCAP),--pcap "$(PCAP)")

clean:
	rm -rf "$(BUILD_DIR)" demo-out
	$(MAKE) -C userland clean
