#include "usage.h"

#include <math.h>
#include <string.h>

namespace gauge {

const UsageFieldInfo kUsageFields[kUsageFieldCount] = {
    {UsageField::V, "v", FieldType::Integer},
    {UsageField::Ts, "ts", FieldType::Integer},
    {UsageField::Rate1m, "rate_1m", FieldType::Number},
    {UsageField::RateRedline, "rate_redline", FieldType::Number},
    {UsageField::Window5hTokens, "window_5h_tokens", FieldType::Integer},
    {UsageField::Window5hPct, "window_5h_pct", FieldType::Number},
    {UsageField::Window5hResetInS, "window_5h_reset_in_s", FieldType::NullableInteger},
    {UsageField::ThinkingRatio, "thinking_ratio", FieldType::Number},
    {UsageField::CacheHitRate, "cache_hit_rate", FieldType::Number},
    {UsageField::LastModel, "last_model", FieldType::String},
    {UsageField::SessionsActive, "sessions_active", FieldType::Integer},
    {UsageField::Hot, "hot", FieldType::Boolean},
    {UsageField::Warn, "warn", FieldType::Boolean},
    {UsageField::Stall, "stall", FieldType::Boolean},
    {UsageField::Idle, "idle", FieldType::Boolean},
    {UsageField::Stale, "stale", FieldType::Boolean},
    {UsageField::Source, "source", FieldType::String},
    {UsageField::Quota5hPct, "quota_5h_pct", FieldType::NullableNumber, true},
    {UsageField::Quota5hResetsAt, "quota_5h_resets_at", FieldType::NullableInteger, true},
    {UsageField::Quota7dPct, "quota_7d_pct", FieldType::NullableNumber, true},
    {UsageField::Quota7dResetsAt, "quota_7d_resets_at", FieldType::NullableInteger, true},
    {UsageField::QuotaObservedAt, "quota_observed_at", FieldType::NullableInteger, true},
    {UsageField::FuelBasis, "fuel_basis", FieldType::String, true},
    {UsageField::PacePctAtReset, "pace_pct_at_reset", FieldType::NullableNumber, true},
    {UsageField::MinutesToFull, "minutes_to_full", FieldType::NullableNumber, true},
    {UsageField::Attention, "attention", FieldType::Integer, true},
};

const char* fuelBasisName(FuelBasis b) {
    switch (b) {
        case FuelBasis::Estimate:
            return "estimate";
        case FuelBasis::Official:
            return "official";
    }
    return "?";
}

namespace {

constexpr double kDefaultRedline = 1000000.0;

bool validField(UsageField f) {
    return static_cast<size_t>(f) < kUsageFieldCount;
}

uint32_t fieldBit(UsageField f) {
    return 1u << static_cast<uint32_t>(f);
}

// The fields whose usable value proves a body is a payload: every required one except `v`.
uint32_t provingMask() {
    uint32_t mask = 0;
    for (size_t i = 0; i < kUsageFieldCount; ++i)
        if (!kUsageFields[i].optional && kUsageFields[i].id != UsageField::V)
            mask |= fieldBit(kUsageFields[i].id);
    return mask;
}

// Copies at most max_bytes of text into out (capacity max_bytes + 1), cutting at a UTF-8 character boundary
// and replacing control bytes / NUL with '?'. Returns true when the input had to be cut.
bool copySanitized(char* out, size_t max_bytes, const char* text, size_t len) {
    bool truncated = false;
    size_t n = len;
    if (text == nullptr) n = 0;
    if (n > max_bytes) {
        n = max_bytes;
        truncated = true;
        // Back off continuation bytes (10xxxxxx) so a multi-byte character is never split.
        size_t cut = n;
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0u) == 0x80u) --cut;
        // Only back off if the byte at `cut` starts a sequence that would not fit; a run of stray
        // continuation bytes longer than a character (invalid UTF-8) is kept as is.
        if (n - cut < 4) n = cut;
    }
    for (size_t i = 0; i < n; ++i) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        out[i] = (c < 0x20u || c == 0x7Fu) ? '?' : static_cast<char>(c);
    }
    out[n] = '\0';
    return truncated;
}

}  // namespace

