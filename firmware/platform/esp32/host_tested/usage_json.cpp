#include "usage_json.h"

#include <ArduinoJson.h>

namespace gauge {
namespace esp32 {

namespace {

// The filter keeps only the contract's fields, built once from the core's table: unknown fields (however
// large) are skipped by the parser and never stored. ArduinoJson v7 "Filtering" docs: a JsonDocument whose
// members set to true select what deserializeJson() keeps (DeserializationOption::Filter).
JsonDocument& usageFilter() {
    static JsonDocument filter;
    static bool built = false;
    if (!built) {
        for (size_t i = 0; i < kUsageFieldCount; ++i) filter[kUsageFields[i].name] = true;
        built = true;
    }
    return filter;
}

JsonValueView viewOf(JsonVariantConst v) {
    // isUnbound(): the key is absent from the object (JsonVariantConst.hpp, ArduinoJson 7.2), as opposed to
    // present with a null value (isNull() is true for both).
    if (v.isUnbound()) return jsonMissing();
    if (v.isNull()) return JsonValueView{JsonKind::Null, false, 0.0, nullptr, 0};
    if (v.is<bool>()) return JsonValueView{JsonKind::Bool, v.as<bool>(), 0.0, nullptr, 0};
    // is<double>() is true for every JSON number, integers included (Converter<T floating point>::checkJson
    // tests VariantData::isFloat(), the "any number" bit).
    if (v.is<double>()) return JsonValueView{JsonKind::Number, false, v.as<double>(), nullptr, 0};
    if (v.is<JsonString>()) {
        const JsonString s = v.as<JsonString>();
        return JsonValueView{JsonKind::String, false, 0.0, s.c_str(), s.size()};
    }
    return JsonValueView{JsonKind::Other, false, 0.0, nullptr, 0};  // array or object
}

BodyDecode badBody(int json_error) {
    const BodyVerdict v = badBodyVerdict();
    return BodyDecode{v.outcome, v.status, json_error};
}

}  // namespace

BodyDecode decodeUsageBody(const char* body, size_t len, UsageDecoder& dec, Usage& out) {
    JsonDocument doc;
    // deserializeJson(doc, const char*, size_t, options...): reads exactly len bytes (ArduinoJson
    // Deserialization/deserialize.hpp); NaN/Infinity literals are invalid JSON here
    // (ARDUINOJSON_ENABLE_NAN=0). The nesting limit also applies to unknown fields the filter skips; deeper
    // bodies are refused (DeserializationError::TooDeep -> BadBody) instead of being walked.
    const DeserializationError err =
        deserializeJson(doc, body, len, DeserializationOption::Filter(usageFilter()),
                        DeserializationOption::NestingLimit(cfg::kMaxJsonDepth));
    if (err) return badBody(static_cast<int>(err.code()));
    // A top-level array, string, number or null passes the parser but is no payload. The filter is an
    // object, so anything else was dropped and the document is null.
    if (!doc.is<JsonObjectConst>()) return badBody(0);
    const JsonObjectConst obj = doc.as<JsonObjectConst>();
    const BodyVerdict v =
        decodeUsageObject(dec, out, [&](const UsageFieldInfo& f) { return viewOf(obj[f.name]); });
    return BodyDecode{v.outcome, v.status, 0};
}

}  // namespace esp32
}  // namespace gauge
