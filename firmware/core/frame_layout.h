// A machine-readable description of the memory layout of what the core hands out: the Frame (frame.h), the
// last payload (Usage, usage.h) and the Drawing (drawing.h). Offsets, kinds and array lengths are derived
// from the struct definitions at compile time (offsetof, sizeof), and enum values are named with the core's
// own names (phaseName, dialName, alignName, lampName, fuelBasisName, etaName). The wasm module exports these
// tables so TypeScript reads each struct straight out of linear memory without a single offset written down
// again, and firmware/platform/wasm/core.generated.ts (the TS types) is generated from them.
//
// Adding a field to one of these structs = declaring it in its header and adding one GAUGE_FIELD line in
// frame_layout.cpp (the core's test fails when a field is left out), then `npm run core:gen`.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace gauge {
namespace layout {

enum Kind : uint32_t {
    kU8 = 1,
    kI8 = 2,
    kU16 = 3,
    kI16 = 4,
    kU32 = 5,
    kI32 = 6,
    kF32 = 7,
    kBool = 8,
    kChars = 9,    // NUL-terminated text in a char array of `count` bytes
    kEnum = 10,    // uint8_t-backed enum; `ref` is an EnumIndex
    kStruct = 11,  // `ref` is a StructIndex
    kU64 = 12,
    kF64 = 13
};

// "u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "chars", "enum", "struct", "u64", "f64"; nullptr for
// anything else (the wasm wrapper reads kinds by these names, not by number).
const char* kindName(uint32_t kind);

enum StructIndex : uint32_t {
    kTextBoxS,
    kZoneS,
    kTickS,
    kDialS,
    kLampViewS,
    kFrameS,
    kUsageS,
    kPointS,
    kRectS,
    kTextPlacementS,
    kTickMarkS,
    kNeedleShapeS,
    kDialDrawingS,
    kLampDrawingS,
    kDrawingS,
    kStructCount
};
enum EnumIndex : uint32_t { kPhaseE, kDialIdE, kAlignE, kLampIdE, kFuelBasisE, kEtaE, kEnumCount };

struct Field {
    const char* name;
    uint32_t offset;
    uint32_t kind;
    uint32_t count;           // array length (1 for a scalar); for kChars the byte capacity
    uint32_t stride;          // bytes between array elements (the element's size)
    uint32_t ref;             // struct or enum index, for kStruct / kEnum
    uint32_t array;           // 1 when the member is an array (of structs or numbers), 0 otherwise
    const char* count_field;  // sibling field holding how many array elements are used, or nullptr
};

struct Struct {
    const char* name;
    uint32_t size;
    uint32_t align;
    const Field* fields;
    uint32_t field_count;
};

struct Enum {
    const char* name;
    uint32_t value_count;
    const char* (*value_name)(uint32_t value);  // nullptr past the last value
};

extern const Struct kStructs[kStructCount];
extern const Enum kEnums[kEnumCount];

}  // namespace layout

struct Frame;
struct TextBox;

// The Frame's own text boxes (its TextBox members outside the dials: the model readout, the status line, any
// readout added later), in declaration order, found through the layout table so a renderer that draws them
// all needs no change when one is added. Returns how many there are; at most `cap` are written.
size_t frameTexts(const Frame& f, const TextBox** out, size_t cap);

namespace layout {}  // namespace layout
}  // namespace gauge