Usage usageDefaults() {
    Usage u;
    memset(&u, 0, sizeof u);
    u.v = 1;
    u.ts_ms = 0;
    u.rate_1m = 0.0f;
    u.rate_redline = static_cast<float>(kDefaultRedline);
    u.window_5h_tokens = 0;
    u.window_5h_pct = 0.0f;
    u.has_reset = false;
    u.window_5h_reset_in_s = 0;
    u.thinking_ratio = 0.0f;
    u.cache_hit_rate = 0.0f;
    u.last_model[0] = '\0';
    u.sessions_active = 0;
    u.hot = u.warn = u.stall = u.idle = u.stale = false;
    u.source[0] = '\0';
    u.has_quota_5h = u.has_quota_5h_resets = u.has_quota_7d = u.has_quota_7d_resets = false;
    u.quota_5h_pct = u.quota_7d_pct = 0.0f;
    u.quota_5h_resets_at = u.quota_7d_resets_at = 0;
    u.has_quota_observed = false;
    u.quota_observed_at_ms = 0;
    u.fuel_basis = FuelBasis::Estimate;
    u.has_pace = u.has_minutes_to_full = false;
    u.pace_pct_at_reset = u.minutes_to_full = 0.0f;
    u.attention = 0;
    return u;
}

bool findUsageField(const char* name, size_t len, UsageField* out) {
    if (name == nullptr) return false;
    for (size_t i = 0; i < kUsageFieldCount; ++i) {
        const char* candidate = kUsageFields[i].name;
        if (strlen(candidate) == len && memcmp(candidate, name, len) == 0) {
            if (out != nullptr) *out = kUsageFields[i].id;
            return true;
        }
    }
    return false;
}

const char* decodeStatusName(DecodeStatus s) {
    switch (s) {
        case DecodeStatus::Ok:
            return "ok";
        case DecodeStatus::BadVersion:
            return "bad_version";
        case DecodeStatus::NoKnownFields:
            return "no_known_fields";
        case DecodeStatus::NotStarted:
            return "not_started";
    }
    return "unknown";
}

UsageDecoder::UsageDecoder()
    : work_(usageDefaults()),
      report_(),
      present_mask_(0),
      accepted_mask_(0),
      started_(false),
      bad_version_(false) {}

void UsageDecoder::begin() {
    work_ = usageDefaults();
    memset(&report_, 0, sizeof report_);
    present_mask_ = 0;
    accepted_mask_ = 0;
    started_ = true;
    bad_version_ = false;
}

void UsageDecoder::markPresent(UsageField field) {
    present_mask_ |= fieldBit(field);
}

void UsageDecoder::markAccepted(UsageField field) {
    accepted_mask_ |= fieldBit(field);
}

// Restores one field's default and counts it as defaulted (a later valid value for the same field wins
// again).
void UsageDecoder::markDefaulted(UsageField field) {
    if (field == UsageField::V) {
        // A `v` that is not the number 1 is a different contract: reject rather than guess.
        bad_version_ = true;
    } else if (!restoreDefault(field)) {
        return;
    }
    accepted_mask_ &= ~fieldBit(field);
    if (report_.defaulted < 255) ++report_.defaulted;
}

