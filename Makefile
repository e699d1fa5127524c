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
LIBS     := -ljansson -lyaml -lpcre2-8 -lsqlite3 -lmicrohttpd -lcurl -lgnutls -lm -lpthread
OPT      ?= -O2 -g
MAIN_SRC := src/cmd/main.c

MODE     ?= release
BUILD    ?= build/$(MODE)
# MODULES limits what goes into libschedlab.a (e.g. `make MODULES="base wasm"`
# while other modules are half-written); the default is everything.
MODULES  ?= base k8s store apiserver client scheduler plugins wasm cmd
ifeq ($(MODE),asan)
OPT      := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
endif
ifeq ($(MODE),tsan)
OPT      := -O1 -g -fno-omit-frame-pointer -fsanitize=thread
endif
# The ThreadSanitizer build (MODE=tsan) covers the suites that run threads:
# the scheduler's worker pool (Filter/Score forced parallel, per-worker
# plugin state by worker index) and the wasm runtime's cross-thread
# interrupt and parallel instances.
TSAN_TESTS := test_scheduler test_framework test_permit test_registry test_wasm_api test_wasm_exec

CFLAGS   := $(CSTD) $(WARN) $(INC) $(OPT) -pthread $(EXTRA_CFLAGS)
LDFLAGS  := $(OPT) -pthread

LIB_SRC  := $(sort $(filter-out $(MAIN_SRC),$(foreach m,$(MODULES),$(wildcard src/$(m)/*.c))))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC := $(sort $(wildcard tests/tools/*.c))
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)

.PHONY: all run test test-build tsan-build deps fuzz bench clean
all: $(BUILD)/schedlab

deps:
	@scripts/install-deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

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

test-build: $(BUILD)/schedlab $(TEST_BIN) $(TOOL_BIN)

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
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=build/fuzz/obj/%.o)
build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(CSTD) $(WARN) $(INC) -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -pthread -c $< -o $@
build/fuzz/libschedlab.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^
build/fuzz/%: fuzz/%.c build/fuzz/libschedlab.a
	clang $(CSTD) $(WARN) $(INC) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -pthread -o $@ $< build/fuzz/libschedlab.a $(LIBS)
fuzz: $(FUZZ_BIN)

bench: all
	@bench/run.sh

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
