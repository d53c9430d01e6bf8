// The layout tables (frame_layout.h) the wasm module exports: every member of every described struct is
// listed (none forgotten when a struct grows), with its real offset, kind and length, and every enum value
// has the core's one name for it.
#include <doctest/doctest.h>

#include <stddef.h>
#include <string.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "gauge.h"

using namespace gauge::layout;

namespace {

uint32_t alignOf(const Field& f) {
    switch (f.kind) {
        case kU8:
        case kI8:
        case kBool:
        case kChars:
        case kEnum:
            return 1;
        case kU16:
        case kI16:
            return 2;
        case kU32:
        case kI32:
        case kF32:
            return 4;
        case kU64:
        case kF64:
            return alignof(uint64_t);
        case kStruct:
            return kStructs[f.ref].align;
        default:
            FAIL("unknown kind ", f.kind);
            return 1;
    }
}

uint32_t bytesOf(const Field& f) {
    return f.kind == kChars ? f.count : f.count * f.stride;
}

}  // namespace

TEST_CASE("Layout: every struct's fields cover it, leaving only alignment padding") {
    for (uint32_t s = 0; s < kStructCount; ++s) {
        const Struct& st = kStructs[s];
        CAPTURE(std::string(st.name));
        REQUIRE(st.field_count > 0);
        std::vector<const Field*> fields;
        std::set<std::string> names;
        for (uint32_t i = 0; i < st.field_count; ++i) {
            fields.push_back(&st.fields[i]);
            CHECK(names.insert(st.fields[i].name).second);  // no member listed twice
        }
        std::sort(fields.begin(), fields.end(),
                  [](const Field* a, const Field* b) { return a->offset < b->offset; });
        uint32_t end = 0;
        for (const Field* f : fields) {
            CAPTURE(std::string(f->name));
            // A gap as large as the next member's alignment could only be a member left out of the table.
            CHECK(f->offset >= end);
            CHECK(f->offset - end < alignOf(*f));
            end = f->offset + bytesOf(*f);
        }
        CHECK(end <= st.size);
        CHECK(st.size - end < st.align);
    }
}

TEST_CASE("Layout: offsets, kinds and counts are the real ones") {
    const Struct& frame = kStructs[kFrameS];
    CHECK(std::string(frame.name) == "Frame");
    CHECK(frame.size == sizeof(gauge::Frame));
    auto field = [](const Struct& st, const char* name) -> const Field& {
        for (uint32_t i = 0; i < st.field_count; ++i)
            if (strcmp(st.fields[i].name, name) == 0) return st.fields[i];
        FAIL("no field ", name);
        return st.fields[0];
    };
    const Field& dials = field(frame, "dials");
    CHECK(dials.offset == offsetof(gauge::Frame, dials));
    CHECK(dials.kind == kStruct);
    CHECK(dials.ref == kDialS);
    CHECK(dials.count == static_cast<uint32_t>(gauge::kDialCount));
    CHECK(dials.array == 1);
    CHECK(dials.stride == sizeof(gauge::Dial));
    const Field& phase = field(frame, "phase");
    CHECK(phase.kind == kEnum);
    CHECK(phase.ref == kPhaseE);
    CHECK(phase.array == 0);
    const Field& text = field(kStructs[kTextBoxS], "text");
    CHECK(text.kind == kChars);
    CHECK(text.count == gauge::cfg::kTextMax);
    CHECK(text.array == 0);
    const Field& ticks = field(kStructs[kDialS], "ticks");
    CHECK(std::string(ticks.count_field) == "tick_count");
    const Field& ts = field(kStructs[kUsageS], "ts_ms");
    CHECK(ts.kind == kU64);
    CHECK(ts.offset == offsetof(gauge::Usage, ts_ms));
    CHECK(std::string(kStructs[kDrawingS].name) == "Drawing");
    CHECK(kStructs[kDrawingS].size == sizeof(gauge::draw::Drawing));
}

TEST_CASE("Layout: enum values carry the core's names (the state line's vocabulary)") {
    auto names = [](uint32_t e) {
        std::vector<std::string> out;
        for (uint32_t v = 0; v < kEnums[e].value_count; ++v) out.push_back(kEnums[e].value_name(v));
        CHECK(kEnums[e].value_name(kEnums[e].value_count) == nullptr);
        return out;
    };
    CHECK(names(kPhaseE) == std::vector<std::string>{"SELFTEST", "LIVE", "NOSIGNAL"});
    CHECK(names(kDialIdE) == std::vector<std::string>{"tach", "fuel", "temp", "boost"});
    CHECK(names(kAlignE) == std::vector<std::string>{"left", "center", "right"});
    CHECK(names(kLampIdE) == std::vector<std::string>{"HOT", "WARN", "STALL", "IDLE", "NOSIG", "ATTN"});
    for (uint32_t i = 0; i < static_cast<uint32_t>(gauge::kDialCount); ++i) {
        // A dial's name is its state-line key.
        CHECK(std::string(gauge::dialName(static_cast<gauge::DialId>(i))) ==
              gauge::stateLineKeyName(
                  static_cast<gauge::StateLineKey>(static_cast<uint32_t>(gauge::StateLineKey::Tach) + i)));
    }
}