// Puts one field's default into the working copy; false for `v` and an unknown field.
bool UsageDecoder::restoreDefault(UsageField field) {
    const Usage d = usageDefaults();
    switch (field) {
        case UsageField::V:
            return false;
        case UsageField::Ts:
            work_.ts_ms = d.ts_ms;
            break;
        case UsageField::Rate1m:
            work_.rate_1m = d.rate_1m;
            break;
        case UsageField::RateRedline:
            work_.rate_redline = d.rate_redline;
            break;
        case UsageField::Window5hTokens:
            work_.window_5h_tokens = d.window_5h_tokens;
            break;
        case UsageField::Window5hPct:
            work_.window_5h_pct = d.window_5h_pct;
            break;
        case UsageField::Window5hResetInS:
            work_.has_reset = d.has_reset;
            work_.window_5h_reset_in_s = d.window_5h_reset_in_s;
            break;
        case UsageField::ThinkingRatio:
            work_.thinking_ratio = d.thinking_ratio;
            break;
        case UsageField::CacheHitRate:
            work_.cache_hit_rate = d.cache_hit_rate;
            break;
        case UsageField::LastModel:
            work_.last_model[0] = '\0';
            break;
        case UsageField::SessionsActive:
            work_.sessions_active = d.sessions_active;
            break;
        case UsageField::Hot:
            work_.hot = d.hot;
            break;
        case UsageField::Warn:
            work_.warn = d.warn;
            break;
        case UsageField::Stall:
            work_.stall = d.stall;
            break;
        case UsageField::Idle:
            work_.idle = d.idle;
            break;
        case UsageField::Stale:
            work_.stale = d.stale;
            break;
        case UsageField::Source:
            work_.source[0] = '\0';
            break;
        case UsageField::Quota5hPct:
            work_.has_quota_5h = d.has_quota_5h;
            work_.quota_5h_pct = d.quota_5h_pct;
            break;
        case UsageField::Quota5hResetsAt:
            work_.has_quota_5h_resets = d.has_quota_5h_resets;
            work_.quota_5h_resets_at = d.quota_5h_resets_at;
            break;
        case UsageField::Quota7dPct:
            work_.has_quota_7d = d.has_quota_7d;
            work_.quota_7d_pct = d.quota_7d_pct;
            break;
        case UsageField::Quota7dResetsAt:
            work_.has_quota_7d_resets = d.has_quota_7d_resets;
            work_.quota_7d_resets_at = d.quota_7d_resets_at;
            break;
        case UsageField::QuotaObservedAt:
            work_.has_quota_observed = d.has_quota_observed;
            work_.quota_observed_at_ms = d.quota_observed_at_ms;
            break;
        case UsageField::FuelBasis:
            work_.fuel_basis = d.fuel_basis;
            break;
        case UsageField::PacePctAtReset:
            work_.has_pace = d.has_pace;
            work_.pace_pct_at_reset = d.pace_pct_at_reset;
            break;
        case UsageField::MinutesToFull:
            work_.has_minutes_to_full = d.has_minutes_to_full;
            work_.minutes_to_full = d.minutes_to_full;
            break;
        case UsageField::Attention:
            work_.attention = d.attention;
            break;
        case UsageField::Count:
            return false;
    }
    return true;
}

