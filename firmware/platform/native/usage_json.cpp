#include "usage_json.h"

#include <string.h>

#include <nlohmann/json.hpp>

namespace gauge {
namespace native {

namespace {

// True when brackets outside strings nest deeper than cfg::kMaxJsonDepth. Only a lexical scan: whether the
// text is JSON at all is the parser's business.
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
            if (++depth > cfg::kMaxJsonDepth) return true;
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return false;
}

JsonValueView valueOf(const nlohmann::json& obj, const char* name) {
    const auto it = obj.find(name);
    if (it == obj.end()) return jsonMissing();
    const nlohmann::json& v = *it;
    JsonValueView out = jsonMissing();
    if (v.is_null()) {
        out.kind = JsonKind::Null;
    } else if (v.is_boolean()) {
        out.kind = JsonKind::Bool;
        out.boolean = v.get<bool>();
    } else if (v.is_number()) {
        out.kind = JsonKind::Number;
        out.number = v.get<double>();
    } else if (v.is_string()) {
        const std::string& s = v.get_ref<const std::string&>();
        out.kind = JsonKind::String;
        out.str = s.data();
        out.len = s.size();
    } else {
        out.kind = JsonKind::Other;  // array, object
    }
    return out;
}

}  // namespace

BodyVerdict decodeUsageBody(const char* body, size_t len, UsageDecoder& dec, Usage& out) {
    using nlohmann::json;
    if (body == nullptr) return badBodyVerdict();
    // A raw NUL byte can never be part of valid JSON (inside strings it must be escaped), but nlohmann's
    // lexer takes it for the end of input and would accept "{...}\0garbage"; JSON.parse (the wasm glue)
    // rejects it.
    if (memchr(body, '\0', len) != nullptr) return badBodyVerdict();
    if (nestedTooDeep(body, len)) return badBodyVerdict();
    json doc;
    try {
        // allow_exceptions=false: a parse error yields a "discarded" value instead of throwing. The try only
        // guards against std::bad_alloc on an absurd body.
        doc = json::parse(body, body + len, nullptr, /*allow_exceptions=*/false, /*ignore_comments=*/false);
    } catch (...) {
        return badBodyVerdict();
    }
    if (doc.is_discarded() || !doc.is_object()) return badBodyVerdict();
    return decodeUsageObject(dec, out, [&](const UsageFieldInfo& f) { return valueOf(doc, f.name); });
}

}  // namespace native
}  // namespace gauge
