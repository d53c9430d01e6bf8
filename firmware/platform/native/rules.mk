# Native platform: the virtual device (the core with a host HAL: monotonic clock, libcurl, nlohmann JSON) and
# the native step runner of the shared test vectors (test/vectors/*.jsonc).
#
#   make -C firmware virtual-device   -> build/native/virtual-device
#   make -C firmware vector-runner    -> build/native/vector-runner
#   make -C firmware vectors          build the runner and check every vector on it through the one checker
#                                     (node test/vectors/run.mjs; ends "N passed, N failed")
#   make -C firmware vectors-record   re-record the "rec" outputs of every vector (test/vectors/README.md)
#
# Uses FW_DIR, REPO_DIR, BUILD_DIR, CORE_INC, CORE_SRCS, CORE_HDRS, CXXFLAGS_CORE from firmware/Makefile.
# Everything here is built with ASan/UBSan: hostile vectors and hostile daemons are exactly what they catch.

NATIVE_CXX ?= g++
NATIVE_PLATFORM_DIR := $(FW_DIR)/platform/native
NATIVE_PLATFORM_BUILD := $(BUILD_DIR)/native/platform
NATIVE_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
# The core keeps its own flags (no exceptions, no RTTI, no FMA); the glue may use exceptions and the STL.
NATIVE_CORE_FLAGS := $(CXXFLAGS_CORE) -O1 -g $(NATIVE_SAN)
NATIVE_GLUE_FLAGS := -std=c++17 -Wall -Wextra -Werror -ffp-contract=off -O1 -g $(NATIVE_SAN)
NATIVE_PLATFORM_CORE_OBJS := $(patsubst $(CORE_DIR)/%.cpp,$(NATIVE_PLATFORM_BUILD)/core/%.o,$(CORE_SRCS))
VIRTUAL_DEVICE := $(BUILD_DIR)/native/virtual-device
VECTOR_RUNNER := $(BUILD_DIR)/native/vector-runner
VECTOR_FILES = $(sort $(wildcard $(REPO_DIR)/test/vectors/*.jsonc))

.PHONY: virtual-device vector-runner vectors vectors-record

virtual-device: $(VIRTUAL_DEVICE)
vector-runner: $(VECTOR_RUNNER)

$(NATIVE_PLATFORM_BUILD)/core/%.o: $(CORE_DIR)/%.cpp $(NATIVE_PLATFORM_DIR)/rules.mk
	@mkdir -p $(dir $@)
	$(NATIVE_CXX) $(NATIVE_CORE_FLAGS) -MMD -MP $(CORE_INC) -c $< -o $@

# -I platform/esp32/host_tested: the virtual device's serial console shares the board's host-tested console and
# Improv routing headers (serial_commands.h, improv_link.h, board_config.h, app_config.h); nothing of platform/esp32/board_only.
$(NATIVE_PLATFORM_BUILD)/%.o: $(NATIVE_PLATFORM_DIR)/%.cpp $(NATIVE_PLATFORM_DIR)/rules.mk
	@mkdir -p $(dir $@)
	$(NATIVE_CXX) $(NATIVE_GLUE_FLAGS) -MMD -MP $(CORE_INC) -I$(NATIVE_PLATFORM_DIR) -I$(FW_DIR)/platform/esp32/host_tested \
		-c $< -o $@

$(VIRTUAL_DEVICE): $(NATIVE_PLATFORM_BUILD)/virtual_device.o $(NATIVE_PLATFORM_BUILD)/usage_json.o \
		$(NATIVE_PLATFORM_CORE_OBJS)
	$(NATIVE_CXX) $(NATIVE_SAN) $^ -lcurl -o $@

$(VECTOR_RUNNER): $(NATIVE_PLATFORM_BUILD)/vector_runner.o $(NATIVE_PLATFORM_BUILD)/usage_json.o \
		$(NATIVE_PLATFORM_CORE_OBJS)
	$(NATIVE_CXX) $(NATIVE_SAN) $^ -o $@

vectors: $(VECTOR_RUNNER)
	@cd $(REPO_DIR) && node test/vectors/run.mjs --target native $(patsubst $(REPO_DIR)/%,%,$(VECTOR_FILES))

vectors-record: $(VECTOR_RUNNER)
	@cd $(REPO_DIR) && node test/vectors/record.mjs $(patsubst $(REPO_DIR)/%,%,$(VECTOR_FILES))

-include $(NATIVE_PLATFORM_CORE_OBJS:.o=.d) $(patsubst %,$(NATIVE_PLATFORM_BUILD)/%.d,usage_json vector_runner virtual_device)
