# Test targets, included by the top-level Makefile.

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRCS))
FIXTURE_SRCS := $(wildcard tests/fixtures/*.c)
FIXTURE_BINS := $(patsubst tests/fixtures/%.c,$(BUILD)/tests/fixtures/%,$(FIXTURE_SRCS))

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIB_OBJS)
	$(call msg,CC-TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< $(LIB_OBJS) $(LDLIBS) -lcmocka -o $@

$(BUILD)/tests/fixtures/%: tests/fixtures/%.c
	$(call msg,CC-FIX,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< -lpthread -o $@

# The arm64 BPF objects are built too, so a change that breaks them fails CI.
test-build: $(BUILD)/buildwarden $(UNIT_BINS) $(FIXTURE_BINS)
	$(Q)$(MAKE) --no-print-directory ARCH=arm64 bpf

test:
	$(Q)tools/deps.sh all
	$(Q)$(MAKE) --no-print-directory test-build
	$(Q)tests/run.sh

test-unit test-bpf test-cli: test-build
	$(Q)tests/run.sh $(patsubst test-%,%,$@)

.PHONY: test-build

# Benchmarks: ratios measured side by side in one run, no pass/fail.
BENCH_BINS := $(BUILD)/bench/bench_policy

$(BUILD)/bench/%: tools/bench/%.c $(LIB_OBJS)
	$(call msg,CC-BENCH,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< $(LIB_OBJS) $(LDLIBS) -o $@

bench: $(BENCH_BINS)
	$(Q)$(BUILD)/bench/bench_policy
