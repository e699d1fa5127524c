# schedlab build.
#
#   make            build build/release/schedlab
#   make run        build, then run the demo (see README)
#   make test       install missing packages, build release + ASan/UBSan (+ TSan for
#                   the threaded suites), run every test
#   make fuzz       build the libFuzzer targets (build/fuzz/*)
#   make bench      run the benchmarks that feed bench/RESULTS.md
#
# Sources are found by wildcard: a new src/<module>/*.c or src/plugins/*.c
# file is built without touching this file. Every test is tests/unit/test_*.c
# (one binary each, linked with libschedlab.a) or a script tests/cli/*.sh.

CC       ?= clang
ifeq ($(origin CC),default)
CC       := clang
endif
CSTD     := -std=c11 -D_GNU_SOURCE
WARN     := -Wall -Wextra -Werror -Wno-unused-parameter
INC      := -Isrc -I.
LIBS     := -ljansson -lyaml -lpcre2-8 -lsqlite3 -lcurl -lmicrohttpd -lgnutls -lm -lpthread
OPT      ?= -O2 -g
MAIN_SRC := src/cmd/main.c

MODE     ?= release
BUILD    ?= build/$(MODE)
# MODULES limits what goes into libschedlab.a (e.g. `make MODULES="base wasm"`
# while other modules are half-written); the default is everything.
MODULES  ?= base k8s store apiserver client scheduler plugins extender wasm wasmplugin cmd
ifeq ($(MODE),asan)
OPT      := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
endif
ifeq ($(MODE),tsan)
OPT      := -O1 -g -fno-omit-frame-pointer -fsanitize=thread
endif
# The ThreadSanitizer build (MODE=tsan) covers the suites that run threads:
# the scheduler's worker pool (Filter/Score forced parallel, per-worker
# plugin state by worker index) and the wasm runtime's cross-thread
# interrupt and parallel instances; the object store (writers, watchers and
# listeners on several threads) and the clock; wasm plugins on the worker pool.
TSAN_TESTS := test_scheduler test_kube_list test_framework test_permit test_registry test_wasm_api test_wasm_exec \
              test_store test_clock test_wasmplugin

CFLAGS   := $(CSTD) $(WARN) $(INC) $(OPT) -pthread $(EXTRA_CFLAGS)
LDFLAGS  := $(OPT) -pthread

