# powerpark - GNU Makefile. `make run` and `make check` are all a fresh Debian
# machine needs: both install missing packages first (scripts/deps.sh).

VERSION  := 0.1.0
PREFIX   ?= /usr/local
DESTDIR  ?=
CC       ?= cc
BUILD    ?= build

PKGS     := libcurl libfyaml zlib libmodbus netsnmp gsl jansson libmicrohttpd
WARN     := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wno-format-truncation
# Where `make install` puts things (docs/install.md). The binary finds its
# data beside itself (BINDIR/../share/powerpark) wherever it lies; DATADIR
# is also compiled in, looked at last, and kept in $(BUILD)/prefix so that
# another PREFIX rebuilds the one file that holds it.
BINDIR      ?= $(PREFIX)/bin
DATADIR     ?= $(PREFIX)/share/powerpark
MANDIR      ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
SYSCONFDIR  ?= /etc
# systemd's own folders for PREFIX=/usr; elsewhere beside the data, to link.
UNITDIR     ?= $(if $(filter /usr,$(PREFIX)),$(PREFIX)/lib/systemd/system,$(DATADIR)/systemd)
SYSUSERSDIR ?= $(if $(filter /usr,$(PREFIX)),$(PREFIX)/lib/sysusers.d,$(DATADIR)/systemd)
CPPFLAGS += -Iinclude -D_GNU_SOURCE -DPP_VERSION='"$(VERSION)"' \
            -DPP_DATADIR='"$(DATADIR)"'
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 $(WARN) -MMD -MP -pthread
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LDLIBS   += $(PKG_LIBS) -lslurm -lm -pthread

# gcc's -fsanitize=undefined leaves out float-cast-overflow ((int)1e20).
SAN      := -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer -fno-sanitize-recover=all

