// The /usage payload (contract v1, contract/usage.v1.schema.json) as a fixed-size struct, and the decoder
// that validates it field by field.
//
// JSON parsing is NOT in the core. The platform glue (ArduinoJson on the ESP32, nlohmann natively,
// JSON.parse in JS) parses the body, then walks kUsageFields and, for every field present in the JSON
// object, calls the setter matching the JSON value's type:
//
//     gauge::UsageDecoder dec;
//     dec.begin();
//     for (size_t i = 0; i < gauge::kUsageFieldCount; ++i) {
//         const gauge::UsageFieldInfo& f = gauge::kUsageFields[i];
//         JsonVariant v = doc[f.name];
//         if (v.isUnbound()) continue;                 // missing: leave it, the default applies
//         if (v.isNull()) dec.setNull(f.id);
//         else if (v.is<bool>()) dec.setBool(f.id, v.as<bool>());
//         else if (v.is<double>()) dec.setNumber(f.id, v.as<double>());
//         else if (v.is<const char*>()) dec.setString(f.id, s, len);
//         else dec.setWrongType(f.id);                 // array, object, ...
//     }
//     gauge::Usage u;
//     if (dec.finish(u) == gauge::DecodeStatus::Ok) device.onUsage(now, u);
//     else device.onPollResult(now, gauge::PollOutcome::Rejected);
//
// The glue never decides what is valid: all rules live here.
//
// Decoding rules (each is tested in firmware/test/test_usage.cpp):
//  - Unknown JSON fields are ignored (the glue never sees them).
//  - A missing field takes the schema's `default` (usageDefaults()).
//  - A value of the wrong JSON type, NaN or +-Inf -> the field's default; counted in DecodeReport::defaulted.
//    A null is a wrong type except for the nullable fields (window_5h_reset_in_s, the quota_* figures,
//    pace_pct_at_reset, minutes_to_full), where null is the valid "unknown" (has_* false).
//  - Negative numbers -> 0 (counted in DecodeReport::clamped). Exception: rate_redline <= 0 (the schema says
//    exclusiveMinimum 0) -> default 1e6, counted as defaulted; 0 < rate_redline < kMinRedline -> kMinRedline.
//  - Ratios (thinking_ratio, cache_hit_rate) are clamped to 0..1; window_5h_pct to 0..kMaxWindowPct (10).
//  - Huge numbers are clamped to the maxima in gauge_config.h (rates 1e9/min, tokens 1e15, reset 18000 s,
//    sessions and attention 999, ts 2^53-1). Clamps are counted in DecodeReport::clamped.
//  - Integer fields given a fractional number are truncated toward zero (counted as clamped).
//  - Official quota (the schema's OfficialQuota group, all optional): quota_5h_pct, quota_7d_pct and
//    pace_pct_at_reset are clamped to 0..kMaxWindowPct like window_5h_pct; the resets_at times (epoch s) to
//    0..kMaxTsMs/1000 and quota_observed_at (epoch ms) to 0..kMaxTsMs; minutes_to_full to
//    0..kMaxMinutesToFull. fuel_basis is "official" or "estimate"; any other string, or any non-string, is
//    the default "estimate" (counted as defaulted).
//  - Stale or implausible official figures, judged against the payload's own `ts` when it is known (> 0),
//    at finish() (each counted as defaulted):
//      * fuel_basis "official" needs quota_observed_at, no older than kQuotaFreshMs and not after ts
//        (the daemon's own freshness rule): otherwise the basis is "estimate", so an estimate is never
//        labelled as the account's figure;
//      * a quota_5h/7d figure whose resets_at lies at or before ts belongs to a window that has reset
//        since: the figure and its reset are unknown;
//      * a resets_at further ahead of ts than its window plus kQuotaResetSlackS (the daemon's plausibility
//        bound) is unknown (the figure stays).
//  - Strings longer than the schema's maxLength (last_model 128, source 32 bytes) are truncated at a UTF-8
//    character boundary (counted in DecodeReport::truncated). Control bytes and NUL are replaced by '?' so
//    the result is always a printable NUL-terminated C string.
//  - `v` must be 1 if present: any other number, or any non-number, REJECTS the payload
//    (DecodeStatus::BadVersion). A missing `v` is accepted (default 1).
//  - A payload in which no known field other than `v` has a usable value (e.g. `{}`, `{"v":1}`,
//    `{"error":"..."}`, or only wrong types) is REJECTED (DecodeStatus::NoKnownFields): not a good payload.
//    Optional fields (UsageFieldInfo::optional: the schema's `$defs` groups) do not count here: only the
//    fields every payload carries prove that a body is one.
//  - If a setter is called twice for the same field (duplicate JSON keys), the last call wins.
//  - No allocation, no exceptions; every input byte sequence is safe.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "gauge_config.h"

