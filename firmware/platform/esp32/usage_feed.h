// Feeds one parsed JSON object into the core's UsageDecoder by walking the core's field table
// (gauge::kUsageFields): the field list and every validation rule stay in the core (usage.h); this file only
// maps "what JSON type is this value" onto the decoder's setters. The ESP32 binds `lookup` to ArduinoJson
// (json_usage.cpp); the native glue test binds it to a table of hand-made values. Header only.
#pragma once

#include <stddef.h>

#include "usage.h"

namespace gauge {
namespace esp32 {

// A JSON value as the feeder needs it. `Missing` = the key is absent (the schema default applies);
// `Other` = array, object or anything else the decoder must treat as the wrong type.
enum class JsonKind : uint8_t { Missing, Null, Bool, Number, String, Other };

struct JsonValueView {
    JsonKind kind;
    bool boolean;
    double number;
    const char* str;  // not NUL-terminated necessarily: use len
    size_t len;
};

inline JsonValueView jsonMissing() {
    return JsonValueView{JsonKind::Missing, false, 0.0, nullptr, 0};
}

// lookup(const UsageFieldInfo&) -> JsonValueView. Returns the decoder's verdict; `out` is written only on Ok.
template <typename Lookup>
DecodeStatus feedUsage(UsageDecoder& dec, Usage& out, Lookup&& lookup) {
    dec.begin();
    for (size_t i = 0; i < kUsageFieldCount; ++i) {
        const UsageFieldInfo& f = kUsageFields[i];
        const JsonValueView v = lookup(f);
        switch (v.kind) {
            case JsonKind::Missing:
                break;
            case JsonKind::Null:
                dec.setNull(f.id);
                break;
            case JsonKind::Bool:
                dec.setBool(f.id, v.boolean);
                break;
            case JsonKind::Number:
                dec.setNumber(f.id, v.number);
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

}  // namespace esp32
}  // namespace gauge
