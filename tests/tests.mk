# Test targets, included by the top-level Makefile.

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRCS))
FIXTURE_SRCS := $(wildcard tests/fixtures/*.c)
FIXTURE_BINS := $(patsubst tests/fixtures/%.c,$(BUILD)/tests/fixtures/%,$(FIXTURE_SRCS))

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIB_OBJS)
	$(call msg,CC-TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(filter %.c,$^) $(LIB_OBJS) $(LDLIBS) -lcmocka -o $@

# The sender tests share one loopback HTTP server.
$(BUILD)/tests/unit/test_alerts $(BUILD)/tests/unit/test_export_otlp $(BUILD)/tests/unit/test_trace: \
	tests/unit/http_test_server.c tests/unit/http_test_server.h
# The policy tests share how a policy is loaded from text.
$(BUILD)/tests/unit/test_dnsx $(BUILD)/tests/unit/test_policy_regex: tests/unit/policy_load.h

$(BUILD)/tests/fixtures/%: tests/fixtures/%.c
	$(call msg,CC-FIX,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< -lpthread -o $@

# compat32 again as a static 32-bit program, which the VM guests run as a
# compat process: i686 under x86_64's IA32 emulation, armhf as AArch32 on
# arm64; only where Debian's cross compiler for it is installed
# (tools/deps-cross.sh vm; gcc-multilib conflicts with the arm64 one).
COMPAT32_NAME := $(if $(filter arm64,$(ARCH)),compat32-armhf,compat32-i386)
COMPAT32_CC ?= $(if $(filter arm64,$(ARCH)),arm-linux-gnueabihf-gcc,i686-linux-gnu-gcc)
ifneq ($(shell command -v $(COMPAT32_CC) 2>/dev/null),)
FIXTURE_BINS += $(BUILD)/tests/fixtures/$(COMPAT32_NAME)
endif
$(BUILD)/tests/fixtures/$(COMPAT32_NAME): tests/fixtures/compat32.c
	$(call msg,CC-FIX32,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(COMPAT32_CC) -static -O2 -g -Wall -Wextra -Wformat=2 -Wshadow $< -o $@

# The metrics demo compiles metrics.c into itself (rebuilt when that changes)
# and links the lib/ files metrics.c uses: the clock, the record names, threads.
METRICS_DEMO_LIB := user/lib/clock.c user/lib/record_names.c user/lib/thread.c
$(BUILD)/tests/fixtures/metrics_demo: tests/fixtures/metrics_demo.c $(METRICS_DEMO_LIB) \
		user/export/metrics.c user/export/metrics.h user/lib/log.h user/lib/clock.h \
		user/lib/record_names.h user/lib/thread.h
	$(call msg,CC-FIX,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< $(METRICS_DEMO_LIB) -lpthread -o $@

# The arm64 BPF objects are built too, so a change that breaks them fails CI.

test-build: $(BUILD)/buildwarden $(UNIT_BINS) $(FIXTURE_BINS)
	$(Q)$(MAKE) --no-print-directory ARCH=arm64 bpf

# The same suites again against an ASan/UBSan build (tests/run.sh, suite
# san); not when this run is itself the sanitizer build.
SAN_BUILD := build-san-address-undefined

test:
	$(Q)tools/deps.sh all
	$(Q)tools/deps-cross.sh all || echo "tests: cross/QEMU packages unavailable; the vm suite will say why it skips" >&2
	$(Q)$(MAKE) --no-print-directory $(SUB_J) test-build
ifeq ($(strip $(SANITIZE)),)
	$(Q)$(MAKE) --no-print-directory $(SUB_J) SANITIZE=address,undefined BUILD=$(SAN_BUILD) test-build
endif
	$(Q)BW_SAN_BUILD=$(SAN_BUILD) tests/run.sh

test-unit test-bpf test-cli: test-build
	$(Q)tests/run.sh $(patsubst test-%,%,$@)

.PHONY: test-build

# Benchmarks: ratios measured side by side in one run, no pass/fail.
BENCH_BINS := $(BUILD)/bench/bench_policy $(BUILD)/bench/bench_trace

$(BUILD)/bench/%: tools/bench/%.c $(LIB_OBJS)
	$(call msg,CC-BENCH,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< $(LIB_OBJS) $(LDLIBS) -o $@

# Agents side by side: tools/bench/bench_agents.py, docs/BENCHMARKS.md.
BENCH_AGENT_BINS := $(BUILD)/bench/tiny $(BUILD)/bench/exec_storm

# Explicit rules: these two do not link buildwarden's objects; tiny is static.
$(BUILD)/bench/tiny: tools/bench/tiny.c
	$(call msg,CC-BENCH,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -static $< -o $@

$(BUILD)/bench/exec_storm: tools/bench/exec_storm.c
	$(call msg,CC-BENCH,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< -o $@

# tests/bpf/test_bench_instructions.py runs a small storm of them.
test-build: $(BENCH_AGENT_BINS)

bench: $(BENCH_BINS) $(BUILD)/buildwarden $(BENCH_AGENT_BINS) $(BUILD)/bench/syscall_cost
	$(Q)$(BUILD)/bench/bench_policy
	$(Q)$(BUILD)/bench/bench_trace
	$(Q)python3 tools/bench/bench_syscalls.py --build $(BUILD)
	$(Q)tools/bench/deps.sh
	$(Q)python3 tools/bench/bench_agents.py --build $(BUILD)

bench-agents: $(BUILD)/buildwarden $(BENCH_AGENT_BINS)
	$(Q)tools/bench/deps.sh
	$(Q)python3 tools/bench/bench_agents.py --build $(BUILD)

.PHONY: bench-agents

# The event loop's instructions per exec (callgrind): tools/bench/bench_instructions.py.
# BASE=path/to/another/buildwarden compares with it on the same storm.
bench-instructions: $(BUILD)/buildwarden $(BENCH_AGENT_BINS)
	$(Q)python3 tools/bench/bench_instructions.py --build $(BUILD) $(if $(BASE),--base $(BASE))

.PHONY: bench-instructions

# Per-syscall cost of the syscall hooks: tools/bench/bench_syscalls.py.
$(BUILD)/bench/syscall_cost: tools/bench/syscall_cost.c
	$(call msg,CC-BENCH,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< -o $@

bench-syscalls: $(BUILD)/buildwarden $(BUILD)/bench/syscall_cost
	$(Q)python3 tools/bench/bench_syscalls.py --build $(BUILD)

.PHONY: bench-syscalls
