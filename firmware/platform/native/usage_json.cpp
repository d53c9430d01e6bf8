#include "usage_json.h"

#include <stdio.h>
#include <string.h>

#include <nlohmann/json.hpp>

namespace gauge {
namespace native {

namespace {

// Deepest nesting of arrays/objects accepted, the top-level object counting as 1: the ESP32's ArduinoJson
// NestingLimit (platform/esp32/json_usage.cpp), so all three platforms refuse the same bodies. A real
// payload is flat (depth 1).
constexpr int kMaxJsonDepth = 10;

// True when brackets outside strings nest deeper than kMaxJsonDepth. Only a lexical scan: whether the text
// is JSON at all is the parser's business.
bool nestedTooDeep(const char* p, size_t len) {
    int depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < len; ++i) {
        const char c = p[i];
        if (in_string) {
            if (c == '\\')
                ++i;  // skip the escaped character
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > kMaxJsonDepth) return true;
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return false;
}

}  // namespace

bool feedUsageJson(const char* body, size_t len, UsageDecoder& dec) {
    using nlohmann::json;
    if (body == nullptr) return false;
    // A raw NUL byte can never be part of valid JSON (inside strings it must be escaped), but nlohmann's
    // lexer takes it for the end of input and would accept "{...}\0garbage"; JSON.parse (the wasm glue)
    // rejects it.
    if (memchr(body, '\0', len) != nullptr) return false;
    if (nestedTooDeep(body, len)) return false;
    json doc;
    try {
        // allow_exceptions=false: a parse error yields a "discarded" value instead of throwing. The try only
        // guards against std::bad_alloc on an absurd body.
        doc = json::parse(body, body + len, nullptr, /*allow_exceptions=*/false, /*ignore_comments=*/false);
    } catch (...) {
        return false;
    }
    if (doc.is_discarded() || !doc.is_object()) return false;
    dec.begin();
    for (size_t i = 0; i < kUsageFieldCount; ++i) {
        const UsageFieldInfo& f = kUsageFields[i];
        const auto it = doc.find(f.name);
        if (it == doc.end()) continue;  // missing: the default applies
        const json& v = *it;
        if (v.is_null()) {
            dec.setNull(f.id);
        } else if (v.is_boolean()) {
            dec.setBool(f.id, v.get<bool>());
        } else if (v.is_number()) {
            double d = v.get<double>();
            if (d == 0.0) d = 0.0;  // drop the sign of -0.0
            dec.setNumber(f.id, d);
        } else if (v.is_string()) {
            const std::string& s = v.get_ref<const std::string&>();
            dec.setString(f.id, s.data(), s.size());
        } else {
            dec.setWrongType(f.id);  // array, object
        }
    }
    return true;
}

BodyResult applyUsageBody(Device& device, UsageDecoder& dec, uint32_t now, const char* body, size_t len) {
    BodyResult r{};
    if (!feedUsageJson(body, len, dec)) {
        device.onPollResult(now, PollOutcome::BadBody);
        r.outcome = PollOutcome::BadBody;
        r.status = DecodeStatus::NotStarted;
        return r;
    }
    Usage usage = usageDefaults();
    r.status = dec.finish(usage);
    r.report = dec.report();
    r.outcome = r.status == DecodeStatus::Ok ? PollOutcome::Ok : PollOutcome::Rejected;
    device.onDecoded(now, r.status, usage);
    return r;
}

void formatBodyResult(const BodyResult& r, char* buf, size_t cap) {
    if (cap == 0) return;
    if (r.outcome == PollOutcome::BadBody) {
        snprintf(buf, cap, "outcome=%s", pollOutcomeName(r.outcome));
        return;
    }
    snprintf(buf, cap, "outcome=%s status=%s report=%u/%u/%u/%u/%u", pollOutcomeName(r.outcome),
             decodeStatusName(r.status), r.report.present, r.report.accepted, r.report.defaulted,
             r.report.clamped, r.report.truncated);
}

}  // namespace native
}  // namespace gauge
