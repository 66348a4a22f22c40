# llmbench: one non-recursive Makefile.
#
# Sources are discovered, not listed: lib/*.c builds into one static
# library; each tool folder (gen run analyze sim) that holds a main.c builds
# llm<folder>, linking that folder's other objects and the library; each
# tests/unit/test_*.c is one cmocka program; each tests/e2e/*.sh is one
# end-to-end script; each bench/*.sh one benchmark.

# Plain `make` builds everything (the stamp rule below is the first rule).
.DEFAULT_GOAL := all

VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1.0)
PREFIX  ?= /usr/local
BUILD   ?= build
CC      ?= cc

PKGS     := libcurl jansson libpcre2-8 libevent libutf8proc zlib yaml-0.1 xlsxwriter
DEB_PKGS := make gcc pkg-config libcurl4-openssl-dev libcsv-dev libpcre2-dev \
            libjansson-dev libjsmn-dev libevent-dev libutf8proc-dev libcmocka-dev \
            zlib1g-dev gnuplot-nox curl iproute2 chromium jq wrk valgrind python3 openssl \
            nghttp2-proxy libgomp1 strace libyaml-dev prometheus libxlsxwriter-dev python3-openpyxl

OPT      ?= -O2 -g
WARN     := -Wall -Wextra -Werror
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
# Not added to OPT: an OPT given on the command line (make asan gives
# one) replaces the Makefile's, and the objects were built without the
# sanitizers (only the link had them).
ifeq ($(SAN),1)
CSAN     := $(SAN_FLAGS)
LDSAN    := $(SAN_FLAGS)
endif
# A module pkg-config does not know empties all the flags, and the link
# fails on every symbol: the build stops first, naming it.
# (check, demo and asan install them first, then build in a sub-make,
# which stops there.)
PKG_MISSING := $(if $(shell command -v pkg-config),$(strip $(foreach p,$(PKGS),$(if $(shell pkg-config --exists $(p) 2>/dev/null && echo y),,$(p)))),pkg-config)
ifneq ($(PKG_MISSING),)
ifeq ($(filter deps clean tokenizers uninstall check demo asan,$(MAKECMDGOALS)),)
$(error not found: $(PKG_MISSING) (pkg-config modules): run 'make deps' (or install their -dev packages))
endif
endif
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# libcsv ships no pkg-config file on Debian. lib/ is searched for "x.h"
# only (-iquote), so <csv.h> is libcsv's header, not lib/csv.h.
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(OPT) $(CSAN) $(WARN) -MMD -MP -iquote lib -Itests/unit $(PKG_CFLAGS) \
             -DLLMBENCH_VERSION='"$(VERSION)"' \
             -DLLMBENCH_DATADIR='"$(PREFIX)/share/llmbench"' $(CFLAGS)
ALL_LIBS   = $(LDSAN) $(PKG_LIBS) -lcsv -lm -lpthread $(LDFLAGS)

ifneq ($(V),1)
Q = @
quiet = @printf '  %-6s %s\n' $(1) $(2);
endif

