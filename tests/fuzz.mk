# libFuzzer targets for every parser of outside input (docs/TESTING.md,
# docs/SECURITY.md), included by the top-level Makefile.
#
#   make fuzz                    each target FUZZ_SECONDS (default 60) s
#   make fuzz FUZZ_SECONDS=N     prints executions and crashes per target
#   make fuzz-build              only build them
#
# The user/*/*.c sources (not main.c) are compiled again with clang and
# -fsanitize=fuzzer-no-link,address,undefined into $(FUZZ_BUILD)/obj, so
# the fuzzers test the real code under ASan/UBSan. Seed corpora and
# regression inputs are tests/fuzz/<target>/; tests/fuzz/run.sh runs them
# (it is also the `fuzz` suite of tests/run.sh, a few seconds per target).

FUZZ_BUILD := $(BUILD)/fuzz
FUZZ_CC ?= $(CLANG)
FUZZ_SECONDS ?= 60
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_CFLAGS := -g -O1 -std=gnu11 -Wall -Wextra -Wno-unused-parameter \
	-Iinclude -I$(BUILD) -Iuser -D_GNU_SOURCE $(LAZY_DEFS) $(FUZZ_SAN)
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(addprefix $(FUZZ_BUILD)/fuzz_,$(FUZZ_TARGETS))
FUZZ_LIB_OBJS := $(patsubst user/%.c,$(FUZZ_BUILD)/obj/%.o,$(filter-out user/cmd/main.c,$(USER_SRCS)))

$(FUZZ_BUILD)/obj/%.o: user/%.c $(wildcard user/*/*.h) include/buildwarden_events.h $(SKELS)
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(FUZZ_LIB_OBJS)
	$(call msg,LD-FUZZ,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_LIB_OBJS) $(LDLIBS) -o $@

$(FUZZ_BUILD)/obj/policy/policy_default.o: $(BUILD)/default_policy.inc
$(FUZZ_BUILD)/obj/report/report_html.o: $(HTML_ASSETS)

# The objects are only reached through the pattern rules: keep them.
.SECONDARY: $(FUZZ_LIB_OBJS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) BUILD=$(BUILD) tests/fuzz/run.sh $(FUZZ_TARGETS)

.PHONY: fuzz fuzz-build

# `make test` builds the targets too; tests/run.sh's `fuzz` suite runs them.
test-build: fuzz-build
