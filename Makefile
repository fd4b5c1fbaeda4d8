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

# The builds `make test`, `make demo`, `make dist` and `make deb` start
# themselves run one job per CPU (serial, a fresh clone's two builds took
# twice as long), unless this make was given -j: then they share its slots.
NPROC := $(shell nproc 2>/dev/null || echo 1)
SUB_J = $(if $(filter -j%,$(MAKEFLAGS)),,-j$(NPROC))

LIBS_PC := libbpf json-c yaml-0.1 libpcre2-8
# libcurl and libcrypto are opened on first use (user/lib/lazy_lib.h), so a
# start does not map them and their 27 dependencies; static builds link them.
LAZY_PC := libcurl libcrypto
CFLAGS ?= -O2 -g
override CFLAGS += -std=gnu11 -Wall -Wextra -Wformat=2 -Wshadow -Wno-unused-parameter \
	-Iinclude -I$(BUILD) -Iuser -D_GNU_SOURCE
ifeq ($(STATIC),1)
LDLIBS += $(shell $(PKG_CONFIG) --libs $(LIBS_PC) $(LAZY_PC) 2>/dev/null || echo -lbpf -ljson-c -lyaml -lpcre2-8 -lcurl -lcrypto) -lelf -lz -lpthread -lm
else
LAZY_DEFS := -DBW_LAZY_LIBS
override CFLAGS += $(LAZY_DEFS)
LDLIBS += $(shell $(PKG_CONFIG) --libs $(LIBS_PC) 2>/dev/null || echo -lbpf -ljson-c -lyaml -lpcre2-8) -lelf -lz -lpthread -lm -ldl
endif

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

$(BUILD)/bpf/$(ARCH)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*/*.h) $(wildcard include/*.h)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/bpf/$(ARCH)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst .,_,$*)_bpf > $@

$(BUILD)/user/%.o: user/%.c $(wildcard user/*/*.h) $(wildcard include/*.h) $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# The default policy is a YAML file compiled in as a C string.
$(BUILD)/default_policy.inc: user/policy/default_policy.yaml tools/embed-text.sh
	$(call msg,EMBED,$@)
	$(Q)mkdir -p $(@D)
	$(Q)tools/embed-text.sh $< > $@

$(BUILD)/user/policy/policy_default.o: $(BUILD)/default_policy.inc

# The HTML report's script and style, compiled in the same way.
$(BUILD)/report_html_%.inc: user/report/report_html.% tools/embed-text.sh
	$(call msg,EMBED,$@)
	$(Q)mkdir -p $(@D)
	$(Q)tools/embed-text.sh $< > $@

HTML_ASSETS := $(BUILD)/report_html_js.inc $(BUILD)/report_html_css.inc
$(BUILD)/user/report/report_html.o: $(HTML_ASSETS)

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
	$(Q)$(MAKE) --no-print-directory $(SUB_J) all
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

# --- Release: the version, `make dist` (static tarballs) and `make deb`
# (docs/DEPLOY.md). The version is tools/version.sh's, also what
# `buildwarden --version` prints; $(BUILD)/version.inc is rewritten only
# when it changes, so only main.o is rebuilt then.
BW_VERSION := $(shell tools/version.sh)
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || stat -c %Y tools/VERSION)
export SOURCE_DATE_EPOCH
$(BUILD)/version.inc: FORCE
	$(Q)mkdir -p $(@D)
	$(Q)printf '#define BW_VERSION "%s"\n' '$(BW_VERSION)' >$@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
$(BUILD)/user/cmd/main.o: $(BUILD)/version.inc

# The man page, from docs/CLI.md (tools/gen-man.py); always written, since
# its header carries the version and the commit's date.
$(BUILD)/man/buildwarden.1: docs/CLI.md tools/gen-man.py FORCE
	$(call msg,MAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)python3 tools/gen-man.py --version $(BW_VERSION) \
		--date $$(date -u -d @$(SOURCE_DATE_EPOCH) +%Y-%m-%d) docs/CLI.md >$@

# Static x86_64 and arm64 builds, each by the static build's own rules
# (make STATIC=1 [ARCH=...]: link flags from LDLIBS and pkg-config --static),
# packed by tools/dist.sh into build/dist/ with SHA256SUMS.
DIST_ARCHS := x86 arm64
dist_build = build$(if $(filter $(HOST_ARCH),$(1)),/static,/$(1)-static)
dist_name = $(if $(filter x86,$(1)),x86_64,$(1))
dist: $(BUILD)/man/buildwarden.1
	$(Q)$(foreach a,$(DIST_ARCHS),$(MAKE) --no-print-directory $(SUB_J) STATIC=1 ARCH=$(a) \
		BUILD=$(call dist_build,$(a)) $(call dist_build,$(a))/buildwarden &&) true
	$(Q)tools/dist.sh $(BW_VERSION) build/dist $(BUILD)/man/buildwarden.1 \
		$(foreach a,$(DIST_ARCHS),$(call dist_name,$(a))=$(call dist_build,$(a))/buildwarden)

# The Debian package: the dynamic build with Debian's hardening flags, in
# its own build directory (tools/deb.sh says why not the static one).
DEB_BUILD := build/deb-build
deb: $(BUILD)/man/buildwarden.1
	$(Q)export DEB_BUILD_MAINT_OPTIONS=hardening=+all; $(MAKE) --no-print-directory $(SUB_J) BUILD=$(DEB_BUILD) \
		CFLAGS="$$(dpkg-buildflags --get CFLAGS) $$(dpkg-buildflags --get CPPFLAGS)" \
		LDFLAGS="$$(dpkg-buildflags --get LDFLAGS)" $(DEB_BUILD)/buildwarden
	$(Q)BW_OPENED_LIBS="$(shell $(PKG_CONFIG) --libs $(LAZY_PC) 2>/dev/null || echo -lcurl -lcrypto)" \
		tools/deb.sh $(BW_VERSION) build/deb $(DEB_BUILD)/buildwarden $(BUILD)/man/buildwarden.1

.PHONY: dist deb FORCE
FORCE:
# --- end of release

clean:
	rm -rf $(BUILD)
