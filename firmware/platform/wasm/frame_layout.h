// A machine-readable description of the Frame's memory layout (offsets, kinds, array lengths), derived
// from the struct definitions at compile time. The wasm module exports it so the TypeScript wrapper reads the
// Frame straight out of linear memory without hard-coding a single offset: if frame.h changes, the table
// follows (and a field the table names but frame.h lost fails to compile). The virtual panel
// (platform/panel) compiles the same tables natively and compares them with the module's before it takes
// the module's Frame bytes as its own Frame.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <type_traits>

#include "frame.h"

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
    kChars = 9,   // NUL-terminated text in a char array of `count` bytes
    kEnum = 10,   // uint8_t-backed enum; `ref` is an EnumIndex
    kStruct = 11  // `ref` is a StructIndex
};

enum StructIndex : uint32_t { kTextBoxS, kZoneS, kTickS, kDialS, kLampViewS, kFrameS, kStructCount };
enum EnumIndex : uint32_t { kPhaseE, kDialIdE, kAlignE, kLampIdE, kEnumCount };

struct Field {
    const char* name;
    uint32_t offset;
    uint32_t kind;
    uint32_t count;           // array length (1 for a scalar); for kChars the byte capacity
    uint32_t stride;          // bytes between array elements
    uint32_t ref;             // struct or enum index, for kStruct / kEnum
    const char* count_field;  // sibling field holding how many array elements are used, or nullptr
};

struct Struct {
    const char* name;
    uint32_t size;
    const Field* fields;
    uint32_t field_count;
};

struct Enum {
    const char* name;
    uint32_t value_count;
    const char* (*value_name)(uint32_t value);
};

// Type -> (kind, ref) at compile time.
template <typename T, typename Enable = void>
struct KindOf;
template <>
struct KindOf<uint8_t> {
    static constexpr uint32_t kind = kU8, ref = 0;
};
template <>
struct KindOf<int8_t> {
    static constexpr uint32_t kind = kI8, ref = 0;
};
template <>
struct KindOf<uint16_t> {
    static constexpr uint32_t kind = kU16, ref = 0;
};
template <>
struct KindOf<int16_t> {
    static constexpr uint32_t kind = kI16, ref = 0;
};
template <>
struct KindOf<uint32_t> {
    static constexpr uint32_t kind = kU32, ref = 0;
};
template <>
struct KindOf<int32_t> {
    static constexpr uint32_t kind = kI32, ref = 0;
};
template <>
struct KindOf<float> {
    static constexpr uint32_t kind = kF32, ref = 0;
};
template <>
struct KindOf<bool> {
    static constexpr uint32_t kind = kBool, ref = 0;
};
template <>
struct KindOf<char> {
    static constexpr uint32_t kind = kChars, ref = 0;
};
#define GAUGE_LAYOUT_ENUM(T, IDX)                                           \
    template <>                                                             \
    struct KindOf<T> {                                                      \
        static_assert(sizeof(T) == 1, "layout enums are read as one byte"); \
        static constexpr uint32_t kind = kEnum, ref = IDX;                  \
    };
GAUGE_LAYOUT_ENUM(Phase, kPhaseE)
GAUGE_LAYOUT_ENUM(DialId, kDialIdE)
GAUGE_LAYOUT_ENUM(Align, kAlignE)
GAUGE_LAYOUT_ENUM(LampId, kLampIdE)
#undef GAUGE_LAYOUT_ENUM
#define GAUGE_LAYOUT_STRUCT(T, IDX)                          \
    template <>                                              \
    struct KindOf<T> {                                       \
        static constexpr uint32_t kind = kStruct, ref = IDX; \
    };
GAUGE_LAYOUT_STRUCT(TextBox, kTextBoxS)
GAUGE_LAYOUT_STRUCT(Zone, kZoneS)
GAUGE_LAYOUT_STRUCT(Tick, kTickS)
GAUGE_LAYOUT_STRUCT(Dial, kDialS)
GAUGE_LAYOUT_STRUCT(LampView, kLampViewS)
GAUGE_LAYOUT_STRUCT(Frame, kFrameS)
#undef GAUGE_LAYOUT_STRUCT

template <typename M>
constexpr Field makeField(const char* name, size_t offset, const char* count_field) {
    using Elem = typename std::remove_all_extents<M>::type;
    static_assert(std::rank<M>::value <= 1, "only one-dimensional arrays are described");
    return Field{name,
                 static_cast<uint32_t>(offset),
                 KindOf<Elem>::kind,
                 std::rank<M>::value == 1 ? static_cast<uint32_t>(std::extent<M>::value) : 1u,
                 static_cast<uint32_t>(sizeof(Elem)),
                 KindOf<Elem>::ref,
                 count_field};
}

}  // namespace layout
}  // namespace gauge

