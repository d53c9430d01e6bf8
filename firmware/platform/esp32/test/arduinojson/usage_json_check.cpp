// usage_json.cpp against the real ArduinoJson, natively: hostile /usage bodies through the exact code the
// ESP32 runs. ArduinoJson is not in this repository; point ARDUINOJSON_SRC at its src/ directory (PlatformIO
// puts it in .pio/libdeps/<env>/ArduinoJson/src after `pio pkg install -e cyd`):
//
//   make -C firmware esp32-json [ARDUINOJSON_SRC=/path/to/ArduinoJson/src]
//
// Prints "N passed, N failed" and exits non-zero on failure.
#include <stdio.h>
#include <string.h>

#include <string>

#include "usage_json.h"

using namespace gauge;
using namespace gauge::esp32;

namespace {

int g_passed = 0;
int g_failed = 0;

void check(bool ok, const char* what) {
    if (ok) {
        ++g_passed;
    } else {
        ++g_failed;
        printf("FAIL %s\n", what);
    }
}

BodyDecode decode(const std::string& body, Usage& u, UsageDecoder& dec) {
    u = usageDefaults();
    return decodeUsageBody(body.data(), body.size(), dec, u);
}

void expectOutcome(const char* what, const std::string& body, PollOutcome want,
                   DecodeStatus want_status = DecodeStatus::Ok) {
    UsageDecoder dec;
    Usage u;
    const BodyDecode r = decode(body, u, dec);
    const bool ok = r.outcome == want && (want != PollOutcome::Rejected || r.status == want_status);
    if (!ok)
        printf("  %s: got %s / %s (json error %d)\n", what, pollOutcomeName(r.outcome),
               decodeStatusName(r.status), r.json_error);
    check(ok, what);
}

const char* const kGood =
    R"({"v":1,"ts":1763776000000,"rate_1m":600000,"rate_redline":1000000,"window_5h_tokens":4000000,)"
    R"("window_5h_pct":0.4,"window_5h_reset_in_s":3600,"thinking_ratio":0.25,"cache_hit_rate":0.9,)"
    R"("last_model":"claude-opus-4-5-20251101","sessions_active":1,"hot":false,"warn":false,"stall":false,)"
    R"("idle":false,"stale":false,"source":"jsonl","quota_5h_pct":0.4,"quota_5h_resets_at":1763779600,)"
    R"("quota_7d_pct":0.63,"quota_7d_resets_at":null,"quota_observed_at":1763775970000,)"
    R"("fuel_basis":"official","pace_pct_at_reset":0.7,"minutes_to_full":null,"attention":1})";

}  // namespace

