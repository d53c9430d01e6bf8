// The gauge core as a WebAssembly reactor module for the browser simulator and Node. One static Device, no
// heap: JavaScript drives it through the exports below (see gaugeCore.ts for the typed wrapper).
//
// Conventions of this ABI:
//  - Times are uint32 milliseconds injected by the caller (the core never reads a clock).
//  - Strings go IN through one static buffer (gauge_string_buffer / _capacity) and come OUT as pointers to
//    NUL-terminated static strings.
//  - Every index argument is range-checked: a bad index is ignored (or yields null/0), never undefined
//    behaviour, because the caller is JavaScript we do not control.
//  - The Frame is read from memory using the layout table exported here (frame_layout.h), never by
//    offsets written down a second time in TypeScript.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "frame_layout.h"
#include "gauge.h"

#define GAUGE_EXPORT(name) extern "C" __attribute__((export_name(name)))

namespace {

// Bumped when an export changes meaning; the wrapper refuses a module with another version.
constexpr uint32_t kAbiVersion = 1;

// Strings longer than this are passed cut to this length. Every string field's maxLength (128 / 32 bytes)
// is far below it, so the decoder's result (truncated at maxLength on a UTF-8 boundary, counted as
// truncated) is exactly what it would be with the whole string.
constexpr size_t kStringBufferBytes = 16384;

gauge::Device g_device;
gauge::UsageDecoder g_decoder;
gauge::Usage g_decoded;
char g_string_buffer[kStringBufferBytes];
char g_state_line[gauge::kStateLineMax];

bool validField(uint32_t index) {
    return index < gauge::kUsageFieldCount;
}
gauge::UsageField fieldAt(uint32_t index) {
    return static_cast<gauge::UsageField>(index);
}

const char* fieldTypeName(gauge::FieldType t) {
    switch (t) {
        case gauge::FieldType::Integer:
            return "integer";
        case gauge::FieldType::Number:
            return "number";
        case gauge::FieldType::NullableInteger:
            return "nullable_integer";
        case gauge::FieldType::Boolean:
            return "boolean";
        case gauge::FieldType::String:
            return "string";
    }
    return "unknown";
}

// ---- Frame layout table ----------------------------------------------------------------------------------
// The structs' tables live in frame_layout.h (the virtual panel checks its own Frame against them too); the
// enum names are this ABI's.
namespace L = gauge::layout;
using L::kStructs;

// Enum values are named exactly like the C++ enumerators (frame.h, lamps.h), so the Frame read in JavaScript
// matches the header's vocabulary.
const char* const kPhaseNames[] = {"SelfTest", "Live", "NoSignal"};
const char* const kDialNames[] = {"Tach", "Fuel", "Temp", "Boost"};
const char* const kAlignNames[] = {"Left", "Center", "Right"};
const char* const kLampNames[] = {"Hot", "Warn", "Stall", "Idle", "NoSignal"};
static_assert(static_cast<int>(gauge::Phase::NoSignal) == 2, "kPhaseNames follows gauge::Phase");
static_assert(sizeof(kDialNames) / sizeof(kDialNames[0]) == gauge::kDialCount, "kDialNames follows DialId");
static_assert(static_cast<int>(gauge::Align::Right) == 2, "kAlignNames follows gauge::Align");
static_assert(sizeof(kLampNames) / sizeof(kLampNames[0]) == gauge::kLampCount, "kLampNames follows LampId");
static_assert(static_cast<int>(gauge::LampId::NoSignal) == 4, "kLampNames follows gauge::LampId");

template <size_t N>
const char* nameAt(const char* const (&names)[N], uint32_t v) {
    return v < N ? names[v] : nullptr;
}
#define GAUGE_ENUM(NAME, TABLE)                                                             \
    L::Enum {                                                                               \
        NAME, sizeof(TABLE) / sizeof(TABLE[0]), [](uint32_t v) { return nameAt(TABLE, v); } \
    }
const L::Enum kEnums[L::kEnumCount] = {
    GAUGE_ENUM("Phase", kPhaseNames),
    GAUGE_ENUM("DialId", kDialNames),
    GAUGE_ENUM("Align", kAlignNames),
    GAUGE_ENUM("LampId", kLampNames),
};
#undef GAUGE_ENUM

const L::Field* layoutField(uint32_t s, uint32_t f) {
    if (s >= L::kStructCount || f >= kStructs[s].field_count) return nullptr;
    return &kStructs[s].fields[f];
}

}  // namespace

// ---- Module identity
// ---------------------------------------------------------------------------------------
GAUGE_EXPORT("gauge_abi_version") uint32_t gauge_abi_version() {
    return kAbiVersion;
}