void UsageDecoder::setNumber(UsageField field, double value) {
    if (!validField(field)) return;
    markPresent(field);
    const FieldType type = kUsageFields[static_cast<size_t>(field)].type;
    if (!isfinite(value) || type == FieldType::Boolean || type == FieldType::String) {
        markDefaulted(field);
        return;
    }
    if (field == UsageField::V) {
        if (value == 1.0) {
            work_.v = 1;
            bad_version_ = false;
            markAccepted(field);
        } else {
            markDefaulted(field);
        }
        return;
    }
    if (field == UsageField::RateRedline && value <= 0.0) {
        markDefaulted(field);  // exclusiveMinimum 0: a zero redline would divide by zero downstream
        return;
    }

    bool clamped = false;
    double lo = 0.0;
    double hi = 0.0;
    switch (field) {
        case UsageField::Ts:
            hi = cfg::kMaxTsMs;
            break;
        case UsageField::Rate1m:
            hi = cfg::kMaxRatePerMin;
            break;
        case UsageField::RateRedline:
            lo = cfg::kMinRedline;
            hi = cfg::kMaxRatePerMin;
            break;
        case UsageField::Window5hTokens:
            hi = cfg::kMaxTokens;
            break;
        case UsageField::Window5hPct:
        case UsageField::Quota5hPct:
        case UsageField::Quota7dPct:
        case UsageField::PacePctAtReset:
            hi = cfg::kMaxWindowPct;
            break;
        case UsageField::Quota5hResetsAt:
        case UsageField::Quota7dResetsAt:
            hi = trunc(cfg::kMaxTsMs / 1000.0);
            break;
        case UsageField::QuotaObservedAt:
            hi = cfg::kMaxTsMs;
            break;
        case UsageField::MinutesToFull:
            hi = cfg::kMaxMinutesToFull;
            break;
        case UsageField::Window5hResetInS:
            hi = cfg::kMaxResetInS;
            break;
        case UsageField::ThinkingRatio:
        case UsageField::CacheHitRate:
            hi = 1.0;
            break;
        case UsageField::SessionsActive:
        case UsageField::Attention:
            hi = cfg::kMaxSessions;
            break;
        default:
            return;
    }
    if (value < lo) {
        value = lo;
        clamped = true;
    } else if (value > hi) {
        value = hi;
        clamped = true;
    }
    if (type == FieldType::Integer || type == FieldType::NullableInteger) {
        const double whole = trunc(value);
        if (whole != value) clamped = true;
        value = whole;
    }
    if (clamped && report_.clamped < 255) ++report_.clamped;

    switch (field) {
        case UsageField::Ts:
            work_.ts_ms = static_cast<uint64_t>(value);
            break;
        case UsageField::Rate1m:
            work_.rate_1m = static_cast<float>(value);
            break;
        case UsageField::RateRedline:
            work_.rate_redline = static_cast<float>(value);
            break;
        case UsageField::Window5hTokens:
            work_.window_5h_tokens = static_cast<uint64_t>(value);
            break;
        case UsageField::Window5hPct:
            work_.window_5h_pct = static_cast<float>(value);
            break;
        case UsageField::Window5hResetInS:
            work_.has_reset = true;
            work_.window_5h_reset_in_s = static_cast<uint32_t>(value);
            break;
        case UsageField::ThinkingRatio:
            work_.thinking_ratio = static_cast<float>(value);
            break;
        case UsageField::CacheHitRate:
            work_.cache_hit_rate = static_cast<float>(value);
            break;
        case UsageField::SessionsActive:
            work_.sessions_active = static_cast<uint32_t>(value);
            break;
        case UsageField::Quota5hPct:
            work_.has_quota_5h = true;
            work_.quota_5h_pct = static_cast<float>(value);
            break;
        case UsageField::Quota5hResetsAt:
            work_.has_quota_5h_resets = true;
            work_.quota_5h_resets_at = static_cast<uint64_t>(value);
            break;
        case UsageField::Quota7dPct:
            work_.has_quota_7d = true;
            work_.quota_7d_pct = static_cast<float>(value);
            break;
        case UsageField::Quota7dResetsAt:
            work_.has_quota_7d_resets = true;
            work_.quota_7d_resets_at = static_cast<uint64_t>(value);
            break;
        case UsageField::QuotaObservedAt:
            work_.has_quota_observed = true;
            work_.quota_observed_at_ms = static_cast<uint64_t>(value);
            break;
        case UsageField::PacePctAtReset:
            work_.has_pace = true;
            work_.pace_pct_at_reset = static_cast<float>(value);
            break;
        case UsageField::MinutesToFull:
            work_.has_minutes_to_full = true;
            work_.minutes_to_full = static_cast<float>(value);
            break;
        case UsageField::Attention:
            work_.attention = static_cast<uint32_t>(value);
            break;
        default:
            return;
    }
    markAccepted(field);
}

void UsageDecoder::setBool(UsageField field, bool value) {
    if (!validField(field)) return;
    markPresent(field);
    bool* target = nullptr;
    switch (field) {
        case UsageField::Hot:
            target = &work_.hot;
            break;
        case UsageField::Warn:
            target = &work_.warn;
            break;
        case UsageField::Stall:
            target = &work_.stall;
            break;
        case UsageField::Idle:
            target = &work_.idle;
            break;
        case UsageField::Stale:
            target = &work_.stale;
            break;
        default:
            markDefaulted(field);
            return;
    }
    *target = value;
    markAccepted(field);
}

