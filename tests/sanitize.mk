# `make ... SANITIZE=address,undefined`: everything (agent, unit tests,
# fixtures) built with those sanitizers into its own tree, build-san-<list>,
# so it never mixes objects with a plain build. Included by the top-level
# Makefile after BUILD is first set and before CFLAGS is and before any
# variable built from $(BUILD) with := ; without SANITIZE it does nothing.
#
#   make test SANITIZE=address,undefined     unit, bpf, cli (and fuzz) suites
#
# Any report stops the process at once with a non-zero status (ASan 1,
# LeakSanitizer 23, UBSan via -fno-sanitize-recover), so a test that runs
# the agent fails; ASAN_OPTIONS/UBSAN_OPTIONS below are exported to every
# recipe, tests/run.sh included, unless already set.

ifneq ($(strip $(SANITIZE)),)
comma := ,
ifeq ($(BUILD),build)
BUILD := build-san-$(subst $(comma),-,$(strip $(SANITIZE)))
endif
export BUILD
CFLAGS ?= -O2 -g
SAN_FLAGS := -fsanitize=$(strip $(SANITIZE)) -fno-sanitize-recover=all -fno-omit-frame-pointer
override CFLAGS += $(SAN_FLAGS)
override LDFLAGS += $(SAN_FLAGS)
ASAN_OPTIONS ?= halt_on_error=1:abort_on_error=0:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1
UBSAN_OPTIONS ?= halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS UBSAN_OPTIONS
# The fixtures are not under test but part of the watched jobs, where
# LeakSanitizer's exit-time tracer would be an extra process (and a ptrace).
$(BUILD)/tests/fixtures/%: override CFLAGS += -fno-sanitize=all
endif