int main() {
    const std::string good = kGood;
    {
        UsageDecoder dec;
        Usage u;
        const BodyDecode r = decode(good, u, dec);
        check(r.outcome == PollOutcome::Ok, "a full payload decodes");
        check(u.rate_1m == 600000.0f && u.has_reset && u.window_5h_reset_in_s == 3600 &&
                  u.ts_ms == 1763776000000ULL && strcmp(u.last_model, "claude-opus-4-5-20251101") == 0 &&
                  strcmp(u.source, "jsonl") == 0,
              "every value arrives (ts beyond 2^32 exactly)");
        check(dec.report().present == kUsageFieldCount, "every field of the table was fed");
        check(dec.report().accepted == kUsageFieldCount, "every field of the table was accepted");
        check(u.fuel_basis == FuelBasis::Official && u.has_quota_7d && !u.has_quota_7d_resets &&
                  u.quota_observed_at_ms == 1763775970000ULL && !u.has_minutes_to_full && u.has_pace &&
                  u.attention == 1,
              "the official quota arrives: numbers, nulls as unknown, the basis, ms beyond 2^32 exactly");
    }
    // Not JSON, not an object, not complete: BadBody.
    expectOutcome("empty body", "", PollOutcome::BadBody);
    expectOutcome("truncated body", good.substr(0, good.size() / 2), PollOutcome::BadBody);
    expectOutcome("HTML error page", "<html>502 Bad Gateway</html>", PollOutcome::BadBody);
    expectOutcome("NaN literal", R"({"rate_1m": NaN})", PollOutcome::BadBody);
    expectOutcome("Infinity literal", R"({"rate_1m": Infinity})", PollOutcome::BadBody);
    expectOutcome("top-level array", "[1,2,3]", PollOutcome::BadBody);
    expectOutcome("top-level number", "42", PollOutcome::BadBody);
    expectOutcome("top-level null", "null", PollOutcome::BadBody);
    expectOutcome("top-level string", "\"hi\"", PollOutcome::BadBody);
    expectOutcome("nesting beyond the limit",
                  std::string(R"({"x":)") + std::string(20, '[') + std::string(20, ']') + R"(,"rate_1m":1})",
                  PollOutcome::BadBody);
    // JSON objects the decoder refuses: Rejected.
    expectOutcome("{}", "{}", PollOutcome::Rejected, DecodeStatus::NoKnownFields);
    expectOutcome("an error object", R"({"error":"boom","message":"x"})", PollOutcome::Rejected,
                  DecodeStatus::NoKnownFields);
    expectOutcome("v 2", R"({"v":2,"rate_1m":5})", PollOutcome::Rejected, DecodeStatus::BadVersion);
    expectOutcome("v as a string", R"({"v":"1","rate_1m":5})", PollOutcome::Rejected,
                  DecodeStatus::BadVersion);
    expectOutcome("a number beyond double range is no usable value", R"({"rate_1m":1e999})",
                  PollOutcome::Rejected, DecodeStatus::NoKnownFields);
    expectOutcome("only a nested object where a number belongs", R"({"rate_1m":{"a":{"b":{"c":1}}}})",
                  PollOutcome::Rejected, DecodeStatus::NoKnownFields);
    // Hostile but usable: the decoder clamps or defaults, the payload counts.
    expectOutcome("huge numbers", R"({"rate_1m":1e308,"window_5h_tokens":1e300})", PollOutcome::Ok);
    expectOutcome("negative numbers", R"({"rate_1m":-5})", PollOutcome::Ok);
    expectOutcome("wrong types beside a good field",
                  R"({"rate_1m":"fast","hot":1,"last_model":42,"window_5h_reset_in_s":null,"idle":true})",
                  PollOutcome::Ok);
    expectOutcome("deeply nested unknown field is skipped",
                  R"({"x":{"a":{"b":{"c":{"d":{"e":1}}}}},"rate_1m":1})", PollOutcome::Ok);
    expectOutcome("trailing bytes after the object", good + "xyz", PollOutcome::Ok);
    expectOutcome("null reset alone", R"({"window_5h_reset_in_s":null})", PollOutcome::Ok);
    {
        const std::string body =
            std::string(R"({"rate_1m":1,"last_model":")") + std::string(10000, 'm') + "\"}";
        UsageDecoder dec;
        Usage u;
        const BodyDecode r = decode(body, u, dec);
        check(r.outcome == PollOutcome::Ok && strlen(u.last_model) == 128 && dec.report().truncated == 1,
              "a 10 kB model name is cut to the schema's 128 bytes");
    }
    {
        const std::string body = std::string(R"({"junk":")") + std::string(20000, 'j') + R"(","rate_1m":7})";
        UsageDecoder dec;
        Usage u;
        const BodyDecode r = decode(body, u, dec);
        check(r.outcome == PollOutcome::Ok && u.rate_1m == 7.0f, "a 20 kB unknown field is filtered out");
    }
    {
        UsageDecoder dec;
        Usage u;
        decode(R"({"rate_1m":1,"rate_1m":2})", u, dec);
        check(u.rate_1m == 2.0f && dec.report().present == 1, "duplicate keys: the last wins, counted once");
    }
    {
        UsageDecoder dec;
        Usage u;
        const BodyDecode r = decode("{\"last_model\":\"a\\u0000b\",\"rate_1m\":1}", u, dec);
        check(r.outcome == PollOutcome::Ok && strlen(u.last_model) == 3,
              "an escaped NUL keeps the string's length");
    }
    {
        const std::string body = good + "GARBAGE";
        UsageDecoder dec;
        Usage u = usageDefaults();
        const BodyDecode r = decodeUsageBody(body.data(), good.size(), dec, u);
        check(r.outcome == PollOutcome::Ok, "only len bytes are read (no NUL needed)");
    }
    {
        UsageDecoder dec;
        Usage u = usageDefaults();
        u.rate_1m = 123.0f;
        const std::string body = R"({"v":2})";
        decodeUsageBody(body.data(), body.size(), dec, u);
        check(u.rate_1m == 123.0f, "a rejected body leaves the output untouched");
    }
    printf("%d passed, %d failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}
