// The gauge core as a WebAssembly reactor module for the browser simulator and Node. One static Device, no
// heap: JavaScript drives it through the exports below (gaugeCore.ts is the typed wrapper).
//
// Conventions of this ABI:
//  - Times are uint32 milliseconds injected by the caller (the core never reads a clock).
//  - Strings go IN through one static buffer (gauge_string_buffer / _capacity) and come OUT as pointers to
//    NUL-terminated static strings.
//  - Every index argument is range-checked: a bad index is ignored (or yields null/0), never undefined
//    behaviour, because the caller is JavaScript we do not control.
//  - Structs (the Frame, the last payload, the Drawing) are read from memory with the core's layout tables
//    (firmware/core/frame_layout.h), never by offsets written down a second time in TypeScript.
//  - Names (poll outcomes, decoder verdicts, JSON kinds, state-line keys, enum values) and the numbers the
//    wrapper needs (body cap, JSON depth, screen size) come from the core through these exports too.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gauge.h"

#define GAUGE_EXPORT(name) extern "C" __attribute__((export_name(name)))

namespace {

namespace L = gauge::layout;

// Bumped when an export changes meaning; the wrapper refuses a module with another version.
constexpr uint32_t kAbiVersion = 2;

// The transfer buffer for one string going in. Strings longer than this are passed cut to this length.
constexpr size_t kStringBufferBytes = 16384;
// What is kept of a staged string value per field until the feed: more than any string field's maxLength
// (128 / 32 bytes) plus a UTF-8 character, so the decoder's result (truncated at maxLength on a character
// boundary, counted as truncated) is exactly what it would be with the whole string.
constexpr size_t kStagedTextBytes = 512;
static_assert(kStagedTextBytes > gauge::cfg::kModelMaxBytes + 4, "a staged model string keeps its cut");
static_assert(kStagedTextBytes > gauge::cfg::kSourceMaxBytes + 4, "a staged source string keeps its cut");

gauge::Device g_device;
gauge::UsageDecoder g_decoder;
gauge::Usage g_decoded;
gauge::draw::Drawing g_drawing;
char g_string_buffer[kStringBufferBytes];
char g_state_line[gauge::kStateLineMax];
// One body's JSON values, staged field by field by the wrapper, then fed to the decoder by the core's feed
// loop (usage_feed.h) in gauge_feed().
gauge::JsonValueView g_staged[gauge::kUsageFieldCount];
char g_staged_text[gauge::kUsageFieldCount][kStagedTextBytes];
gauge::BodyVerdict g_verdict = gauge::badBodyVerdict();

bool validField(uint32_t index) {
    return index < gauge::kUsageFieldCount;
}

const char* fieldTypeName(gauge::FieldType t) {
    switch (t) {
        case gauge::FieldType::Integer:
            return "integer";
        case gauge::FieldType::Number:
            return "number";
        case gauge::FieldType::NullableInteger:
            return "nullable_integer";
        case gauge::FieldType::NullableNumber:
            return "nullable_number";
        case gauge::FieldType::Boolean:
            return "boolean";
        case gauge::FieldType::String:
            return "string";
    }
    return "unknown";
}

const L::Field* layoutField(uint32_t s, uint32_t f) {
    if (s >= L::kStructCount || f >= L::kStructs[s].field_count) return nullptr;
    return &L::kStructs[s].fields[f];
}

// Numbers the wrapper needs from the core, by name (the simulator polls, parses and draws with them).
struct NamedConstant {
    const char* name;
    double value;
};
const NamedConstant kConstants[] = {
    {"screen_w", gauge::cfg::kScreenW},
    {"screen_h", gauge::cfg::kScreenH},
    {"max_body_bytes", gauge::cfg::kMaxBodyBytes},
    {"max_json_depth", gauge::cfg::kMaxJsonDepth},
};
constexpr uint32_t kConstantCount = sizeof(kConstants) / sizeof(kConstants[0]);

}  // namespace

// ---- Module identity ------------------------------------------------------------------------------------
GAUGE_EXPORT("gauge_abi_version") uint32_t gauge_abi_version() {
    return kAbiVersion;
}