LIB_SRC := $(wildcard lib/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB_A   := $(BUILD)/libllmbench.a

TOOL_DIRS := $(patsubst %/main.c,%,$(wildcard gen/main.c run/main.c analyze/main.c sim/main.c))
TOOLS     := $(TOOL_DIRS:%=$(BUILD)/bin/llm%)
# Each tool folder's objects except main.o go into an archive that unit
# tests link (also before the folder has its main.c).
LIB_DIRS  := $(sort $(patsubst %/,%,$(dir $(filter-out %/main.c,$(wildcard gen/*.c run/*.c analyze/*.c sim/*.c)))))
TOOL_AS   := $(LIB_DIRS:%=$(BUILD)/lib%.a)

UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
E2E       := $(wildcard tests/e2e/*.sh)
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)
# Helper programs the bench scripts run, linked with the library.
BENCH_SRC  := $(wildcard bench/*.c)
BENCH_BINS := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
# Libraries tests preload into a tool (tests/shim/NAME.c: libNAME.so).
SHIM_SRC  := $(wildcard tests/shim/*.c)
SHIM_LIBS := $(SHIM_SRC:tests/shim/%.c=$(BUILD)/tests/lib%.so)
# Each fuzz target also builds, with the normal compiler, into a test that
# replays its corpus tests/fuzz/corpus/NAME/ (see tests/fuzz/README.md).
FUZZ_REPLAY := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=$(BUILD)/tests/fuzz_%)

# Where tests find tokenizer files: the folders LLMBENCH_TOKENIZERS names,
# what `make tokenizers` fetched, the shared folder beside the checkout
# when there is one, and the reference ids of tests/data/tokenizers.
TOKDIRS := $(CURDIR)/tokenizers$(if $(wildcard ../shared/tokenizers),:$(abspath ../shared/tokenizers)):$(CURDIR)/tests/data/tokenizers
override export LLMBENCH_TOKENIZERS := $(if $(findstring $(TOKDIRS),$(LLMBENCH_TOKENIZERS)),$(LLMBENCH_TOKENIZERS),$(if $(LLMBENCH_TOKENIZERS),$(LLMBENCH_TOKENIZERS):)$(TOKDIRS))
# Where tests find llama.cpp's llama-server, with its tiny model beside it
# (see tests/e2e/llamacpp.lib): the shared folder beside the checkout.
export LLMBENCH_LLAMA_SERVER ?= $(wildcard $(abspath ../shared/llamacpp/llama-server))

# The data folder PREFIX/share/llmbench is compiled in (a fallback after
# the folders beside the executable, lib/datadir.c): the objects that use it
# are rebuilt when PREFIX changes. The stamp is rewritten only then.
PREFIX_STAMP  := $(BUILD)/prefix.stamp
DATADIR_USERS := $(shell grep -l LLMBENCH_DATADIR lib/*.c $(TOOL_DIRS:%=%/*.c) 2>/dev/null)
$(DATADIR_USERS:%.c=$(BUILD)/%.o): $(PREFIX_STAMP)
$(PREFIX_STAMP): FORCE
	$(Q)mkdir -p $(dir $@)
	$(Q)[ "$$(cat $@ 2>/dev/null)" = "$(PREFIX)" ] || echo "$(PREFIX)" >$@

# Objects are rebuilt when the compiler's flags change (SAN=1, OPT,
# CFLAGS): a build-asan/ made before the sanitizers reached the objects
# kept its uninstrumented ones. The stamp is rewritten only then.
FLAGS_STAMP := $(BUILD)/flags.stamp
BUILD_FLAGS := $(strip $(OPT) $(CSAN) $(CFLAGS))
$(FLAGS_STAMP): FORCE
	$(Q)mkdir -p $(dir $@)
	$(Q)[ "$$(cat $@ 2>/dev/null)" = "$(BUILD_FLAGS)" ] || echo "$(BUILD_FLAGS)" >$@

.SECONDARY:
.PHONY: FORCE all deps check test asan bench fuzz fuzz-build demo install uninstall clean tokenizers
all: $(TOOLS) $(UNIT_BINS) $(BENCH_BINS) $(FUZZ_REPLAY) $(SHIM_LIBS)

$(BUILD)/%.o: %.c $(FLAGS_STAMP)
	$(call quiet,CC,$<)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB_A): $(LIB_OBJ)
	$(call quiet,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

define lib_rules
$(BUILD)/lib$(1).a: $$(patsubst %.c,$(BUILD)/%.o,$$(filter-out $(1)/main.c,$$(wildcard $(1)/*.c)))
	$$(call quiet,AR,$$@)
	$$(Q)rm -f $$@ && ar rcs $$@ $$^ $$(if $$^,,)
endef
define tool_rules
$(BUILD)/bin/llm$(1): $(BUILD)/$(1)/main.o $(BUILD)/lib$(1).a $(LIB_A)
	$$(call quiet,LINK,$$@)
	$$(Q)mkdir -p $$(dir $$@)
	$$(Q)$$(CC) -o $$@ $$^ $$(ALL_LIBS)
endef
$(foreach t,$(sort $(LIB_DIRS) $(TOOL_DIRS)),$(eval $(call lib_rules,$(t))))
$(foreach t,$(TOOL_DIRS),$(eval $(call tool_rules,$(t))))

$(BENCH_BINS): $(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIB_A)
	$(call quiet,LINK,$@)
	$(Q)$(CC) -o $@ $^ $(ALL_LIBS)

# A unit test or fuzz target named test_<tool>_* or fuzz_<tool>_* links
# that tool folder's archive; any other links the library alone. (Tools
# may reuse names among themselves: each binary links one tool folder.)
tool_a_for = $(foreach t,$(TOOL_DIRS),$(if $(filter test_$(t)_% fuzz_$(t)_%,$(1)),$(2)/lib$(t).a))
.SECONDEXPANSION:

$(BUILD)/tests/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay.o $$(call tool_a_for,fuzz_$$*,$(BUILD)) $(LIB_A)
	$(call quiet,LINK,$@)
	$(Q)$(CC) -o $@ $^ $(ALL_LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $$(call tool_a_for,$$*,$(BUILD)) $(LIB_A)
	$(call quiet,LINK,$@)
	$(Q)$(CC) -o $@ $^ $(ALL_LIBS) $(shell pkg-config --libs cmocka)

# Without the sanitizers: one library preloads into both builds' tools.
$(BUILD)/tests/lib%.so: tests/shim/%.c
	$(call quiet,SHLIB,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -std=c11 -O2 $(WARN) -shared -fPIC -o $@ $< -ldl

# Installs the Debian packages that are missing; does nothing when all are
# present, and only warns where there is no dpkg.
deps:
	$(Q)sh scripts/deps.sh $(DEB_PKGS)

test: all
	$(Q)BUILD=$(BUILD) sh tests/run.sh $(UNIT_BINS) $(FUZZ_REPLAY) $(E2E)

# The tokenizer files the tests need are fetched when no folder of
# LLMBENCH_TOKENIZERS has them; a failed download is said, and the tests
# that need the file then fail naming it.
check: deps
	$(Q)sh scripts/fetch-tokenizers.sh tokenizers >/dev/null || true
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory test

# The whole test suite under AddressSanitizer and UndefinedBehaviorSanitizer.
asan: deps
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan SAN=1 OPT='-O1 -g' test

bench: deps all
	$(Q)for b in $(wildcard bench/*.sh); do BUILD=$(BUILD) sh $$b || exit 1; done

# libFuzzer: every tests/fuzz/fuzz_NAME.c, with the library and the tool
# folders (main.c excepted) built by clang under ASan+UBSan into
# build-fuzz/, runs FUZZ_SECONDS (0: only replays the seeds) from the seeds
# in tests/fuzz/corpus/NAME/; what it learns goes to build-fuzz/corpus/NAME/
# and crashing inputs to build-fuzz/artifacts/NAME/. Fails on any crash.
FUZZ_SECONDS  ?= 60
FUZZ_CC       ?= clang
FUZZ_BUILD    := build-fuzz
FUZZ_DEB_PKGS := clang libclang-rt-14-dev
FUZZ_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS    = -std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wextra $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
                 -iquote lib -Itests/unit $(PKG_CFLAGS) -DLLMBENCH_VERSION='"$(VERSION)"' \
                 -DLLMBENCH_DATADIR='"$(PREFIX)/share/llmbench"'
FUZZ_BINS     := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/%)

fuzz:
	$(Q)sh scripts/deps.sh $(FUZZ_DEB_PKGS)
	$(Q)$(MAKE) --no-print-directory fuzz-build
	$(Q)FUZZ_BUILD=$(FUZZ_BUILD) sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

fuzz-build: $(FUZZ_BINS)

$(FUZZ_BUILD)/%.o: %.c
	$(call quiet,FUZZCC,$<)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/libllmbench.a: $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)
	$(call quiet,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

define fuzz_lib_rules
$(FUZZ_BUILD)/lib$(1).a: $$(patsubst %.c,$(FUZZ_BUILD)/%.o,$$(filter-out $(1)/main.c,$$(wildcard $(1)/*.c)))
	$$(call quiet,AR,$$@)
	$$(Q)rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach t,$(TOOL_DIRS),$(eval $(call fuzz_lib_rules,$(t))))

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/tests/fuzz/fuzz_%.o $$(call tool_a_for,fuzz_$$*,$(FUZZ_BUILD)) $(FUZZ_BUILD)/libllmbench.a
	$(call quiet,LINK,$@)
	$(Q)$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ $(PKG_LIBS) -lcsv -lm -lpthread

tokenizers:
	$(Q)sh scripts/fetch-tokenizers.sh tokenizers

# The whole pipeline on llmsim; prints a table and where the report is.
demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)sh scripts/demo.sh $(BUILD)

# Installs the tools, man pages, templates and the tokenizer files found
# in TOKSRC: colon-separated folders, by default what `make tokenizers`
# fetched and then $LLMBENCH_TOKENIZERS; the first file of a name wins.
# Says what it installed, and warns when no tokenizer file was found.
DESTDIR ?=
BINDIR  := $(DESTDIR)$(PREFIX)/bin
MANDIR  := $(DESTDIR)$(PREFIX)/share/man/man1
DATADIR := $(DESTDIR)$(PREFIX)/share/llmbench
TOKSRC  ?= tokenizers:$(LLMBENCH_TOKENIZERS)
install: all
	install -d $(BINDIR) $(MANDIR) $(DATADIR)/templates $(DATADIR)/tokenizers
	$(if $(TOOLS),install -m 755 $(TOOLS) $(BINDIR)/)
	for m in $(TOOL_DIRS:%=man/llm%.1); do [ -f $$m ] && install -m 644 $$m $(MANDIR)/ || true; done
	cp -R templates/. $(DATADIR)/templates/
	@echo "make install: $(notdir $(TOOLS)) into $(BINDIR); man pages into $(MANDIR); templates into $(DATADIR)/templates"
	@seen=; for d in $$(echo "$(TOKSRC)" | tr ':' ' '); do \
		for f in "$$d"/*.tiktoken "$$d"/*.json "$$d"/*.json.gz; do \
			[ -f "$$f" ] || continue; b=$${f##*/}; \
			case " $$seen " in *" $$b "*) continue ;; esac; \
			install -m 644 "$$f" $(DATADIR)/tokenizers/ || exit 1; seen="$$seen $$b"; \
			echo "make install: tokenizer $$b (from $$d)"; \
		done; done; \
	[ -n "$$seen" ] || echo "make install: warning: no tokenizer files in $(TOKSRC); llmgen needs them: run 'make tokenizers' first, or set LLMBENCH_TOKENIZERS or TOKSRC" >&2

uninstall:
	rm -f $(TOOL_DIRS:%=$(BINDIR)/llm%) $(TOOL_DIRS:%=$(MANDIR)/llm%.1)
	rm -rf $(DATADIR)

clean:
	rm -rf build build-asan build-fuzz

-include $(LIB_OBJ:.o=.d) $(wildcard $(BUILD)/*/*.d $(BUILD)/tests/unit/*.d $(BUILD)/tests/fuzz/*.d) \
         $(wildcard $(FUZZ_BUILD)/*/*.d $(FUZZ_BUILD)/tests/fuzz/*.d)