// One table entry for member M of struct S (optionally with the sibling field that counts used elements).
#define GAUGE_FIELD(S, M) ::gauge::layout::makeField<decltype(S::M)>(#M, offsetof(S, M), nullptr)
#define GAUGE_FIELD_COUNTED(S, M, N) ::gauge::layout::makeField<decltype(S::M)>(#M, offsetof(S, M), #N)

namespace gauge {
namespace layout {

// The tables themselves, one per struct, indexed by StructIndex in kStructs.
inline const Field kTextBoxFields[] = {
    GAUGE_FIELD(TextBox, x),     GAUGE_FIELD(TextBox, y),    GAUGE_FIELD(TextBox, w),
    GAUGE_FIELD(TextBox, h),     GAUGE_FIELD(TextBox, size), GAUGE_FIELD(TextBox, align),
    GAUGE_FIELD(TextBox, color), GAUGE_FIELD(TextBox, text), GAUGE_FIELD(TextBox, seq),
};
inline const Field kZoneFields[] = {
    GAUGE_FIELD(Zone, from_deg),
    GAUGE_FIELD(Zone, to_deg),
    GAUGE_FIELD(Zone, color),
};
inline const Field kTickFields[] = {
    GAUGE_FIELD(Tick, deg),
    GAUGE_FIELD(Tick, major),
    GAUGE_FIELD(Tick, label),
};
inline const Field kDialFields[] = {
    GAUGE_FIELD(Dial, id),
    GAUGE_FIELD(Dial, cx),
    GAUGE_FIELD(Dial, cy),
    GAUGE_FIELD(Dial, radius),
    GAUGE_FIELD(Dial, arc_width),
    GAUGE_FIELD(Dial, label_radius),
    GAUGE_FIELD(Dial, needle_length),
    GAUGE_FIELD(Dial, hub_radius),
    GAUGE_FIELD(Dial, start_deg),
    GAUGE_FIELD(Dial, end_deg),
    GAUGE_FIELD(Dial, arc_color),
    GAUGE_FIELD(Dial, tick_color),
    GAUGE_FIELD(Dial, needle_color),
    GAUGE_FIELD(Dial, zone_count),
    GAUGE_FIELD_COUNTED(Dial, zones, zone_count),
    GAUGE_FIELD(Dial, tick_count),
    GAUGE_FIELD_COUNTED(Dial, ticks, tick_count),
    GAUGE_FIELD(Dial, label),
    GAUGE_FIELD(Dial, value),
    GAUGE_FIELD(Dial, needle_deg),
    GAUGE_FIELD(Dial, face_seq),
    GAUGE_FIELD(Dial, needle_seq),
};
inline const Field kLampViewFields[] = {
    GAUGE_FIELD(LampView, id),          GAUGE_FIELD(LampView, x),         GAUGE_FIELD(LampView, y),
    GAUGE_FIELD(LampView, w),           GAUGE_FIELD(LampView, h),         GAUGE_FIELD(LampView, label_size),
    GAUGE_FIELD(LampView, label),       GAUGE_FIELD(LampView, active),    GAUGE_FIELD(LampView, lit),
    GAUGE_FIELD(LampView, on_color),    GAUGE_FIELD(LampView, off_color), GAUGE_FIELD(LampView, color),
    GAUGE_FIELD(LampView, label_color), GAUGE_FIELD(LampView, seq),
};
inline const Field kFrameFields[] = {
    GAUGE_FIELD(Frame, t_ms),          GAUGE_FIELD(Frame, seq),    GAUGE_FIELD(Frame, layout_seq),
    GAUGE_FIELD(Frame, phase),         GAUGE_FIELD(Frame, stale),  GAUGE_FIELD(Frame, fuel_over),
    GAUGE_FIELD(Frame, background),    GAUGE_FIELD(Frame, dials),  GAUGE_FIELD(Frame, lamps),
    GAUGE_FIELD(Frame, model),         GAUGE_FIELD(Frame, status), GAUGE_FIELD(Frame, rgb_led),
    GAUGE_FIELD(Frame, discrete_mask),
};

#define GAUGE_STRUCT(T, FIELDS)                                   \
    Struct {                                                      \
#T, sizeof(T), FIELDS, sizeof(FIELDS) / sizeof(FIELDS[0]) \
    }
inline const Struct kStructs[kStructCount] = {
    GAUGE_STRUCT(TextBox, kTextBoxFields),   GAUGE_STRUCT(Zone, kZoneFields),
    GAUGE_STRUCT(Tick, kTickFields),         GAUGE_STRUCT(Dial, kDialFields),
    GAUGE_STRUCT(LampView, kLampViewFields), GAUGE_STRUCT(Frame, kFrameFields),
};
#undef GAUGE_STRUCT

}  // namespace layout
}  // namespace gauge