// ---- The payload field table (kUsageFields) -------------------------------------------------------------
GAUGE_EXPORT("gauge_field_count") uint32_t gauge_field_count() {
    return static_cast<uint32_t>(gauge::kUsageFieldCount);
}
GAUGE_EXPORT("gauge_field_name") const char* gauge_field_name(uint32_t i) {
    return validField(i) ? gauge::kUsageFields[i].name : nullptr;
}
GAUGE_EXPORT("gauge_field_type") const char* gauge_field_type(uint32_t i) {
    return validField(i) ? fieldTypeName(gauge::kUsageFields[i].type) : nullptr;
}

// ---- Names of the core's enums and keys, so JavaScript never hard-codes them ----------------------------
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
GAUGE_EXPORT("gauge_json_kind_count") uint32_t gauge_json_kind_count() {
    return static_cast<uint32_t>(gauge::JsonKind::Count);
}
GAUGE_EXPORT("gauge_json_kind_name") const char* gauge_json_kind_name(uint32_t i) {
    return i < gauge_json_kind_count() ? gauge::jsonKindName(static_cast<gauge::JsonKind>(i)) : nullptr;
}
GAUGE_EXPORT("gauge_state_line_key_count") uint32_t gauge_state_line_key_count() {
    return static_cast<uint32_t>(gauge::kStateLineKeyCount);
}
GAUGE_EXPORT("gauge_state_line_key_name") const char* gauge_state_line_key_name(uint32_t i) {
    return i < gauge_state_line_key_count() ? gauge::stateLineKeyName(static_cast<gauge::StateLineKey>(i))
                                            : nullptr;
}
// The lamps' names from the highest priority down (the order the state line lists them in).
GAUGE_EXPORT("gauge_lamp_priority_name") const char* gauge_lamp_priority_name(uint32_t i) {
    return i < static_cast<uint32_t>(gauge::kLampCount) ? gauge::lampName(gauge::kLampPriorityOrder[i])
                                                        : nullptr;
}

// ---- Constants --------------------------------------------------------------------------------------------
GAUGE_EXPORT("gauge_constant_count") uint32_t gauge_constant_count() {
    return kConstantCount;
}
GAUGE_EXPORT("gauge_constant_name") const char* gauge_constant_name(uint32_t i) {
    return i < kConstantCount ? kConstants[i].name : nullptr;
}
GAUGE_EXPORT("gauge_constant_value") double gauge_constant_value(uint32_t i) {
    return i < kConstantCount ? kConstants[i].value : 0.0;
}

// ---- Device ---------------------------------------------------------------------------------------------
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

