// The one feed loop from a parsed JSON object into the UsageDecoder: walk the core's field table
// (kUsageFields), ask the platform what JSON value the object holds for each field, and call the decoder's
// setter for that kind of value. Every platform uses it: the ESP32 binds `lookup` to ArduinoJson
// (platform/esp32/host_tested/usage_json.cpp), the native builds to nlohmann::json
// (platform/native/usage_json.cpp), the wasm build to JSON.parse (the wrapper stages each field's value,
// platform/wasm/gauge_wasm.cpp). A platform only says what kind of JSON value a field has; which setter that
// means, and every validation rule (usage.h), live here. Header only (a template), no heap.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "poll.h"
#include "usage.h"

namespace gauge {

// A JSON value as the feed needs it. `Missing` = the key is absent (the schema default applies);
// `Other` = array, object or anything else the decoder must treat as the wrong type.
enum class JsonKind : uint8_t { Missing, Null, Bool, Number, String, Other, Count };

const char* jsonKindName(JsonKind k);  // "missing", "null", "bool", "number", "string", "other"

struct JsonValueView {
    JsonKind kind;
    bool boolean;
    double number;
    const char* str;  // `len` bytes, not necessarily NUL-terminated
    size_t len;
};

inline JsonValueView jsonMissing() {
    return JsonValueView{JsonKind::Missing, false, 0.0, nullptr, 0};
}

// lookup(const UsageFieldInfo&) -> JsonValueView. Begins `dec`, feeds every field, finishes it: returns the
// decoder's verdict; `out` is written only on Ok.
template <typename Lookup>
DecodeStatus feedUsage(UsageDecoder& dec, Usage& out, Lookup&& lookup) {
    dec.begin();
    for (size_t i = 0; i < kUsageFieldCount; ++i) {
        const UsageFieldInfo& f = kUsageFields[i];
        const JsonValueView v = lookup(f);
        switch (v.kind) {
            case JsonKind::Missing:
            case JsonKind::Count:
                break;
            case JsonKind::Null:
                dec.setNull(f.id);
                break;
            case JsonKind::Bool:
                dec.setBool(f.id, v.boolean);
                break;
            case JsonKind::Number:
                // Every zero is +0: parsers disagree on "-0" (nlohmann reads the integer 0, JSON.parse -0).
                dec.setNumber(f.id, v.number == 0.0 ? 0.0 : v.number);
                break;
            case JsonKind::String:
                dec.setString(f.id, v.str, v.str ? v.len : 0);
                break;
            case JsonKind::Other:
                dec.setWrongType(f.id);
                break;
        }
    }
    return dec.finish(out);
}

// What a device makes of one response body: Ok (new data), Rejected (JSON the decoder refused) or BadBody
// (not a JSON object: the platform's parser refused it, or it was too large or too deep).
struct BodyVerdict {
    PollOutcome outcome;  // Ok, Rejected or BadBody
    DecodeStatus status;  // the decoder's verdict; NotStarted for BadBody
    DecodeReport report;  // what the decoder fixed up; all zero for BadBody
};

inline BodyVerdict badBodyVerdict() {
    return BodyVerdict{PollOutcome::BadBody, DecodeStatus::NotStarted, DecodeReport{0, 0, 0, 0, 0}};
}

// Feeds a parsed JSON object (through `lookup`) and gives the verdict; `out` is written only on Ok.
template <typename Lookup>
BodyVerdict decodeUsageObject(UsageDecoder& dec, Usage& out, Lookup&& lookup) {
    const DecodeStatus status = feedUsage(dec, out, lookup);
    return BodyVerdict{status == DecodeStatus::Ok ? PollOutcome::Ok : PollOutcome::Rejected, status,
                       dec.report()};
}

}  // namespace gauge
