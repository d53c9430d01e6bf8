# ESP32 platform: the app itself is built by PlatformIO (platformio.ini at the repo root) and cannot be built
# on a machine without the Xtensa toolchain. The glue is in two halves:
#   host_tested/  compiled and tested on this machine: the Arduino-free headers (render_plan.h,
#                 http_request.h, http_response.h, http_body.h, poll_session.h, daemon_finder.h,
#                 socket_transport.h -- over real loopback sockets --, wifi_supervisor.h, boot_setup.h,
#                 console_lines.h, timers.h, poll_bridge.h, led_output.h, serial_commands.h,
#                 state_line_gate.h, improv_link.h, board_config.h, app_config.h) against the real core, usage_json.* against the kit's ArduinoJson
#                 (esp32-json) and tft_canvas.h through the kit's TFT_eSPI (the virtual panel)
#   board_only/   Arduino / ESP-IDF code that only runs on the board (main.cpp, console, wifi_link, settings,
#                 improv_serial, poll_task, board_leds, network_services): compile-checked against the real headers by npm run firmware:esp32
# Only host_tested/ is ever on an include path, here and in PlatformIO's build_flags.
#
#   make -C firmware esp32-glue     build and run firmware/platform/esp32/test/*.cpp (doctest)
#
# Included by firmware/Makefile; uses its exported CORE_SRCS, CORE_INC, BUILD_DIR.

ESP32_DIR := $(FW_DIR)/platform/esp32
ESP32_GLUE_DIR := $(BUILD_DIR)/esp32-glue
ESP32_GLUE_TESTS := $(sort $(wildcard $(ESP32_DIR)/test/*.cpp))
ESP32_GLUE_CORE_OBJS := $(patsubst $(CORE_DIR)/%.cpp,$(ESP32_GLUE_DIR)/core/%.o,$(CORE_SRCS))
ESP32_GLUE_TEST_OBJS := $(patsubst $(ESP32_DIR)/test/%.cpp,$(ESP32_GLUE_DIR)/test/%.o,$(ESP32_GLUE_TESTS))
ESP32_GLUE_BIN := $(ESP32_GLUE_DIR)/esp32_glue_tests
# -O0: these objects exist only for this check; compile time matters more than speed.
ESP32_GLUE_FLAGS := -std=c++17 -Wall -Wextra -Werror -O0 -g -ffp-contract=off -fsanitize=address,undefined \
	-fno-sanitize-recover=all

.PHONY: esp32-glue

$(ESP32_GLUE_DIR)/core/%.o: $(CORE_DIR)/%.cpp
	@mkdir -p $(dir $@)
	$(HOST_CXX_ESP32) $(ESP32_GLUE_FLAGS) -fno-exceptions -fno-rtti -MMD -MP $(CORE_INC) -c $< -o $@

$(ESP32_GLUE_DIR)/test/%.o: $(ESP32_DIR)/test/%.cpp
	@mkdir -p $(dir $@)
	$(HOST_CXX_ESP32) $(ESP32_GLUE_FLAGS) -MMD -MP $(CORE_INC) -I$(ESP32_DIR)/host_tested -c $< -o $@

$(ESP32_GLUE_BIN): $(ESP32_GLUE_CORE_OBJS) $(ESP32_GLUE_TEST_OBJS)
	$(HOST_CXX_ESP32) -fsanitize=address,undefined -pthread $^ -o $@

esp32-glue: $(ESP32_GLUE_BIN)
	$(ESP32_GLUE_BIN)

HOST_CXX_ESP32 ?= g++

-include $(ESP32_GLUE_CORE_OBJS:.o=.d) $(ESP32_GLUE_TEST_OBJS:.o=.d)

# usage_json.cpp against a real ArduinoJson 7.2.0 (not part of this repository), natively. Default: the ESP32
# kit's copy beside the checkout ($GAUGE_ESP32_KIT, else esp32-kit/ in $CLAUDE_GAUGE_SHARED_DIR or ../shared;
# scripts/lib/esp32-kit.mjs finds it the same way), else PlatformIO's download for env:cyd. Says SKIPPED
# (a skip in the test summary, never a pass) when neither is there.
ESP32_KIT ?= $(or $(GAUGE_ESP32_KIT),$(if $(CLAUDE_GAUGE_SHARED_DIR),$(CLAUDE_GAUGE_SHARED_DIR)/esp32-kit,$(abspath $(REPO_DIR)/../shared/esp32-kit)))
ARDUINOJSON_SRC ?= $(firstword $(wildcard $(ESP32_KIT)/ArduinoJson/src $(REPO_DIR)/.pio/libdeps/cyd/ArduinoJson/src) $(ESP32_KIT)/ArduinoJson/src)
ESP32_JSON_BIN := $(ESP32_GLUE_DIR)/usage_json_check
.PHONY: esp32-json

esp32-json:
	@if [ ! -f "$(ARDUINOJSON_SRC)/ArduinoJson.h" ]; then \
		echo "SKIPPED: esp32-json: no ArduinoJson at $(ARDUINOJSON_SRC) (set GAUGE_ESP32_KIT or ARDUINOJSON_SRC)"; exit 0; fi; \
	mkdir -p $(ESP32_GLUE_DIR) && \
	$(HOST_CXX_ESP32) $(ESP32_GLUE_FLAGS) -DARDUINOJSON_ENABLE_NAN=0 -DARDUINOJSON_ENABLE_INFINITY=0 \
		-DARDUINOJSON_USE_DOUBLE=1 -I$(ARDUINOJSON_SRC) $(CORE_INC) -I$(ESP32_DIR)/host_tested \
		$(ESP32_DIR)/test/arduinojson/usage_json_check.cpp $(ESP32_DIR)/host_tested/usage_json.cpp $(CORE_SRCS) \
		-o $(ESP32_JSON_BIN) && $(ESP32_JSON_BIN)