// ---- A response body: stage each field's JSON value, then feed them through the core's loop --------------
GAUGE_EXPORT("gauge_string_buffer") char* gauge_string_buffer() {
    return g_string_buffer;
}
GAUGE_EXPORT("gauge_string_buffer_capacity") uint32_t gauge_string_buffer_capacity() {
    return static_cast<uint32_t>(kStringBufferBytes);
}
// Forgets the staged values: every field is Missing until staged.
GAUGE_EXPORT("gauge_stage_begin") void gauge_stage_begin() {
    for (gauge::JsonValueView& v : g_staged) v = gauge::jsonMissing();
}
// The value of `field` in the parsed object: `kind` indexes gauge_json_kind_name(); `number` is the number
// (Number) or 0/1 (Bool). A String's `len` bytes are in gauge_string_buffer().
GAUGE_EXPORT("gauge_stage") void gauge_stage(uint32_t field, uint32_t kind, double number, uint32_t len) {
    if (!validField(field) || kind >= gauge_json_kind_count()) return;
    gauge::JsonValueView v = gauge::jsonMissing();
    v.kind = static_cast<gauge::JsonKind>(kind);
    v.boolean = number != 0.0;
    v.number = number;
    if (v.kind == gauge::JsonKind::String) {
        if (len > kStringBufferBytes) len = kStringBufferBytes;
        const size_t kept = len < kStagedTextBytes ? len : kStagedTextBytes;
        memcpy(g_staged_text[field], g_string_buffer, kept);
        v.str = g_staged_text[field];
        v.len = kept;
    }
    g_staged[field] = v;
}
// Feeds the staged values (usage_feed.h) and hands the verdict to the device (Ok -> new data, anything else
// -> Rejected). Returns the DecodeStatus index (names: gauge_decode_status_name).
GAUGE_EXPORT("gauge_feed") uint32_t gauge_feed(uint32_t now) {
    g_verdict = gauge::decodeUsageObject(g_decoder, g_decoded, [](const gauge::UsageFieldInfo& f) {
        return g_staged[static_cast<size_t>(f.id)];
    });
    g_device.onBody(now, g_verdict, g_decoded);
    return static_cast<uint32_t>(g_verdict.status);
}
// The last fed body's DecodeReport: 0 present, 1 accepted, 2 defaulted, 3 clamped, 4 truncated.
GAUGE_EXPORT("gauge_decode_report") uint32_t gauge_decode_report(uint32_t which) {
    const gauge::DecodeReport& r = g_verdict.report;
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

// ---- What the core hands out: the Frame, the last good payload, the Drawing, the state line ---------------
GAUGE_EXPORT("gauge_frame") const gauge::Frame* gauge_frame() {
    return &g_device.frame();
}
// The last good payload, as decoded and clamped (the schema's defaults before the first one).
GAUGE_EXPORT("gauge_usage") const gauge::Usage* gauge_usage() {
    return &g_device.cluster().usage();
}
// Plans how the current Frame is drawn (drawing.h) and returns it.
GAUGE_EXPORT("gauge_drawing") const gauge::draw::Drawing* gauge_drawing() {
    gauge::draw::planDrawing(g_device.frame(), g_drawing);
    return &g_drawing;
}
// Formats the state line into a static buffer (gauge_state_line_buffer) and returns its length.
GAUGE_EXPORT("gauge_format_state_line") uint32_t gauge_format_state_line() {
    return static_cast<uint32_t>(
        gauge::formatStateLine(g_device.frame(), g_state_line, sizeof(g_state_line)));
}
GAUGE_EXPORT("gauge_state_line_buffer") const char* gauge_state_line_buffer() {
    return g_state_line;
}

// ---- Layout description (frame_layout.h): structs 0..count-1, found by name -------------------------------
GAUGE_EXPORT("gauge_layout_struct_count") uint32_t gauge_layout_struct_count() {
    return L::kStructCount;
}
GAUGE_EXPORT("gauge_layout_struct_name") const char* gauge_layout_struct_name(uint32_t s) {
    return s < L::kStructCount ? L::kStructs[s].name : nullptr;
}
GAUGE_EXPORT("gauge_layout_struct_size") uint32_t gauge_layout_struct_size(uint32_t s) {
    return s < L::kStructCount ? L::kStructs[s].size : 0;
}
GAUGE_EXPORT("gauge_layout_field_count") uint32_t gauge_layout_field_count(uint32_t s) {
    return s < L::kStructCount ? L::kStructs[s].field_count : 0;
}
GAUGE_EXPORT("gauge_layout_field_name") const char* gauge_layout_field_name(uint32_t s, uint32_t f) {
    const L::Field* x = layoutField(s, f);
    return x ? x->name : nullptr;
}
// 0 offset, 1 kind, 2 count, 3 stride, 4 ref, 5 array (1/0).
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
        case 5:
            return x->array;
        default:
            return 0;
    }
}
GAUGE_EXPORT("gauge_layout_kind_name") const char* gauge_layout_kind_name(uint32_t kind) {
    return L::kindName(kind);
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
    return e < L::kEnumCount ? L::kEnums[e].name : nullptr;
}
GAUGE_EXPORT("gauge_layout_enum_value_count") uint32_t gauge_layout_enum_value_count(uint32_t e) {
    return e < L::kEnumCount ? L::kEnums[e].value_count : 0;
}
GAUGE_EXPORT("gauge_layout_enum_value_name")
const char* gauge_layout_enum_value_name(uint32_t e, uint32_t v) {
    return e < L::kEnumCount ? L::kEnums[e].value_name(v) : nullptr;
}