void UsageDecoder::setString(UsageField field, const char* text, size_t len) {
    if (!validField(field)) return;
    markPresent(field);
    bool truncated = false;
    if (field == UsageField::LastModel) {
        truncated = copySanitized(work_.last_model, cfg::kModelMaxBytes, text, len);
    } else if (field == UsageField::Source) {
        truncated = copySanitized(work_.source, cfg::kSourceMaxBytes, text, len);
    } else if (field == UsageField::FuelBasis) {
        // The schema's enum, exactly: anything else is not a basis the device can vouch for.
        const char* names[] = {fuelBasisName(FuelBasis::Estimate), fuelBasisName(FuelBasis::Official)};
        for (const char* name : names) {
            if (text != nullptr && strlen(name) == len && memcmp(name, text, len) == 0) {
                work_.fuel_basis = name == names[1] ? FuelBasis::Official : FuelBasis::Estimate;
                markAccepted(field);
                return;
            }
        }
        markDefaulted(field);
        return;
    } else {
        markDefaulted(field);
        return;
    }
    if (truncated && report_.truncated < 255) ++report_.truncated;
    markAccepted(field);
}

void UsageDecoder::setNull(UsageField field) {
    if (!validField(field)) return;
    markPresent(field);
    if (field == UsageField::Window5hResetInS) {
        work_.has_reset = false;
        work_.window_5h_reset_in_s = 0;
        markAccepted(field);
        return;
    }
    const FieldType type = kUsageFields[static_cast<size_t>(field)].type;
    if (type == FieldType::NullableInteger || type == FieldType::NullableNumber) {
        // null is the valid "unknown": the default, accepted rather than defaulted.
        restoreDefault(field);
        markAccepted(field);
        return;
    }
    markDefaulted(field);
}

void UsageDecoder::setWrongType(UsageField field) {
    if (!validField(field)) return;
    markPresent(field);
    markDefaulted(field);
}

DecodeStatus UsageDecoder::finish(Usage& out) {
    if (!started_) return DecodeStatus::NotStarted;
    started_ = false;
    report_.present = static_cast<uint8_t>(__builtin_popcount(present_mask_));
    // `v` alone, or optional fields alone, prove nothing about the payload's content.
    const bool proven = (accepted_mask_ & provingMask()) != 0;
    // Judged before counting, so a figure found stale counts as defaulted, not accepted.
    if (!bad_version_ && proven) checkQuotaAges();
    report_.accepted = static_cast<uint8_t>(__builtin_popcount(accepted_mask_));
    if (bad_version_) return DecodeStatus::BadVersion;
    if (!proven) return DecodeStatus::NoKnownFields;
    out = work_;
    return DecodeStatus::Ok;
}

// The official figures judged against the payload's own time (usage.h: "Stale or implausible").
void UsageDecoder::checkQuotaAges() {
    const uint64_t ts = work_.ts_ms;
    if (ts == 0) return;  // no time to judge by
    const uint64_t ts_s = ts / 1000;
    if (work_.fuel_basis == FuelBasis::Official) {
        const bool fresh = work_.has_quota_observed && work_.quota_observed_at_ms <= ts &&
                           ts - work_.quota_observed_at_ms < cfg::kQuotaFreshMs;
        if (!fresh) markDefaulted(UsageField::FuelBasis);
    }
    struct Window {
        UsageField pct, resets;
        bool& has;
        bool& has_resets;
        uint64_t resets_at;
        uint64_t window_s;
    };
    Window windows[] = {
        {UsageField::Quota5hPct, UsageField::Quota5hResetsAt, work_.has_quota_5h, work_.has_quota_5h_resets,
         work_.quota_5h_resets_at, cfg::kQuota5hWindowS},
        {UsageField::Quota7dPct, UsageField::Quota7dResetsAt, work_.has_quota_7d, work_.has_quota_7d_resets,
         work_.quota_7d_resets_at, cfg::kQuota7dWindowS},
    };
    for (Window& w : windows) {
        if (!w.has_resets) continue;
        if (w.resets_at * 1000 <= ts) {
            // The window has reset since the figure was read: neither says anything now.
            if (w.has) markDefaulted(w.pct);
            markDefaulted(w.resets);
        } else if (w.resets_at > ts_s + w.window_s + cfg::kQuotaResetSlackS) {
            markDefaulted(w.resets);
        }
    }
}

}  // namespace gauge