// ---- The payload field table (kUsageFields)
// ------------------------------------------------------------------
GAUGE_EXPORT("gauge_field_count") uint32_t gauge_field_count() {
    return static_cast<uint32_t>(gauge::kUsageFieldCount);
}
GAUGE_EXPORT("gauge_field_name") const char* gauge_field_name(uint32_t i) {
    return validField(i) ? gauge::kUsageFields[i].name : nullptr;
}
GAUGE_EXPORT("gauge_field_type") const char* gauge_field_type(uint32_t i) {
    return validField(i) ? fieldTypeName(gauge::kUsageFields[i].type) : nullptr;
}

// ---- Names of the core's enums, so JavaScript never hard-codes their numbering
// ---------------------------------
GAUGE_EXPORT("gauge_poll_outcome_count") uint32_t gauge_poll_outcome_count() {
    return static_cast<uint32_t>(gauge::PollOutcome::Count);
}
GAUGE_EXPORT("gauge_poll_outcome_name") const char* gauge_poll_outcome_name(uint32_t i) {
    return i < gauge_poll_outcome_count() ? gauge::pollOutcomeName(static_cast<gauge::PollOutcome>(i))
                                          : nullptr;
}
GAUGE_EXPORT("gauge_decode_status_count") uint32_t gauge_decode_status_count() {
    return static_cast<uint32_t>(gauge::DecodeStatus::NotStarted) + 1;
}
GAUGE_EXPORT("gauge_decode_status_name") const char* gauge_decode_status_name(uint32_t i) {
    return i < gauge_decode_status_count() ? gauge::decodeStatusName(static_cast<gauge::DecodeStatus>(i))
                                           : nullptr;
}

// ---- Device
// ----------------------------------------------------------------------------------------------------
GAUGE_EXPORT("gauge_boot") void gauge_boot(uint32_t now) {
    g_device.boot(now);
}
// 1 = start one GET /usage now, 0 = nothing to do.
GAUGE_EXPORT("gauge_tick") uint32_t gauge_tick(uint32_t now) {
    return g_device.tick(now) == gauge::PollAction::StartRequest ? 1u : 0u;
}
GAUGE_EXPORT("gauge_on_poll_result") void gauge_on_poll_result(uint32_t now, uint32_t outcome) {
    if (outcome < gauge_poll_outcome_count())
        g_device.onPollResult(now, static_cast<gauge::PollOutcome>(outcome));
}
GAUGE_EXPORT("gauge_update") void gauge_update(uint32_t now) {
    g_device.update(now);
}
GAUGE_EXPORT("gauge_request_timeout_ms") uint32_t gauge_request_timeout_ms() {
    return g_device.requestTimeoutMs();
}
GAUGE_EXPORT("gauge_ms_until_next_poll") uint32_t gauge_ms_until_next_poll(uint32_t now) {
    return g_device.poller().msUntilNextPoll(now);
}
GAUGE_EXPORT("gauge_in_flight") uint32_t gauge_in_flight() {
    return g_device.poller().inFlight() ? 1u : 0u;
}
GAUGE_EXPORT("gauge_consecutive_failures") uint32_t gauge_consecutive_failures() {
    return g_device.poller().consecutiveFailures();
}
GAUGE_EXPORT("gauge_wants_rediscovery") uint32_t gauge_wants_rediscovery() {
    return g_device.wantsRediscovery() ? 1u : 0u;
}
GAUGE_EXPORT("gauge_ack_rediscovery") void gauge_ack_rediscovery() {
    g_device.ackRediscovery();
}

// ---- Payload decoding: begin, one setter per present field, finish
// ----------------------------------------------
GAUGE_EXPORT("gauge_string_buffer") char* gauge_string_buffer() {
    return g_string_buffer;
}
GAUGE_EXPORT("gauge_string_buffer_capacity") uint32_t gauge_string_buffer_capacity() {
    return static_cast<uint32_t>(kStringBufferBytes);
}
GAUGE_EXPORT("gauge_decode_begin") void gauge_decode_begin() {
    g_decoder.begin();
}
GAUGE_EXPORT("gauge_decode_number") void gauge_decode_number(uint32_t field, double value) {
    if (validField(field)) g_decoder.setNumber(fieldAt(field), value);
}
GAUGE_EXPORT("gauge_decode_bool") void gauge_decode_bool(uint32_t field, uint32_t value) {
    if (validField(field)) g_decoder.setBool(fieldAt(field), value != 0);
}
// The string's `len` bytes are in gauge_string_buffer(); longer lengths are cut to the buffer's capacity.
GAUGE_EXPORT("gauge_decode_string") void gauge_decode_string(uint32_t field, uint32_t len) {
    if (!validField(field)) return;
    if (len > kStringBufferBytes) len = kStringBufferBytes;
    g_decoder.setString(fieldAt(field), g_string_buffer, len);
}
GAUGE_EXPORT("gauge_decode_null") void gauge_decode_null(uint32_t field) {
    if (validField(field)) g_decoder.setNull(fieldAt(field));
}
GAUGE_EXPORT("gauge_decode_wrong_type") void gauge_decode_wrong_type(uint32_t field) {
    if (validField(field)) g_decoder.setWrongType(fieldAt(field));
}
// Validates the payload and hands the verdict to the device (Ok -> new data, anything else -> Rejected).
// Returns the DecodeStatus index (names: gauge_decode_status_name).
GAUGE_EXPORT("gauge_decode_finish") uint32_t gauge_decode_finish(uint32_t now) {
    const gauge::DecodeStatus status = g_decoder.finish(g_decoded);
    g_device.onDecoded(now, status, g_decoded);
    return static_cast<uint32_t>(status);
}
// The last payload's DecodeReport: 0 present, 1 accepted, 2 defaulted, 3 clamped, 4 truncated.
GAUGE_EXPORT("gauge_decode_report") uint32_t gauge_decode_report(uint32_t which) {
    const gauge::DecodeReport& r = g_decoder.report();
    switch (which) {
        case 0:
            return r.present;
        case 1:
            return r.accepted;
        case 2:
            return r.defaulted;
        case 3:
            return r.clamped;
        case 4:
            return r.truncated;
        default:
            return 0;
    }
}

