# The core as a WebAssembly reactor module for the browser simulator and Node (gaugeCore.ts loads it).
#
#   make -C firmware wasm    -> build/wasm/gauge-core.wasm, copied to simulator/public/gauge-core.wasm,
#                               and build/wasm/improv.wasm (the core's Improv codec alone, for the install
#                               page and the tests; improvCodec.ts), copied to simulator/public/improv.wasm
#
# Uses FW_DIR, REPO_DIR, BUILD_DIR, CORE_INC, CORE_SRCS, CORE_HDRS, CXXFLAGS_CORE from firmware/Makefile.

WASM_CXX ?= clang++
WASM_PLATFORM_DIR := $(FW_DIR)/platform/wasm
WASM_BUILD_DIR := $(BUILD_DIR)/wasm
WASM_OUT := $(WASM_BUILD_DIR)/gauge-core.wasm
WASM_PUBLIC := $(REPO_DIR)/simulator/public/gauge-core.wasm
WASM_GLUE_SRCS := $(WASM_PLATFORM_DIR)/gauge_wasm.cpp
WASM_GLUE_HDRS :=
# -mexec-model=reactor: a library module (no main), its static constructors run in _initialize.
# --strip-all keeps the module small; the exports carry their own names.
WASM_FLAGS := --target=wasm32-wasi -O2 -mexec-model=reactor $(CXXFLAGS_CORE) -Wl,--strip-all

.PHONY: wasm

IMPROV_WASM_OUT := $(WASM_BUILD_DIR)/improv.wasm
IMPROV_WASM_PUBLIC := $(REPO_DIR)/simulator/public/improv.wasm

wasm: $(WASM_OUT) $(WASM_PUBLIC) $(IMPROV_WASM_OUT) $(IMPROV_WASM_PUBLIC)

# No heap: the linker traces the allocator's symbols, and the build fails if any was actually linked in
# (a "lazy definition" is only the library offering it).
WASM_HEAP_SYMBOLS := malloc calloc realloc free aligned_alloc _Znwm _Znam _ZdlPv _ZdaPv
WASM_TRACE := $(foreach s,$(WASM_HEAP_SYMBOLS),-Wl,--trace-symbol=$(s))

# Written to a temporary name first so a reader never sees a half-written module.
$(WASM_OUT): $(WASM_GLUE_SRCS) $(WASM_GLUE_HDRS) $(CORE_SRCS) $(CORE_HDRS) $(WASM_PLATFORM_DIR)/rules.mk
	@mkdir -p $(dir $@)
	$(WASM_CXX) $(WASM_FLAGS) $(CORE_INC) -I$(WASM_PLATFORM_DIR) $(WASM_GLUE_SRCS) $(CORE_SRCS) $(WASM_TRACE) \
		-o $@.tmp > $@.trace 2>&1 || { cat $@.trace; rm -f $@.tmp; exit 1; }
	@if grep -v 'lazy definition' $@.trace | grep -q .; then \
		echo "wasm: a heap allocator was linked into the core (it must not use the heap):"; cat $@.trace; \
		rm -f $@.tmp; exit 1; fi
	@rm -f $@.trace
	@mv $@.tmp $@

$(WASM_PUBLIC): $(WASM_OUT)
	@mkdir -p $(dir $@)
	@cp $< $@.tmp && mv $@.tmp $@

# The Improv codec alone: improv.cpp and its exports, nothing else of the core. It must import nothing (the
# wrapper passes no imports) and, like the core, link no allocator.
$(IMPROV_WASM_OUT): $(WASM_PLATFORM_DIR)/improv_wasm.cpp $(CORE_DIR)/improv.cpp $(CORE_DIR)/improv.h \
		$(WASM_PLATFORM_DIR)/rules.mk
	@mkdir -p $(dir $@)
	$(WASM_CXX) $(WASM_FLAGS) $(CORE_INC) $(WASM_PLATFORM_DIR)/improv_wasm.cpp $(CORE_DIR)/improv.cpp \
		$(WASM_TRACE) -o $@.tmp > $@.trace 2>&1 || { cat $@.trace; rm -f $@.tmp; exit 1; }
	@if grep -v 'lazy definition' $@.trace | grep -q .; then \
		echo "wasm: a heap allocator was linked into the Improv codec:"; cat $@.trace; rm -f $@.tmp; exit 1; fi
	@rm -f $@.trace
	@node -e "const m=new WebAssembly.Module(require('fs').readFileSync(process.argv[1]));const i=WebAssembly.Module.imports(m);if(i.length){console.error('wasm: improv.wasm imports '+i.map(x=>x.module+'.'+x.name).join(', '));process.exit(1)}" $@.tmp \
		|| { rm -f $@.tmp; exit 1; }
	@mv $@.tmp $@

$(IMPROV_WASM_PUBLIC): $(IMPROV_WASM_OUT)
	@mkdir -p $(dir $@)
	@cp $< $@.tmp && mv $@.tmp $@
