# buildwarden — `make` builds everything into build/, `make test` runs every
# test, `make demo` runs a small real build under the agent. V=1 shows commands.

# --- Cross and static builds -------------------------------------
# make ARCH=arm64 (or CROSS_COMPILE=aarch64-linux-gnu-) cross-builds the whole
# agent, BPF objects for the target included, into build/arm64/ with Debian's
# cross gcc and multiarch libraries (tools/deps-cross.sh cross). STATIC=1
# links static binaries (agent, fixtures) into build/static/ (arm64:
# build/arm64-static/), with a small libcurl built from Debian's curl source
# (tools/static-curl.sh), because Debian's libcurl.a needs static krb5/LDAP/
# SSH/RTMP/PSL/nghttp2 archives that Debian does not ship. docs/PLATFORMS.md.
HOST_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
ifneq ($(CROSS_COMPILE),)
ARCH ?= $(shell echo '$(notdir $(CROSS_COMPILE))' | sed -e 's/-.*//' -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
endif
ARCH ?= $(HOST_ARCH)
ifneq ($(ARCH),$(HOST_ARCH))
CROSS_COMPILE ?= $(if $(filter arm64,$(ARCH)),aarch64-linux-gnu-,x86_64-linux-gnu-)
endif
BW_CROSS := $(filter-out $(HOST_ARCH),$(ARCH))
BUILD ?= build$(if $(BW_CROSS),/$(ARCH))$(if $(filter 1,$(STATIC)),$(if $(BW_CROSS),-static,/static))
PKG_CONFIG ?= pkg-config
ifneq ($(CROSS_COMPILE),)
ifneq ($(origin CC),command line)
CC := $(CROSS_COMPILE)gcc
endif
CROSS_TRIPLET := $(patsubst %-,%,$(notdir $(CROSS_COMPILE)))
override PKG_CONFIG := PKG_CONFIG_LIBDIR=/usr/lib/$(CROSS_TRIPLET)/pkgconfig:/usr/share/pkgconfig $(PKG_CONFIG)
endif
ifeq ($(STATIC),1)
STATIC_CURL := $(abspath $(BUILD))/curl-static
override PKG_CONFIG := PKG_CONFIG_PATH=$(STATIC_CURL)/lib/pkgconfig $(PKG_CONFIG) --static
endif
# --- end of cross and static builds ------------------------------------------
-include tests/sanitize.mk

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

LIBS_PC := libbpf json-c yaml-0.1 libcurl libcrypto libpcre2-8
CFLAGS ?= -O2 -g
override CFLAGS += -std=gnu11 -Wall -Wextra -Wformat=2 -Wshadow -Wno-unused-parameter \
	-Iinclude -I$(BUILD) -Iuser -D_GNU_SOURCE
LDLIBS += $(shell $(PKG_CONFIG) --libs $(LIBS_PC) 2>/dev/null || echo -lbpf -ljson-c -lyaml -lcurl -lcrypto -lpcre2-8) -lelf -lz -lpthread -lm

# System include dirs for the BPF target, so <linux/*.h> and <asm/*.h> resolve
# as they do for the host compiler (libbpf-bootstrap's approach).
CLANG_BPF_SYS_INCLUDES ?= $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')
BPF_CFLAGS := -g -O2 -Wall -Wextra -Wno-unused-parameter -target bpf -D__TARGET_ARCH_$(ARCH) \
	-Iinclude -Ibpf $(CLANG_BPF_SYS_INCLUDES)

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/$(ARCH)/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))

USER_SRCS := $(wildcard user/*/*.c)
USER_OBJS := $(patsubst user/%.c,$(BUILD)/user/%.o,$(USER_SRCS))
# Everything but main.o, so unit tests can link the real code.
LIB_OBJS := $(filter-out $(BUILD)/user/cmd/main.o,$(USER_OBJS))

HOST_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

.DELETE_ON_ERROR:
# Generated skeletons are wanted, not intermediates to clean up.
.SECONDARY: $(SKELS) $(BPF_OBJS)
.PHONY: all bpf install demo test test-unit test-bpf test-cli deps clean bench

# Cross builds (ARCH=arm64) build the whole agent too, into build/arm64/.
all: $(BUILD)/buildwarden

bpf: $(BPF_OBJS)

$(BUILD)/bpf/$(ARCH)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*/*.h) include/buildwarden_events.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/bpf/$(ARCH)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst .,_,$*)_bpf > $@

$(BUILD)/user/%.o: user/%.c $(wildcard user/*/*.h) include/buildwarden_events.h $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# The default policy is a YAML file compiled in as a C string.
$(BUILD)/default_policy.inc: user/policy/default_policy.yaml tools/embed-text.sh
	$(call msg,EMBED,$@)
	$(Q)mkdir -p $(@D)
	$(Q)tools/embed-text.sh $< > $@

$(BUILD)/user/policy/policy_default.o: $(BUILD)/default_policy.inc

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
-include tests/vm.mk
-include tests/fuzz.mk

# --- Static builds: every link static, libcurl from tools/static-curl.sh
ifeq ($(STATIC),1)
override CFLAGS += -static
LDFLAGS += -L$(STATIC_CURL)/lib
$(BUILD)/buildwarden: | $(STATIC_CURL)/lib/pkgconfig/libcurl.pc
$(STATIC_CURL)/lib/pkgconfig/libcurl.pc:
	$(call msg,CURL,$@)
	$(Q)tools/static-curl.sh '$(CROSS_COMPILE)' $(STATIC_CURL) build/debian-src
endif
# --- end of static builds

clean:
	rm -rf $(BUILD)
