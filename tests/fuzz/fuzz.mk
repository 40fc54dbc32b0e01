# tests/fuzz/fuzz.mk: the libFuzzer harnesses (doc/RELIABILITY.md,
# "Fuzzing"), built with clang whatever compiler configure chose, since
# only clang has libFuzzer.  A plain make file, not automake: the top-level
# `make fuzz' and `make fuzz-run' call it as
#   make -f SRC/tests/fuzz/fuzz.mk SRC=abs-srcdir BUILD=abs-builddir TARGET
# so that it works from a VPATH build too.  Everything it makes is under
# BUILD/tests/fuzz/out (binaries, objects, scratch corpora, crash files).
#
#   all   build the harnesses
#   run   run each for FUZZ_SECONDS on a scratch copy of its committed
#         corpus and regression inputs; fails on the first crash, leak or
#         timeout (the input is kept as out/<harness>-crash-..., and goes
#         to tests/fuzz/regress/<harness>/ once fixed)

SRC ?= .
BUILD ?= .
CLANG ?= clang-14
FUZZ_SECONDS ?= 60

OUT = $(BUILD)/tests/fuzz/out
HARNESSES = fuzz_cx fuzz_udata fuzz_config fuzz_ident

PKGS = libxml-2.0 jansson sqlite3 gnutls
SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FZ_CFLAGS = -g -O1 -fno-omit-frame-pointer -Wall -Wno-unused-function \
	-D_GNU_SOURCE -I$(BUILD) -I$(SRC)/src -I$(SRC)/src/migctl \
	-I$(SRC)/extensions/mig_sipdb -I$(SRC)/tests/fuzz $(shell pkg-config --cflags $(PKGS)) \
	-DFUZZ_DICT_CX='"$(BUILD)/extensions/dict_cx/.libs/dict_cx.fdx"'
FZ_LIBS = $(shell pkg-config --libs $(PKGS)) -lfdcore -lfdproto -lpthread

names = $(basename $(notdir $(1)))
LIBMIG = $(call names,$(wildcard $(SRC)/src/mig_*.c)) mig_schema_sql
SIPDB = $(call names,$(wildcard $(SRC)/extensions/mig_sipdb/sipdb*.c)) fuzz_fd
MIGCTL = mctl_out mctl_partner mctl_binding mctl_audit mctl_stats mctl_db fuzz_migctl
objs = $(addprefix $(OUT)/o/,$(addsuffix .o,$(1)))

all: $(addprefix $(OUT)/,$(HARNESSES))

$(OUT)/fuzz_cx: $(call objs,fuzz_cx $(SIPDB) $(LIBMIG))
$(OUT)/fuzz_udata: $(call objs,fuzz_udata $(SIPDB) $(LIBMIG))
$(OUT)/fuzz_config: $(call objs,fuzz_config $(LIBMIG))
$(OUT)/fuzz_ident: $(call objs,fuzz_ident $(MIGCTL) $(LIBMIG))

$(addprefix $(OUT)/,$(HARNESSES)):
	$(CLANG) -fsanitize=fuzzer $(SAN) -o $@ $^ $(FZ_LIBS)

# Instrumented objects, whichever directory their source is in (-MMD: the
# headers each one includes are in its .d).
FZ_CC = @mkdir -p $(OUT)/o && $(CLANG) -fsanitize=fuzzer-no-link $(SAN) $(FZ_CFLAGS) -MMD -MP \
	-c -o $@ $<
$(OUT)/o/%.o: $(SRC)/tests/fuzz/%.c
	$(FZ_CC)
$(OUT)/o/%.o: $(SRC)/extensions/mig_sipdb/%.c
	$(FZ_CC)
$(OUT)/o/%.o: $(SRC)/src/migctl/%.c
	$(FZ_CC)
$(OUT)/o/%.o: $(SRC)/src/%.c
	$(FZ_CC)
$(OUT)/o/mig_schema_sql.o: $(BUILD)/src/mig_schema_sql.c
	$(FZ_CC)
-include $(wildcard $(OUT)/o/*.d)

# -close_fd_mask=3: the code's own logging off the terminal (libFuzzer
# and the sanitizers keep reporting); -timeout: one input taking 10 s is a
# hang.  Each harness gets a fresh scratch corpus: the tree is never
# written.
FUZZ_FLAGS = -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -close_fd_mask=3 \
	-print_final_stats=1

run: all
	@set -e; for h in $(HARNESSES); do \
	  rm -rf $(OUT)/run/$$h && mkdir -p $(OUT)/run/$$h; \
	  for d in corpus regress; do \
	    [ ! -d $(SRC)/tests/fuzz/$$d/$$h ] || cp $(SRC)/tests/fuzz/$$d/$$h/* $(OUT)/run/$$h/ 2>/dev/null || true; \
	  done; \
	  echo "fuzz: $$h for $(FUZZ_SECONDS) s"; \
	  $(OUT)/$$h $(FUZZ_FLAGS) -artifact_prefix=$(OUT)/$$h- \
	    $(OUT)/run/$$h >$(OUT)/$$h.log 2>&1 || { tail -n 60 $(OUT)/$$h.log; \
	    echo "fuzz: $$h FAILED (log $(OUT)/$$h.log)"; exit 1; }; \
	  grep -E '^(#[0-9]+.*DONE|stat::)' $(OUT)/$$h.log || tail -n 3 $(OUT)/$$h.log; \
	done

.PHONY: all run
