#!/usr/bin/env bats
# `make demo` as README gives it: the demo script with the Makefile's
# relative binary path, a real small C build under buildwarden run.

bats_require_minimum_version 1.5.0

SRC=$BATS_TEST_DIRNAME/../..

@test "demo: a small C build under buildwarden run passes and shows its tree" {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	[ -e /sys/kernel/btf/vmlinux ] || skip "kernel has no BTF"
	bw=${BUILDWARDEN:-$SRC/build/buildwarden}
	[ -x "$bw" ] || skip "buildwarden not built"
	# Relative, as `make demo` passes it: the script must cope.
	rel=$(realpath --relative-to="$SRC" "$bw")
	run -0 bash -c "cd '$SRC' && timeout 60 tools/demo.sh '$rel'"
	[[ "$output" == *"demo build: tests passed"* ]]
	[[ "$output" == *"make -j2"* ]]
	[[ "$output" == *'"lost":0'* ]]
}