LIB_SRC  := $(sort $(filter-out $(MAIN_SRC),$(foreach m,$(MODULES),$(wildcard src/$(m)/*.c))))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
# Unicode tables of the linear-time Go regexp matcher (plugins/go_regexp_vm.c),
# generated from Perl's Unicode::UCD at build time (never committed).
UNICODE_GEN := build/gen/go_unicode_tables.c
ifneq ($(filter plugins,$(MODULES)),)
LIB_OBJ  += $(BUILD)/$(UNICODE_GEN:.c=.o)
endif
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC := $(sort $(wildcard tests/tools/*.c))
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)

.PHONY: all run test test-build tsan-build deps fuzz bench clean wasm examples
all: $(BUILD)/schedlab wasm examples

# ---- wasm guests (C guest SDK in sdk/c, guests in guests/) -----------------
# build/wasm/libschedlab_guest.a = the SDK + the Go regexp (translator, NFA,
# Unicode tables); build/wasm/<guest>.wasm = guests/<guest>.c linked with it.
# Features: bulk memory (memcpy/memset become memory.copy/fill: 10-25% fewer
# instructions per guest call), sign-ext, non-trapping float-to-int — the set
# upstream's TinyGo guests use, so every compatible host has them.
WASM_CC      ?= clang
WASM_AR      ?= llvm-ar
# -flto: the archive holds LLVM bitcode and wasm-ld optimises SDK + regexp +
# guest as one unit (inlines the SDK's call/fetch helpers into the exports):
# 20-25% fewer instructions per RegexSchedulingV2 filter call (bench/RESULTS.md).
WASM_CFLAGS  := --target=wasm32-wasi -std=c11 -O2 -flto -mbulk-memory -msign-ext -mnontrapping-fptoint $(WARN) -Isdk/c -Isrc -I.
WASM_LDFLAGS := --target=wasm32-wasi -O2 -flto -nostartfiles -Wl,--no-entry -Wl,-z,stack-size=1048576 \
                -Wl,--strip-debug
WASM_SDK_SRC := sdk/c/guest.c sdk/c/proto.c src/base/strings.c src/plugins/go_regexp_syntax.c \
                src/plugins/go_regexp_vm.c $(UNICODE_GEN)
WASM_SDK_OBJ := $(WASM_SDK_SRC:%.c=build/wasm/obj/%.o)
WASM_GUESTS  := $(patsubst guests/%.c,build/wasm/%.wasm,$(wildcard guests/*.c))
build/wasm/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(WASM_CC) $(WASM_CFLAGS) -MMD -MP -c $< -o $@
build/wasm/libschedlab_guest.a: $(WASM_SDK_OBJ)
	@rm -f $@
	$(WASM_AR) rcs $@ $^
build/wasm/%.wasm: guests/%.c build/wasm/libschedlab_guest.a
	$(WASM_CC) $(WASM_CFLAGS) -MMD -MP -MF build/wasm/obj/$*.d $(WASM_LDFLAGS) -o $@ $< build/wasm/libschedlab_guest.a
wasm: build/wasm/libschedlab_guest.a $(WASM_GUESTS)

# Example programs (examples/<name>/*.c), linked with libschedlab.a. The
# release builds land in build/examples/ (e.g. build/examples/regex-extender-v1).
EXAMPLE_DIR := $(if $(filter release,$(MODE)),build/examples,$(BUILD)/examples)
EXAMPLE_BIN := $(EXAMPLE_DIR)/regex-extender-v1 $(EXAMPLE_DIR)/regex-extender-v2
examples: $(EXAMPLE_BIN)
$(EXAMPLE_DIR)/regex-extender-v%: examples/regex-extender/regex_extender.c $(BUILD)/libschedlab.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DREGEX_EXTENDER_VERSION=$* -o $@ $< $(BUILD)/libschedlab.a $(LIBS)

deps:
	@scripts/install-deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(UNICODE_GEN): scripts/gen-go-unicode.pl src/plugins/go_regexp_syntax.c
	@mkdir -p $(dir $@)
	perl $^ > $@.tmp && mv $@.tmp $@

$(BUILD)/libschedlab.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/schedlab: $(BUILD)/$(MAIN_SRC:.c=.o) $(BUILD)/libschedlab.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libschedlab.a tests/test.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests -o $@ $< $(BUILD)/libschedlab.a $(LIBS)

$(BUILD)/tools/%: tests/tools/%.c $(BUILD)/libschedlab.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests -o $@ $< $(BUILD)/libschedlab.a $(LIBS)

test-build: $(BUILD)/schedlab $(TEST_BIN) $(TOOL_BIN) $(EXAMPLE_BIN) wasm

# make MODE=tsan tsan-build: only the thread-running suites (TSAN_TESTS).
tsan-build: $(TSAN_TESTS:%=$(BUILD)/tests/%)

run: deps
	@$(MAKE) --no-print-directory all
	$(BUILD)/schedlab schedule --cluster examples/regex-demo.yaml --config examples/regex-v2.yaml -o table

test: deps
	@$(MAKE) --no-print-directory MODE=release test-build
	@$(MAKE) --no-print-directory MODE=asan test-build
	@$(MAKE) --no-print-directory MODE=tsan tsan-build
	@$(MAKE) --no-print-directory fuzz
	@tests/run.sh

FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:fuzz/%.c=build/fuzz/%)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=build/fuzz/obj/%.o) build/fuzz/obj/$(UNICODE_GEN:.c=.o)
build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(CSTD) $(WARN) $(INC) -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -pthread -MMD -MP -c $< -o $@
build/fuzz/libschedlab.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^
build/fuzz/%: fuzz/%.c build/fuzz/libschedlab.a
	clang $(CSTD) $(WARN) $(INC) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -pthread -MMD -MP -o $@ $< build/fuzz/libschedlab.a $(LIBS)
fuzz: $(FUZZ_BIN)

bench: all
	@bench/run.sh

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