// ---- Frame and state line
// ---------------------------------------------------------------------------------------
GAUGE_EXPORT("gauge_frame") const gauge::Frame* gauge_frame() {
    return &g_device.frame();
}
// Formats the state line into a static buffer (gauge_state_line_buffer) and returns its length.
GAUGE_EXPORT("gauge_format_state_line") uint32_t gauge_format_state_line() {
    return static_cast<uint32_t>(
        gauge::formatStateLine(g_device.frame(), g_state_line, sizeof(g_state_line)));
}
GAUGE_EXPORT("gauge_state_line_buffer") const char* gauge_state_line_buffer() {
    return g_state_line;
}

// ---- Frame layout description
// ------------------------------------------------------------------------------------- Structs are numbered
// 0..count-1; the Frame itself is gauge_layout_frame_struct().
GAUGE_EXPORT("gauge_layout_struct_count") uint32_t gauge_layout_struct_count() {
    return L::kStructCount;
}
GAUGE_EXPORT("gauge_layout_frame_struct") uint32_t gauge_layout_frame_struct() {
    return L::kFrameS;
}
GAUGE_EXPORT("gauge_layout_struct_name") const char* gauge_layout_struct_name(uint32_t s) {
    return s < L::kStructCount ? kStructs[s].name : nullptr;
}
GAUGE_EXPORT("gauge_layout_struct_size") uint32_t gauge_layout_struct_size(uint32_t s) {
    return s < L::kStructCount ? kStructs[s].size : 0;
}
GAUGE_EXPORT("gauge_layout_field_count") uint32_t gauge_layout_field_count(uint32_t s) {
    return s < L::kStructCount ? kStructs[s].field_count : 0;
}
GAUGE_EXPORT("gauge_layout_field_name") const char* gauge_layout_field_name(uint32_t s, uint32_t f) {
    const L::Field* x = layoutField(s, f);
    return x ? x->name : nullptr;
}
// 0 offset, 1 kind, 2 count, 3 stride, 4 ref.
GAUGE_EXPORT("gauge_layout_field_info")
uint32_t gauge_layout_field_info(uint32_t s, uint32_t f, uint32_t what) {
    const L::Field* x = layoutField(s, f);
    if (!x) return 0;
    switch (what) {
        case 0:
            return x->offset;
        case 1:
            return x->kind;
        case 2:
            return x->count;
        case 3:
            return x->stride;
        case 4:
            return x->ref;
        default:
            return 0;
    }
}
GAUGE_EXPORT("gauge_layout_field_count_field")
const char* gauge_layout_field_count_field(uint32_t s, uint32_t f) {
    const L::Field* x = layoutField(s, f);
    return x ? x->count_field : nullptr;
}
GAUGE_EXPORT("gauge_layout_enum_count") uint32_t gauge_layout_enum_count() {
    return L::kEnumCount;
}
GAUGE_EXPORT("gauge_layout_enum_name") const char* gauge_layout_enum_name(uint32_t e) {
    return e < L::kEnumCount ? kEnums[e].name : nullptr;
}
GAUGE_EXPORT("gauge_layout_enum_value_count") uint32_t gauge_layout_enum_value_count(uint32_t e) {
    return e < L::kEnumCount ? kEnums[e].value_count : 0;
}
GAUGE_EXPORT("gauge_layout_enum_value_name")
const char* gauge_layout_enum_value_name(uint32_t e, uint32_t v) {
    return e < L::kEnumCount ? kEnums[e].value_name(v) : nullptr;
}
