# The virtual panel: the ESP32 app's drawing path (render_plan.h, tft_canvas.h) through TFT_eSPI 2.5.43 built
# natively from the ESP32 kit, into a virtual ILI9341 (see panel_main.cpp). One binary per platformio.ini env,
# configured by that env's build_flags (-D options, read from platformio.ini and the board files its
# extra_configs pulls in by test/lib/platformioIni.mjs: never written here).
#
#   make -C firmware panel [PANEL_ENV=cyd]   -> build/panel/<env>/panel
#   make -C firmware panel-model             the virtual ILI9341 alone against its doctests (no kit needed)
#
# The kit is ESP32_KIT (platform/esp32/rules.mk: $GAUGE_ESP32_KIT, else esp32-kit/ in the shared directory
# beside the checkout). Nothing of it is copied: TFT_eSPI.cpp is compiled from where it lies. Uses FW_DIR,
# REPO_DIR, BUILD_DIR, CORE_INC, CORE_SRCS, CXXFLAGS_CORE from firmware/Makefile.

PANEL_ENV ?= cyd
PANEL_KIT_TFT = $(ESP32_KIT)/TFT_eSPI
PANEL_SRC_DIR := $(FW_DIR)/platform/panel
PANEL_BUILD := $(BUILD_DIR)/panel/$(PANEL_ENV)
PANEL_BIN := $(PANEL_BUILD)/panel
# The env's -D options, written by the parser on every panel build but touched only when they change, so the
# objects rebuild exactly when this env's flags do, whichever configuration file changed them.
PANEL_DEFINES_FILE := $(PANEL_BUILD)/defines
# Lazily: read when a recipe runs, after the file is up to date.
PANEL_DEFINES = $(shell cat $(PANEL_DEFINES_FILE))
PANEL_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
# The library is someone else's code: its own warnings are not ours to fix (-w), and it is compiled -O2 because
# the tests push hundreds of frames through it. Our files: -Werror, the kit's headers as system headers.
PANEL_KIT_FLAGS := -std=gnu++17 -O2 -g -w -ffp-contract=off $(PANEL_SAN)
PANEL_OWN_FLAGS := -std=gnu++17 -O1 -g -Wall -Wextra -Werror -ffp-contract=off $(PANEL_SAN)
PANEL_INC := -I$(PANEL_SRC_DIR)/arduino -I$(PANEL_SRC_DIR) -isystem $(PANEL_KIT_TFT) -I$(FW_DIR)/platform/esp32/host_tested \
	$(CORE_INC)
# The core too (its drawing rules and layout tables), with the core's own flags, as on the ESP32.
PANEL_CORE_OBJS := $(patsubst $(CORE_DIR)/%.cpp,$(PANEL_BUILD)/core/%.o,$(CORE_SRCS))
PANEL_OBJS := $(PANEL_BUILD)/TFT_eSPI.o $(PANEL_BUILD)/host_arduino.o $(PANEL_BUILD)/ili9341.o \
	$(PANEL_BUILD)/panel_main.o $(PANEL_CORE_OBJS)

.PHONY: panel panel-kit panel-model panel-defines

panel: panel-kit
	@$(MAKE) --no-print-directory $(PANEL_BIN)

panel-kit:
	@if [ ! -f "$(PANEL_KIT_TFT)/TFT_eSPI.cpp" ]; then \
		echo "panel: no ESP32 kit at $(ESP32_KIT) (set GAUGE_ESP32_KIT)"; exit 1; fi
	@node $(REPO_DIR)/test/lib/platformioIni.mjs defines $(PANEL_ENV) > /dev/null

# Phony, so the parser runs on every panel build; the file keeps its date while the flags stay the same.
$(PANEL_DEFINES_FILE): panel-defines
	@mkdir -p $(dir $@)
	@node $(REPO_DIR)/test/lib/platformioIni.mjs defines $(PANEL_ENV) > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

panel-defines: ;

# Every object depends on the env's flags.
$(PANEL_BUILD)/TFT_eSPI.o: $(PANEL_KIT_TFT)/TFT_eSPI.cpp $(PANEL_DEFINES_FILE) $(PANEL_SRC_DIR)/rules.mk
	@mkdir -p $(dir $@)
	$(HOST_CXX) $(PANEL_KIT_FLAGS) $(PANEL_DEFINES) -MMD -MP -I$(PANEL_SRC_DIR)/arduino -I$(PANEL_KIT_TFT) -c $< -o $@

$(PANEL_BUILD)/core/%.o: $(CORE_DIR)/%.cpp $(PANEL_SRC_DIR)/rules.mk
	@mkdir -p $(dir $@)
	$(HOST_CXX) $(CXXFLAGS_CORE) -O1 -g $(PANEL_SAN) -MMD -MP $(CORE_INC) -c $< -o $@

$(PANEL_BUILD)/%.o: $(PANEL_SRC_DIR)/%.cpp $(PANEL_DEFINES_FILE) $(PANEL_SRC_DIR)/rules.mk
	@mkdir -p $(dir $@)
	$(HOST_CXX) $(PANEL_OWN_FLAGS) $(PANEL_DEFINES) -MMD -MP $(PANEL_INC) -c $< -o $@

$(PANEL_BIN): $(PANEL_OBJS)
	$(HOST_CXX) $(PANEL_SAN) $^ -o $@

# The ILI9341 model and the host bus on their own: no TFT_eSPI, no env, so no kit.
PANEL_MODEL_DIR := $(BUILD_DIR)/panel/model
PANEL_MODEL_BIN := $(PANEL_MODEL_DIR)/ili9341_tests
PANEL_MODEL_SRCS := $(PANEL_SRC_DIR)/test/ili9341_test.cpp $(PANEL_SRC_DIR)/ili9341.cpp $(PANEL_SRC_DIR)/host_arduino.cpp

$(PANEL_MODEL_BIN): $(PANEL_MODEL_SRCS) $(PANEL_SRC_DIR)/ili9341.h $(PANEL_SRC_DIR)/host_bus.h $(PANEL_SRC_DIR)/rules.mk
	@mkdir -p $(dir $@)
	$(HOST_CXX) $(PANEL_OWN_FLAGS) -O0 -I$(PANEL_SRC_DIR)/arduino -I$(PANEL_SRC_DIR) $(PANEL_MODEL_SRCS) -o $@

panel-model: $(PANEL_MODEL_BIN)
	$(PANEL_MODEL_BIN)

-include $(PANEL_OBJS:.o=.d)
