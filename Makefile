# buildwarden — `make` builds everything into build/, `make test` runs every
# test, `make demo` runs a small real build under the agent. V=1 shows commands.

ARCH ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
BUILD ?= build
PREFIX ?= /usr/local
DESTDIR ?=

CC ?= cc
CLANG ?= clang
BPFTOOL ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
PKG_CONFIG ?= pkg-config

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

LIBS_PC := libbpf json-c yaml-0.1 libcurl libcrypto
CFLAGS ?= -O2 -g
override CFLAGS += -std=gnu11 -Wall -Wextra -Wformat=2 -Wshadow -Wno-unused-parameter \
	-Iinclude -I$(BUILD) -Iuser -D_GNU_SOURCE
LDLIBS += $(shell $(PKG_CONFIG) --libs $(LIBS_PC) 2>/dev/null || echo -lbpf -ljson-c -lyaml -lcurl -lcrypto) -lelf -lz -lpthread

# System include dirs for the BPF target, so <linux/*.h> and <asm/*.h> resolve
# as they do for the host compiler (libbpf-bootstrap's approach).
CLANG_BPF_SYS_INCLUDES ?= $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')
BPF_CFLAGS := -g -O2 -Wall -Wextra -Wno-unused-parameter -target bpf -D__TARGET_ARCH_$(ARCH) \
	-Iinclude -Ibpf $(CLANG_BPF_SYS_INCLUDES)

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/$(ARCH)/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))

USER_SRCS := $(wildcard user/*.c)
USER_OBJS := $(patsubst user/%.c,$(BUILD)/user/%.o,$(USER_SRCS))
# Everything but main.o, so unit tests can link the real code.
LIB_OBJS := $(filter-out $(BUILD)/user/main.o,$(USER_OBJS))

HOST_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

.DELETE_ON_ERROR:
# Generated skeletons are wanted, not intermediates to clean up.
.SECONDARY: $(SKELS) $(BPF_OBJS)
.PHONY: all bpf install demo test test-unit test-bpf test-cli deps clean bench

ifeq ($(ARCH),$(HOST_ARCH))
all: $(BUILD)/buildwarden
else
# Cross builds produce the BPF objects only; the daemon is built natively.
all: bpf
endif

bpf: $(BPF_OBJS)

$(BUILD)/bpf/$(ARCH)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) include/buildwarden_events.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/bpf/$(ARCH)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst .,_,$*)_bpf > $@

$(BUILD)/user/%.o: user/%.c $(wildcard user/*.h) include/buildwarden_events.h $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/buildwarden: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

install: $(BUILD)/buildwarden
	install -D -m 0755 $(BUILD)/buildwarden $(DESTDIR)$(PREFIX)/bin/buildwarden
	install -d $(DESTDIR)$(PREFIX)/share/doc/buildwarden
	install -m 0644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/buildwarden/

deps:
	$(Q)tools/deps.sh all

demo:
	$(Q)tools/deps.sh build
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tools/demo.sh $(BUILD)/buildwarden

include tests/tests.mk

clean:
	rm -rf $(BUILD)