namespace gauge {

// fuel_basis: where window_5h_pct comes from. One name per value (fuelBasisName), as in the contract.
enum class FuelBasis : uint8_t { Estimate, Official };
const char* fuelBasisName(FuelBasis b);  // "estimate", "official"

// One payload, already validated and clamped. Plain data; copying is cheap enough at 1 Hz.
struct Usage {
    uint32_t v;                     // always 1 after a successful decode
    uint64_t ts_ms;                 // epoch ms when the daemon computed it; 0 = unknown
    float rate_1m;                  // tokens per minute, 0..kMaxRatePerMin
    float rate_redline;             // tokens per minute, kMinRedline..kMaxRatePerMin
    uint64_t window_5h_tokens;      // 0..kMaxTokens
    float window_5h_pct;            // fraction of the 5 h ceiling used, 0..kMaxWindowPct (above 1 = over)
    bool has_reset;                 // false when window_5h_reset_in_s is null (no active block)
    uint32_t window_5h_reset_in_s;  // valid only when has_reset; 0..kMaxResetInS
    float thinking_ratio;           // 0..1
    float cache_hit_rate;           // 0..1
    char last_model[cfg::kModelMaxBytes + 1];  // NUL-terminated, printable, may be empty
    uint32_t sessions_active;                  // 0..kMaxSessions
    bool hot;
    bool warn;
    bool stall;
    bool idle;
    bool stale;
    char source[cfg::kSourceMaxBytes + 1];  // NUL-terminated, printable, may be empty
    // Optional fields (absent from older daemons: they keep the default).
    // The official quota (OfficialQuota group); each has_* is false while the figure is null or absent.
    bool has_quota_5h;
    float quota_5h_pct;  // fraction of the official 5 h quota used, 0..kMaxWindowPct
    bool has_quota_5h_resets;
    uint64_t quota_5h_resets_at;  // epoch seconds
    bool has_quota_7d;
    float quota_7d_pct;  // fraction of the official 7-day quota used, 0..kMaxWindowPct
    bool has_quota_7d_resets;
    uint64_t quota_7d_resets_at;  // epoch seconds
    bool has_quota_observed;
    uint64_t quota_observed_at_ms;  // epoch ms when the daemon received the official figures
    FuelBasis fuel_basis;           // what window_5h_pct is: the official figure or the token estimate
    bool has_pace;
    float pace_pct_at_reset;  // window_5h_pct projected to the reset, 0..kMaxWindowPct
    bool has_minutes_to_full;
    float minutes_to_full;  // minutes until the 5 h window is full at the current rate, 0..kMaxMinutesToFull
    uint32_t attention;     // live sessions waiting for the user, 0..kMaxSessions
};

// The schema's defaults (what a missing field becomes).
Usage usageDefaults();

// Every field of contract v1, in schema order: the required properties, then the optional groups the core
// consumes (each whole).
enum class UsageField : uint8_t {
    V,
    Ts,
    Rate1m,
    RateRedline,
    Window5hTokens,
    Window5hPct,
    Window5hResetInS,
    ThinkingRatio,
    CacheHitRate,
    LastModel,
    SessionsActive,
    Hot,
    Warn,
    Stall,
    Idle,
    Stale,
    Source,
    Quota5hPct,
    Quota5hResetsAt,
    Quota7dPct,
    Quota7dResetsAt,
    QuotaObservedAt,
    FuelBasis,
    PacePctAtReset,
    MinutesToFull,
    Attention,
    Count
};

// The JSON type the schema declares for a field.
enum class FieldType : uint8_t {
    Integer,          // JSON number with an integral value
    Number,           // any JSON number
    NullableInteger,  // JSON number (integral) or null
    NullableNumber,   // any JSON number, or null
    Boolean,
    String
};

struct UsageFieldInfo {
    UsageField id;
    const char* name;  // the JSON property name, e.g. "rate_1m"
    FieldType type;
    bool optional = false;  // in an optional `$defs` group of the schema, not in its `required`
};

constexpr size_t kUsageFieldCount = static_cast<size_t>(UsageField::Count);
// Indexed by UsageField: kUsageFields[i].id == UsageField(i).
extern const UsageFieldInfo kUsageFields[kUsageFieldCount];

// Looks a field up by JSON name (exact, case-sensitive); returns false when unknown. `len` bytes of `name`
// are compared, so it needs no NUL.
bool findUsageField(const char* name, size_t len, UsageField* out);

enum class DecodeStatus : uint8_t {
    Ok,             // `out` holds a validated payload
    BadVersion,     // `v` present and not the number 1
    NoKnownFields,  // no known field carried a usable value
    NotStarted      // finish() without begin()
};

const char* decodeStatusName(DecodeStatus s);  // "ok", "bad_version", "no_known_fields", "not_started"

// What the decoder had to fix up in the last payload (for logs and tests).
struct DecodeReport {
    uint8_t present;    // fields for which any setter was called
    uint8_t accepted;   // fields whose value was usable (possibly after clamping/truncating)
    uint8_t defaulted;  // wrong type / NaN / Inf / invalid -> default
    uint8_t clamped;    // out of range, negative or fractional integer -> clamped
    uint8_t truncated;  // strings cut to maxLength
};

class UsageDecoder {
  public:
    UsageDecoder();
    // Starts a new payload: resets the working copy to the defaults and clears the report.
    void begin();
    void setNumber(UsageField field, double value);
    void setBool(UsageField field, bool value);
    // `len` bytes of `text`; embedded NULs are allowed (and replaced). `text` may be null when len is 0.
    void setString(UsageField field, const char* text, size_t len);
    void setNull(UsageField field);
    // The JSON value is an array, object or anything the glue cannot represent.
    void setWrongType(UsageField field);
    // Validates the payload; on Ok copies it into `out` (on any other status `out` is left untouched).
    // Ends the payload: call begin() again before the next one.
    DecodeStatus finish(Usage& out);
    const DecodeReport& report() const { return report_; }

  private:
    void markPresent(UsageField field);
    void markDefaulted(UsageField field);
    bool restoreDefault(UsageField field);
    void markAccepted(UsageField field);
    Usage work_;
    DecodeReport report_;
    void checkQuotaAges();
    uint32_t present_mask_;
    uint32_t accepted_mask_;
    bool started_;
    bool bad_version_;
};

}  // namespace gauge
