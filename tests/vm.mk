# VM kernel tests, included by the top-level Makefile.
# `make test-vm` boots Debian's packaged kernels (bookworm 6.1, x86_64 and
# arm64) in QEMU with an initramfs holding a static agent built for each
# architecture, and reports per kernel and architecture (tests/vm/test_vm.py,
# TAP). tests/vm/test_vm.py builds the guests itself (`make vm-guest` below),
# so it can also run as tests/run.sh's vm suite.

# The static agent and fixtures one guest needs; use with STATIC=1 [ARCH=arm64].
vm-guest: $(BUILD)/buildwarden $(FIXTURE_BINS)

test-vm:
	$(Q)tools/deps-cross.sh all
	$(Q)tests/run.sh vm

.PHONY: vm-guest test-vm