# Library sources: everything but the command dispatcher.
# The rooms, bottom layer first (docs/architecture.md).
ROOMS    := core config models collector optimizer planner sim scenario agent sched fleet
LIB_SRC  := $(sort $(shell find $(ROOMS) -name '*.c'))
CMD_SRC  := $(wildcard cmd/*.c)
TEST_SRC := $(wildcard tests/test_*.c)
BENCH_SRC:= $(wildcard bench/bench_*.c)

OBJ      := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/dashboard_html.o
CMD_OBJ  := $(CMD_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/scenario_yaml.o
SAN_OBJ  := $(LIB_SRC:%.c=$(BUILD)/san/%.o) $(BUILD)/san/gen/dashboard_html.o
SAN_CMD  := $(CMD_SRC:%.c=$(BUILD)/san/%.o) $(BUILD)/san/gen/scenario_yaml.o
TESTS    := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BENCHES  := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

.PHONY: all run check test bench deps deps-build install uninstall clean fuzz fuzzers
.DEFAULT_GOAL := all

all: $(BUILD)/powerpark

deps:
	@./scripts/deps.sh all

deps-build:
	@./scripts/deps.sh build

# The main job on its embedded default: a simulated park, end to end. It
# needs only the build's packages (the tests' servers and browser are not).
run: deps-build
	@$(MAKE) --no-print-directory all
	$(BUILD)/powerpark run

# Every test: unit tests and the powerpark binary under ASan+UBSan, then the
# integration tests against real servers on 127.0.0.1.
check: deps
	@$(MAKE) --no-print-directory $(TESTS) $(BUILD)/san/powerpark $(BUILD)/powerpark \
		$(BUILD)/tests/libfake_nvml.so $(BUILD)/tests/libfake_nvml_old.so $(FUZZERS)
	@BUILD=$(BUILD) ./tests/run.sh

test: check

bench: deps
	@$(MAKE) --no-print-directory $(BUILD)/powerpark $(BENCHES)
	@BUILD=$(BUILD) ./bench/run.sh

$(BUILD)/powerpark: $(CMD_OBJ) $(OBJ)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/san/powerpark: $(SAN_CMD) $(SAN_OBJ)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Text compiled in as C strings: the default scenario of `powerpark run`,
# and the optimizer's built-in dashboard page ('?' escaped: C11 has trigraphs).
EMBED = @mkdir -p $(dir $@); { echo '/* generated from $< */'; \
	  echo 'const char $(1)[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' -e 's/^/"/' -e 's/$$/\\n"/' $<; \
	  echo ';'; } > $@
$(BUILD)/gen/scenario_yaml.c: conf/scenarios/gwangju.yaml
	$(call EMBED,pp_scenario_yaml)
$(BUILD)/gen/dashboard_html.c: optimizer/api/dashboard.html
	$(call EMBED,pp_dashboard_html)

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	@$(CC) $(CFLAGS) -Wno-missing-variable-declarations -c -o $@ $<

$(BUILD)/san/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	@$(CC) $(CFLAGS) $(SAN) -c -o $@ $<

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/san/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC-SAN  $<"
	@$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) $(SAN) -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/san/tests/%.o $(SAN_OBJ)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The optimizer's test and benchmark compare with GLPK (libglpk-dev, a test
# dependency: powerpark itself never links it).
$(BUILD)/tests/test_solve $(BUILD)/bench/bench_solve: LDLIBS += -lglpk

# The option parser lives with the commands (cmd/), outside the library.
$(BUILD)/tests/test_opts: $(BUILD)/san/cmd/opts.o

# The NVML stand-in the agent's tests load with dlopen (no GPU here).
$(BUILD)/tests/libfake_nvml.so: tests/fake_nvml.c
	@mkdir -p $(dir $@)
	@echo "  SO      $@"
	@$(CC) $(CFLAGS) -fPIC -shared -o $@ $<

# ... as a driver before R570: no power-smoothing symbols.
$(BUILD)/tests/libfake_nvml_old.so: tests/fake_nvml.c
	@mkdir -p $(dir $@)
	@echo "  SO      $@"
	@$(CC) $(CFLAGS) -DFAKE_NVML_NO_SMOOTHING -fPIC -shared -o $@ $<

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(OBJ)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Fuzz targets (tests/fuzz/, docs/fuzzing.md): libFuzzer through clang,
# with the library built again by clang under ASan, UBSan and
# float-cast-overflow in $(BUILD)/fuzz/, so gcc's objects stay as they are.
# `make fuzz` runs each target FUZZ_SECONDS on a copy of its corpus;
# `make check` runs each a few seconds (tests/it_fuzz.sh).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SAN     := -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer \
                -fno-sanitize-recover=all
# clang's -Wformat=2 also flags a va_list handed on (gcc's does not).
FUZZ_CFLAGS  := -O1 -g -std=c11 $(WARN) -Wno-unknown-warning-option -Wno-format-nonliteral \
                -MMD -MP -pthread $(FUZZ_SAN)
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZERS      := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_OBJ     := $(LIB_SRC:%.c=$(BUILD)/fuzz/obj/%.o) $(BUILD)/fuzz/obj/gen/dashboard_html.o

fuzzers: $(FUZZERS)

fuzz: deps
	@$(MAKE) --no-print-directory fuzzers
	@BUILD=$(BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) ./tests/fuzz/run.sh

$(BUILD)/fuzz/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC-FUZZ $<"
	@$(FUZZ_CC) $(CPPFLAGS) $(PKG_CFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(BUILD)/fuzz/%: $(BUILD)/fuzz/obj/tests/fuzz/%.o $(BUILD)/fuzz/obj/tests/fuzz/util.o \
		$(FUZZ_OBJ)
	@echo "  LD      $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The optimizer's JSON bodies are read by the API's private codec.
$(BUILD)/fuzz/obj/tests/fuzz/fuzz_api.o: CPPFLAGS += -Ioptimizer/api
# A Redfish resource is read by the collector's private JSON reader.
$(BUILD)/fuzz/obj/tests/fuzz/fuzz_redfish.o: CPPFLAGS += -Icollector/drivers
# An SNMPv1/v2c answer is read by the collector's own BER reader.
$(BUILD)/fuzz/obj/tests/fuzz/fuzz_snmp_ber.o: CPPFLAGS += -Icollector/drivers

# The paths compiled in or written into the units: rewritten only when they
# change, so that `make install PREFIX=/x` after `make` rebuilds what holds them.
PREFIX_STAMP := $(BUILD)/prefix
PREFIX_NOW   := $(BINDIR) $(DATADIR) $(SYSCONFDIR)
$(shell mkdir -p $(BUILD) && [ "$$(cat $(PREFIX_STAMP) 2>/dev/null)" = '$(PREFIX_NOW)' ] || \
	echo '$(PREFIX_NOW)' > $(PREFIX_STAMP))
$(BUILD)/obj/config/devices.o $(BUILD)/san/config/devices.o \
	$(BUILD)/fuzz/obj/config/devices.o: $(PREFIX_STAMP)

# Man pages and bash completion, from the built binary's own --help.
.PHONY: man completion units
man: $(BUILD)/man/powerpark.1
completion: $(BUILD)/powerpark.bash
$(BUILD)/man/powerpark.1: $(BUILD)/powerpark scripts/gen_man.sh scripts/help2man.awk
	@echo "  MAN     $(BUILD)/man"
	@rm -rf $(BUILD)/man && ./scripts/gen_man.sh $(BUILD)/powerpark $(BUILD)/man
$(BUILD)/powerpark.bash: $(BUILD)/powerpark scripts/gen_completion.sh
	@echo "  BASH    $@"
	@./scripts/gen_completion.sh $(BUILD)/powerpark $@

# systemd units (conf/systemd/*.in) with this install's paths.
UNITS := $(patsubst conf/systemd/%.in,$(BUILD)/systemd/%,$(wildcard conf/systemd/*.in))
units: $(UNITS)
$(BUILD)/systemd/%: conf/systemd/%.in $(PREFIX_STAMP)
	@mkdir -p $(dir $@)
	@sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@DATADIR@|$(DATADIR)|g' \
	     -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' $< > $@

install: $(BUILD)/powerpark man completion units
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/profiles \
		$(DESTDIR)$(DATADIR)/examples $(DESTDIR)$(DATADIR)/slurm \
		$(DESTDIR)$(DATADIR)/dashboards/provisioning/dashboards \
		$(DESTDIR)$(DATADIR)/dashboards/provisioning/datasources \
		$(DESTDIR)$(DATADIR)/systemd $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR)
	install -m 755 $(BUILD)/powerpark $(DESTDIR)$(BINDIR)/powerpark
	install -m 644 conf/profiles/*.yaml $(DESTDIR)$(DATADIR)/profiles/
	install -m 644 conf/examples/*.yaml $(DESTDIR)$(DATADIR)/examples/
	install -m 644 conf/slurm/job_submit.lua $(DESTDIR)$(DATADIR)/slurm/
	install -m 644 dashboards/*.json $(DESTDIR)$(DATADIR)/dashboards/
	sed 's|/var/lib/grafana/dashboards/powerpark|$(DATADIR)/dashboards|' \
		dashboards/provisioning/dashboards/powerpark.yaml \
		> $(DESTDIR)$(DATADIR)/dashboards/provisioning/dashboards/powerpark.yaml
	install -m 644 dashboards/provisioning/datasources/powerpark.yaml \
		$(DESTDIR)$(DATADIR)/dashboards/provisioning/datasources/
	install -m 644 $(BUILD)/man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(BUILD)/powerpark.bash $(DESTDIR)$(BASHCOMPDIR)/powerpark
	install -m 644 $(filter %.service,$(UNITS)) $(DESTDIR)$(UNITDIR)/
	install -m 644 $(BUILD)/systemd/powerpark.sysusers $(DESTDIR)$(SYSUSERSDIR)/powerpark.conf
	install -m 644 conf/systemd/*.env $(DESTDIR)$(DATADIR)/systemd/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/powerpark $(DESTDIR)$(MANDIR)/man1/powerpark.1 \
		$(DESTDIR)$(MANDIR)/man1/powerpark-*.1 $(DESTDIR)$(BASHCOMPDIR)/powerpark \
		$(DESTDIR)$(UNITDIR)/powerpark-*.service $(DESTDIR)$(SYSUSERSDIR)/powerpark.conf
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
.PRECIOUS: $(BUILD)/san/tests/%.o $(BUILD)/obj/bench/%.o
.SECONDARY: $(FUZZERS:$(BUILD)/fuzz/%=$(BUILD)/fuzz/obj/tests/fuzz/%.o) \
	$(BUILD)/fuzz/obj/tests/fuzz/util.o $(FUZZ_OBJ)
