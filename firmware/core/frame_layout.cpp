#include "frame_layout.h"

#include <stddef.h>

#include "drawing.h"
#include "frame.h"
#include "state_line.h"
#include "usage.h"

namespace gauge {
namespace layout {

// Type -> (kind, ref) at compile time. No <type_traits>: the core includes C headers only. (A named
// namespace: clang flags the members of unused specializations in an anonymous one.)
namespace traits {
template <typename T>
struct KindOf;
#define GAUGE_LAYOUT_KIND(T, KIND)                      \
    template <>                                         \
    struct KindOf<T> {                                  \
        static constexpr uint32_t kind = KIND, ref = 0; \
    };
GAUGE_LAYOUT_KIND(uint8_t, kU8)
GAUGE_LAYOUT_KIND(int8_t, kI8)
GAUGE_LAYOUT_KIND(uint16_t, kU16)
GAUGE_LAYOUT_KIND(int16_t, kI16)
GAUGE_LAYOUT_KIND(uint32_t, kU32)
GAUGE_LAYOUT_KIND(int32_t, kI32)
GAUGE_LAYOUT_KIND(uint64_t, kU64)
GAUGE_LAYOUT_KIND(float, kF32)
GAUGE_LAYOUT_KIND(double, kF64)
GAUGE_LAYOUT_KIND(bool, kBool)
GAUGE_LAYOUT_KIND(char, kChars)
#undef GAUGE_LAYOUT_KIND
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
GAUGE_LAYOUT_ENUM(FuelBasis, kFuelBasisE)
GAUGE_LAYOUT_ENUM(Eta, kEtaE)
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
GAUGE_LAYOUT_STRUCT(Usage, kUsageS)
GAUGE_LAYOUT_STRUCT(draw::PointF, kPointS)
GAUGE_LAYOUT_STRUCT(draw::Rect, kRectS)
GAUGE_LAYOUT_STRUCT(draw::TextPlacement, kTextPlacementS)
GAUGE_LAYOUT_STRUCT(draw::TickMark, kTickMarkS)
GAUGE_LAYOUT_STRUCT(draw::NeedleShape, kNeedleShapeS)
GAUGE_LAYOUT_STRUCT(draw::DialDrawing, kDialDrawingS)
GAUGE_LAYOUT_STRUCT(draw::LampDrawing, kLampDrawingS)
GAUGE_LAYOUT_STRUCT(draw::Drawing, kDrawingS)
#undef GAUGE_LAYOUT_STRUCT

// A member's element type and length: T for a scalar, T[N] for a one-dimensional array.
template <typename M>
struct Member {
    using Elem = M;
    static constexpr uint32_t count = 1;
    static constexpr bool array = false;
};
template <typename T, size_t N>
struct Member<T[N]> {
    using Elem = T;
    static constexpr uint32_t count = static_cast<uint32_t>(N);
    static constexpr bool array = true;
};

}  // namespace traits

namespace {

template <typename M>
constexpr Field makeField(const char* name, size_t offset, const char* count_field) {
    using Elem = typename traits::Member<M>::Elem;
    using Kind = traits::KindOf<Elem>;
    return Field{name,
                 static_cast<uint32_t>(offset),
                 Kind::kind,
                 traits::Member<M>::count,
                 static_cast<uint32_t>(sizeof(Elem)),
                 Kind::ref,
                 traits::Member<M>::array && Kind::kind != kChars ? 1u : 0u,
                 count_field};
}

// One entry for member M of struct S (optionally with the sibling field that counts its used elements).
#define GAUGE_FIELD(S, M) makeField<decltype(S::M)>(#M, offsetof(S, M), nullptr)
#define GAUGE_FIELD_COUNTED(S, M, N) makeField<decltype(S::M)>(#M, offsetof(S, M), #N)

const Field kTextBoxFields[] = {
    GAUGE_FIELD(TextBox, x),     GAUGE_FIELD(TextBox, y),    GAUGE_FIELD(TextBox, w),
    GAUGE_FIELD(TextBox, h),     GAUGE_FIELD(TextBox, size), GAUGE_FIELD(TextBox, align),
    GAUGE_FIELD(TextBox, color), GAUGE_FIELD(TextBox, text), GAUGE_FIELD(TextBox, seq),
};
const Field kZoneFields[] = {
    GAUGE_FIELD(Zone, from_deg),
    GAUGE_FIELD(Zone, to_deg),
    GAUGE_FIELD(Zone, color),
};
const Field kTickFields[] = {
    GAUGE_FIELD(Tick, deg),
    GAUGE_FIELD(Tick, major),
    GAUGE_FIELD(Tick, label),
};
const Field kDialFields[] = {
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
const Field kLampViewFields[] = {
    GAUGE_FIELD(LampView, id),          GAUGE_FIELD(LampView, x),         GAUGE_FIELD(LampView, y),
    GAUGE_FIELD(LampView, w),           GAUGE_FIELD(LampView, h),         GAUGE_FIELD(LampView, label_size),
    GAUGE_FIELD(LampView, label),       GAUGE_FIELD(LampView, active),    GAUGE_FIELD(LampView, lit),
    GAUGE_FIELD(LampView, on_color),    GAUGE_FIELD(LampView, off_color), GAUGE_FIELD(LampView, color),
    GAUGE_FIELD(LampView, label_color), GAUGE_FIELD(LampView, seq),
};
const Field kFrameFields[] = {
    GAUGE_FIELD(Frame, t_ms),          GAUGE_FIELD(Frame, seq),        GAUGE_FIELD(Frame, layout_seq),
    GAUGE_FIELD(Frame, phase),         GAUGE_FIELD(Frame, stale),      GAUGE_FIELD(Frame, fuel_over),
    GAUGE_FIELD(Frame, background),    GAUGE_FIELD(Frame, dials),      GAUGE_FIELD(Frame, lamps),
    GAUGE_FIELD(Frame, model),         GAUGE_FIELD(Frame, status),     GAUGE_FIELD(Frame, basis),
    GAUGE_FIELD(Frame, week),          GAUGE_FIELD(Frame, pace),       GAUGE_FIELD(Frame, rgb_led),
    GAUGE_FIELD(Frame, discrete_mask), GAUGE_FIELD(Frame, fuel_basis), GAUGE_FIELD(Frame, week_pct),
    GAUGE_FIELD(Frame, eta),           GAUGE_FIELD(Frame, eta_min),
};
const Field kUsageFields_[] = {
    GAUGE_FIELD(Usage, v),
    GAUGE_FIELD(Usage, ts_ms),
    GAUGE_FIELD(Usage, rate_1m),
    GAUGE_FIELD(Usage, rate_redline),
    GAUGE_FIELD(Usage, window_5h_tokens),
    GAUGE_FIELD(Usage, window_5h_pct),
    GAUGE_FIELD(Usage, has_reset),
    GAUGE_FIELD(Usage, window_5h_reset_in_s),
    GAUGE_FIELD(Usage, thinking_ratio),
    GAUGE_FIELD(Usage, cache_hit_rate),
    GAUGE_FIELD(Usage, last_model),
    GAUGE_FIELD(Usage, sessions_active),
    GAUGE_FIELD(Usage, hot),
    GAUGE_FIELD(Usage, warn),
    GAUGE_FIELD(Usage, stall),
    GAUGE_FIELD(Usage, idle),
    GAUGE_FIELD(Usage, stale),
    GAUGE_FIELD(Usage, source),
    GAUGE_FIELD(Usage, has_quota_5h),
    GAUGE_FIELD(Usage, quota_5h_pct),
    GAUGE_FIELD(Usage, has_quota_5h_resets),
    GAUGE_FIELD(Usage, quota_5h_resets_at),
    GAUGE_FIELD(Usage, has_quota_7d),
    GAUGE_FIELD(Usage, quota_7d_pct),
    GAUGE_FIELD(Usage, has_quota_7d_resets),
    GAUGE_FIELD(Usage, quota_7d_resets_at),
    GAUGE_FIELD(Usage, has_quota_observed),
    GAUGE_FIELD(Usage, quota_observed_at_ms),
    GAUGE_FIELD(Usage, fuel_basis),
    GAUGE_FIELD(Usage, has_pace),
    GAUGE_FIELD(Usage, pace_pct_at_reset),
    GAUGE_FIELD(Usage, has_minutes_to_full),
    GAUGE_FIELD(Usage, minutes_to_full),
    GAUGE_FIELD(Usage, attention),
};
using draw::DialDrawing;
using draw::Drawing;
using draw::LampDrawing;
using draw::NeedleShape;
using draw::PointF;
using draw::Rect;
using draw::TextPlacement;
using draw::TickMark;
const Field kPointFields[] = {GAUGE_FIELD(PointF, x), GAUGE_FIELD(PointF, y)};
const Field kRectFields[] = {GAUGE_FIELD(Rect, x), GAUGE_FIELD(Rect, y), GAUGE_FIELD(Rect, w),
                             GAUGE_FIELD(Rect, h)};
const Field kTextPlacementFields[] = {GAUGE_FIELD(TextPlacement, x), GAUGE_FIELD(TextPlacement, y),
                                      GAUGE_FIELD(TextPlacement, size), GAUGE_FIELD(TextPlacement, chars)};
const Field kTickMarkFields[] = {GAUGE_FIELD(TickMark, outer), GAUGE_FIELD(TickMark, inner),
                                 GAUGE_FIELD(TickMark, width)};
const Field kNeedleShapeFields[] = {GAUGE_FIELD(NeedleShape, pivot), GAUGE_FIELD(NeedleShape, tip),
                                    GAUGE_FIELD(NeedleShape, base_width),
                                    GAUGE_FIELD(NeedleShape, tip_width)};
const Field kDialDrawingFields[] = {
    GAUGE_FIELD(DialDrawing, label),
    GAUGE_FIELD(DialDrawing, value),
    GAUGE_FIELD(DialDrawing, arc_inner_radius),
    GAUGE_FIELD(DialDrawing, tick_count),
    GAUGE_FIELD_COUNTED(DialDrawing, ticks, tick_count),
    GAUGE_FIELD_COUNTED(DialDrawing, tick_labels, tick_count),
    GAUGE_FIELD(DialDrawing, needle),
};
const Field kLampDrawingFields[] = {GAUGE_FIELD(LampDrawing, corner_radius), GAUGE_FIELD(LampDrawing, label)};
const Field kDrawingFields[] = {
    GAUGE_FIELD(Drawing, glyph_w),    GAUGE_FIELD(Drawing, glyph_h),
    GAUGE_FIELD(Drawing, dials),      GAUGE_FIELD(Drawing, lamps),
    GAUGE_FIELD(Drawing, text_count), GAUGE_FIELD_COUNTED(Drawing, texts, text_count),
};
#undef GAUGE_FIELD
#undef GAUGE_FIELD_COUNTED

const char* phaseAt(uint32_t v) {
    return v < 3 ? phaseName(static_cast<Phase>(v)) : nullptr;
}
const char* dialAt(uint32_t v) {
    return v < static_cast<uint32_t>(kDialCount) ? dialName(static_cast<DialId>(v)) : nullptr;
}
const char* alignAt(uint32_t v) {
    return v < 3 ? alignName(static_cast<Align>(v)) : nullptr;
}
const char* lampAt(uint32_t v) {
    return v < static_cast<uint32_t>(kLampCount) ? lampName(static_cast<LampId>(v)) : nullptr;
}
const char* fuelBasisAt(uint32_t v) {
    return v < 2 ? fuelBasisName(static_cast<FuelBasis>(v)) : nullptr;
}
const char* etaAt(uint32_t v) {
    return v < 3 ? etaName(static_cast<Eta>(v)) : nullptr;
}
static_assert(static_cast<int>(Phase::NoSignal) == 2, "three phases");
static_assert(static_cast<int>(Align::Right) == 2, "three alignments");
static_assert(static_cast<int>(FuelBasis::Official) == 1, "two fuel bases");
static_assert(static_cast<int>(Eta::Lasts) == 2, "three etas");

}  // namespace

#define GAUGE_STRUCT(T, FIELDS)                                               \
    Struct {                                                                  \
#T, sizeof(T), alignof(T), FIELDS, sizeof(FIELDS) / sizeof(FIELDS[0]) \
    }
const Struct kStructs[kStructCount] = {
    GAUGE_STRUCT(TextBox, kTextBoxFields),
    GAUGE_STRUCT(Zone, kZoneFields),
    GAUGE_STRUCT(Tick, kTickFields),
    GAUGE_STRUCT(Dial, kDialFields),
    GAUGE_STRUCT(LampView, kLampViewFields),
    GAUGE_STRUCT(Frame, kFrameFields),
    GAUGE_STRUCT(Usage, kUsageFields_),
    GAUGE_STRUCT(PointF, kPointFields),
    GAUGE_STRUCT(Rect, kRectFields),
    GAUGE_STRUCT(TextPlacement, kTextPlacementFields),
    GAUGE_STRUCT(TickMark, kTickMarkFields),
    GAUGE_STRUCT(NeedleShape, kNeedleShapeFields),
    GAUGE_STRUCT(DialDrawing, kDialDrawingFields),
    GAUGE_STRUCT(LampDrawing, kLampDrawingFields),
    GAUGE_STRUCT(Drawing, kDrawingFields),
};
#undef GAUGE_STRUCT

const char* kindName(uint32_t kind) {
    switch (kind) {
        case kU8:
            return "u8";
        case kI8:
            return "i8";
        case kU16:
            return "u16";
        case kI16:
            return "i16";
        case kU32:
            return "u32";
        case kI32:
            return "i32";
        case kF32:
            return "f32";
        case kBool:
            return "bool";
        case kChars:
            return "chars";
        case kEnum:
            return "enum";
        case kStruct:
            return "struct";
        case kU64:
            return "u64";
        case kF64:
            return "f64";
        default:
            return nullptr;
    }
}

const Enum kEnums[kEnumCount] = {
    Enum{"Phase", 3, phaseAt},         Enum{"DialId", static_cast<uint32_t>(kDialCount), dialAt},
    Enum{"Align", 3, alignAt},         Enum{"LampId", static_cast<uint32_t>(kLampCount), lampAt},
    Enum{"FuelBasis", 2, fuelBasisAt}, Enum{"Eta", 3, etaAt},
};

}  // namespace layout

size_t frameTexts(const Frame& f, const TextBox** out, size_t cap) {
    const layout::Struct& frame = layout::kStructs[layout::kFrameS];
    size_t n = 0;
    for (uint32_t i = 0; i < frame.field_count; ++i) {
        const layout::Field& field = frame.fields[i];
        if (field.kind != layout::kStruct || field.ref != layout::kTextBoxS || field.array) continue;
        if (n < cap)
            out[n] = reinterpret_cast<const TextBox*>(reinterpret_cast<const char*>(&f) + field.offset);
        ++n;
    }
    return n;
}

}  // namespace gauge
