// UsageDecoder: every decoding rule in usage.h, fed the hostile values a broken daemon or network could send.
#include <doctest/doctest.h>

#include <math.h>
#include <string.h>

#include <initializer_list>
#include <string>

#include "usage.h"

using gauge::DecodeStatus;
using gauge::Usage;
using gauge::UsageDecoder;
using gauge::UsageField;

namespace {

// A payload where every field is valid and not the default, to see which ones a bad value resets.
void feedGood(UsageDecoder& d) {
    d.setNumber(UsageField::V, 1);
    d.setNumber(UsageField::Ts, 1763780000000.0);
    d.setNumber(UsageField::Rate1m, 412000);
    d.setNumber(UsageField::RateRedline, 800000);
    d.setNumber(UsageField::Window5hTokens, 5000000);
    d.setNumber(UsageField::Window5hPct, 0.37);
    d.setNumber(UsageField::Window5hResetInS, 7980);
    d.setNumber(UsageField::ThinkingRatio, 0.42);
    d.setNumber(UsageField::CacheHitRate, 0.87);
    d.setString(UsageField::LastModel, "claude-opus-4-5-20251101", 24);
    d.setNumber(UsageField::SessionsActive, 2);
    d.setBool(UsageField::Hot, true);
    d.setBool(UsageField::Warn, true);
    d.setBool(UsageField::Stall, false);
    d.setBool(UsageField::Idle, false);
    d.setBool(UsageField::Stale, true);
    d.setString(UsageField::Source, "jsonl", 5);
    d.setNumber(UsageField::Quota5hPct, 0.37);
    d.setNumber(UsageField::Quota5hResetsAt, 1763780000.0 + 7980);
    d.setNumber(UsageField::Quota7dPct, 0.63);
    d.setNumber(UsageField::Quota7dResetsAt, 1763780000.0 + 187200);
    d.setNumber(UsageField::QuotaObservedAt, 1763780000000.0 - 30000);
    d.setString(UsageField::FuelBasis, "official", 8);
    d.setNumber(UsageField::PacePctAtReset, 1.25);
    d.setNumber(UsageField::MinutesToFull, 41.6);
    d.setNumber(UsageField::Attention, 3);
}

Usage decodeOne(UsageField f, double value, DecodeStatus* status = nullptr) {
    UsageDecoder d;
    d.begin();
    d.setNumber(UsageField::Rate1m, 1);  // keeps the payload acceptable whatever f does
    d.setNumber(f, value);
    Usage u = gauge::usageDefaults();
    const DecodeStatus s = d.finish(u);
    if (status) *status = s;
    return u;
}

}  // namespace

TEST_CASE("Usage: a complete valid payload decodes exactly") {
    UsageDecoder d;
    d.begin();
    feedGood(d);
    Usage u;
    REQUIRE(d.finish(u) == DecodeStatus::Ok);
    CHECK(u.v == 1);
    CHECK(u.ts_ms == 1763780000000ull);
    CHECK(u.rate_1m == doctest::Approx(412000));
    CHECK(u.rate_redline == doctest::Approx(800000));
    CHECK(u.window_5h_tokens == 5000000ull);
    CHECK(u.window_5h_pct == doctest::Approx(0.37));
    CHECK(u.has_reset);
    CHECK(u.window_5h_reset_in_s == 7980u);
    CHECK(u.thinking_ratio == doctest::Approx(0.42));
    CHECK(u.cache_hit_rate == doctest::Approx(0.87));
    CHECK(std::string(u.last_model) == "claude-opus-4-5-20251101");
    CHECK(u.sessions_active == 2u);
    CHECK(u.hot);
    CHECK(u.warn);
    CHECK_FALSE(u.stall);
    CHECK_FALSE(u.idle);
    CHECK(u.stale);
    CHECK(std::string(u.source) == "jsonl");
    CHECK(u.has_quota_5h);
    CHECK(u.quota_5h_pct == doctest::Approx(0.37));
    CHECK(u.has_quota_5h_resets);
    CHECK(u.quota_5h_resets_at == 1763787980ull);
    CHECK(u.has_quota_7d);
    CHECK(u.quota_7d_pct == doctest::Approx(0.63));
    CHECK(u.has_quota_7d_resets);
    CHECK(u.quota_7d_resets_at == 1763967200ull);
    CHECK(u.has_quota_observed);
    CHECK(u.quota_observed_at_ms == 1763779970000ull);
    CHECK(u.fuel_basis == gauge::FuelBasis::Official);
    CHECK(u.has_pace);
    CHECK(u.pace_pct_at_reset == doctest::Approx(1.25));
    CHECK(u.has_minutes_to_full);
    CHECK(u.minutes_to_full == doctest::Approx(41.6));
    CHECK(u.attention == 3u);
    CHECK(d.report().present == gauge::kUsageFieldCount);
    CHECK(d.report().accepted == gauge::kUsageFieldCount);
    CHECK(d.report().defaulted == 0);
    CHECK(d.report().clamped == 0);
    CHECK(d.report().truncated == 0);
}

TEST_CASE("Usage: missing fields take the schema defaults") {
    UsageDecoder d;
    d.begin();
    d.setNumber(UsageField::Rate1m, 5);
    Usage u;
    REQUIRE(d.finish(u) == DecodeStatus::Ok);
    const Usage def = gauge::usageDefaults();
    CHECK(u.rate_1m == 5.0f);
    CHECK(u.rate_redline == def.rate_redline);
    CHECK(u.rate_redline == 1000000.0f);
    CHECK_FALSE(u.has_reset);
    CHECK(u.last_model[0] == '\0');
    CHECK(u.source[0] == '\0');
    CHECK(u.attention == 0u);
    CHECK_FALSE(u.has_quota_5h);
    CHECK_FALSE(u.has_quota_7d);
    CHECK_FALSE(u.has_quota_observed);
    CHECK(u.fuel_basis == gauge::FuelBasis::Estimate);
    CHECK_FALSE(u.has_pace);
    CHECK_FALSE(u.has_minutes_to_full);
    CHECK(d.report().present == 1);
}

TEST_CASE("Usage: attention (optional) is a count of sessions: clamped, truncated, defaulted") {
    // An older daemon sends none: 0.
    CHECK(decodeOne(UsageField::Rate1m, 1).attention == 0u);
    CHECK(decodeOne(UsageField::Attention, 2).attention == 2u);
    CHECK(decodeOne(UsageField::Attention, -4).attention == 0u);
    CHECK(decodeOne(UsageField::Attention, 1e300).attention == 999u);
    CHECK(decodeOne(UsageField::Attention, 1.9).attention == 1u);
    CHECK(decodeOne(UsageField::Attention, NAN).attention == 0u);
    CHECK(decodeOne(UsageField::Attention, INFINITY).attention == 0u);
    for (int wrong = 0; wrong < 4; ++wrong) {
        CAPTURE(wrong);
        UsageDecoder d;
        d.begin();
        feedGood(d);
        if (wrong == 0) d.setNull(UsageField::Attention);
        if (wrong == 1) d.setBool(UsageField::Attention, true);
        if (wrong == 2) d.setString(UsageField::Attention, "3", 1);
        if (wrong == 3) d.setWrongType(UsageField::Attention);
        Usage u;
        REQUIRE(d.finish(u) == DecodeStatus::Ok);
        CHECK(u.attention == 0u);
        CHECK(d.report().defaulted == 1);
    }
}

TEST_CASE("Usage: an optional field alone does not make a payload") {
    UsageDecoder d;
    d.begin();
    d.setNumber(UsageField::V, 1);
    d.setNumber(UsageField::Attention, 1);
    Usage u = gauge::usageDefaults();
    u.sessions_active = 7;
    CHECK(d.finish(u) == DecodeStatus::NoKnownFields);
    CHECK(u.sessions_active == 7u);  // untouched
    int optional = 0;
    for (size_t i = 0; i < gauge::kUsageFieldCount; ++i) optional += gauge::kUsageFields[i].optional ? 1 : 0;
    CHECK(optional >= 1);
    CHECK_FALSE(gauge::kUsageFields[static_cast<size_t>(UsageField::V)].optional);
}

TEST_CASE("Usage: NaN and Inf become the default and are counted") {
    for (double bad : {NAN, INFINITY, -INFINITY}) {
        UsageDecoder d;
        d.begin();
        feedGood(d);
        d.setNumber(UsageField::Rate1m, bad);
        d.setNumber(UsageField::RateRedline, bad);
        d.setNumber(UsageField::ThinkingRatio, bad);
        d.setNumber(UsageField::Window5hResetInS, bad);
        Usage u;
        REQUIRE(d.finish(u) == DecodeStatus::Ok);
        CHECK(u.rate_1m == 0.0f);
        CHECK(u.rate_redline == 1000000.0f);
        CHECK(u.thinking_ratio == 0.0f);
        CHECK_FALSE(u.has_reset);
        CHECK(d.report().defaulted == 4);
        CHECK(u.cache_hit_rate == doctest::Approx(0.87));  // untouched fields keep their values
    }
}

TEST_CASE("Usage: negative numbers clamp to 0") {
    const UsageField fields[] = {
        UsageField::Ts,           UsageField::Rate1m,           UsageField::Window5hTokens,
        UsageField::Window5hPct,  UsageField::Window5hResetInS, UsageField::ThinkingRatio,
        UsageField::CacheHitRate, UsageField::SessionsActive};
    for (UsageField f : fields) {
        const std::string name = gauge::kUsageFields[static_cast<int>(f)].name;
        CAPTURE(name);
        DecodeStatus s;
        const Usage u = decodeOne(f, -1.0, &s);
        REQUIRE(s == DecodeStatus::Ok);
        CHECK(u.ts_ms == 0);
        CHECK(u.window_5h_tokens == 0);
        CHECK(u.window_5h_pct == 0.0f);
        CHECK(u.window_5h_reset_in_s == 0);
        CHECK(u.thinking_ratio == 0.0f);
        CHECK(u.cache_hit_rate == 0.0f);
        CHECK(u.sessions_active == 0);
    }
    CHECK(decodeOne(UsageField::Window5hResetInS, -1.0).has_reset);  // -1 is a number: clamped, not null
    CHECK(decodeOne(UsageField::Rate1m, -5.0).rate_1m == 0.0f);
}

TEST_CASE("Usage: rate_redline must be positive") {
    CHECK(decodeOne(UsageField::RateRedline, 0.0).rate_redline == 1000000.0f);
    CHECK(decodeOne(UsageField::RateRedline, -1.0).rate_redline == 1000000.0f);
    CHECK(decodeOne(UsageField::RateRedline, 0.001).rate_redline == 1.0f);
    CHECK(decodeOne(UsageField::RateRedline, 250000.0).rate_redline == 250000.0f);
}

TEST_CASE("Usage: astronomically large numbers clamp to the documented maxima") {
    CHECK(decodeOne(UsageField::Ts, 1e300).ts_ms == 9007199254740991ull);
    CHECK(decodeOne(UsageField::Rate1m, 1e300).rate_1m == 1e9f);
    CHECK(decodeOne(UsageField::RateRedline, 1e300).rate_redline == 1e9f);
    CHECK(decodeOne(UsageField::Window5hTokens, 1e300).window_5h_tokens == 1000000000000000ull);
    CHECK(decodeOne(UsageField::Window5hPct, 1e300).window_5h_pct == 10.0f);
    CHECK(decodeOne(UsageField::Window5hResetInS, 1e300).window_5h_reset_in_s == 18000u);
    CHECK(decodeOne(UsageField::ThinkingRatio, 1e300).thinking_ratio == 1.0f);
    CHECK(decodeOne(UsageField::CacheHitRate, 1.5).cache_hit_rate == 1.0f);
    CHECK(decodeOne(UsageField::SessionsActive, 1e300).sessions_active == 999u);
    CHECK(decodeOne(UsageField::Window5hPct, 1.3).window_5h_pct == doctest::Approx(1.3));  // over is kept

    UsageDecoder d;
    d.begin();
    d.setNumber(UsageField::Rate1m, 1e300);
    d.setNumber(UsageField::ThinkingRatio, 7);
    Usage u;
    REQUIRE(d.finish(u) == DecodeStatus::Ok);
    CHECK(d.report().clamped == 2);
}

TEST_CASE("Usage: fractional integers are truncated and counted") {
    UsageDecoder d;
    d.begin();
    d.setNumber(UsageField::SessionsActive, 2.9);
    d.setNumber(UsageField::Window5hTokens, 1234.5);
    Usage u;
    REQUIRE(d.finish(u) == DecodeStatus::Ok);
    CHECK(u.sessions_active == 2u);
    CHECK(u.window_5h_tokens == 1234u);
    CHECK(d.report().clamped == 2);
}

TEST_CASE("Usage: wrong JSON types become defaults and are counted") {
    UsageDecoder d;
    d.begin();
    feedGood(d);
    d.setString(UsageField::Rate1m, "fast", 4);  // string for a number
    d.setBool(UsageField::Window5hPct, true);    // bool for a number
    d.setNumber(UsageField::Hot, 1);             // number for a bool
    d.setNumber(UsageField::LastModel, 42);      // number for a string
    d.setWrongType(UsageField::CacheHitRate);    // array / object
    d.setNull(UsageField::Stale);                // null where null is not allowed
    d.setBool(UsageField::Source, true);
    Usage u;
    REQUIRE(d.finish(u) == DecodeStatus::Ok);
    CHECK(u.rate_1m == 0.0f);
    CHECK(u.window_5h_pct == 0.0f);
    CHECK_FALSE(u.hot);
    CHECK(u.last_model[0] == '\0');
    CHECK(u.cache_hit_rate == 0.0f);
    CHECK_FALSE(u.stale);
    CHECK(u.source[0] == '\0');
    CHECK(d.report().defaulted == 7);
    CHECK(d.report().accepted == gauge::kUsageFieldCount - 7);
}

TEST_CASE("Usage: null reset time is the valid 'no active block'") {
    UsageDecoder d;
    d.begin();
    feedGood(d);
    d.setNull(UsageField::Window5hResetInS);
    Usage u;
    REQUIRE(d.finish(u) == DecodeStatus::Ok);
    CHECK_FALSE(u.has_reset);
    CHECK(d.report().defaulted == 0);
}

TEST_CASE("Usage: a 10 kB model name is truncated to 128 bytes") {
    std::string huge(10240, 'x');
    UsageDecoder d;
    d.begin();
    d.setString(UsageField::LastModel, huge.data(), huge.size());
    Usage u;
    REQUIRE(d.finish(u) == DecodeStatus::Ok);
    CHECK(strlen(u.last_model) == 128);
    CHECK(d.report().truncated == 1);
}

TEST_CASE("Usage: truncation never splits a UTF-8 character") {
    // 127 ASCII bytes then a 3-byte character: it does not fit in 128, so it is dropped whole.
    std::string s(127, 'a');
    s += "\xE2\x82\xAC";  // EURO SIGN
    s += "tail";
    UsageDecoder d;
    d.begin();
    d.setString(UsageField::LastModel, s.data(), s.size());
    Usage u;
    REQUIRE(d.finish(u) == DecodeStatus::Ok);
    CHECK(strlen(u.last_model) == 127);
    // A character that fits entirely is kept.
    std::string t(125, 'a');
    t += "\xE2\x82\xAC";
    t += "zz";
    d.begin();
    d.setString(UsageField::LastModel, t.data(), t.size());
    REQUIRE(d.finish(u) == DecodeStatus::Ok);
    CHECK(strlen(u.last_model) == 128);
    CHECK(std::string(u.last_model).substr(125) == "\xE2\x82\xAC");
}

TEST_CASE("Usage: control bytes and embedded NULs are replaced, strings always terminate") {
    const char raw[] = {'o', 'p', '\0', 'u', '\n', 's', '\x7F'};
    UsageDecoder d;
    d.begin();
    d.setString(UsageField::LastModel, raw, sizeof raw);
    d.setString(UsageField::Source, nullptr, 0);
    Usage u;
    REQUIRE(d.finish(u) == DecodeStatus::Ok);
    CHECK(std::string(u.last_model) == "op?u?s?");
    CHECK(u.source[0] == '\0');
    std::string long_source(1000, 's');
    d.begin();
    d.setString(UsageField::Source, long_source.data(), long_source.size());
    REQUIRE(d.finish(u) == DecodeStatus::Ok);
    CHECK(strlen(u.source) == 32);
}

TEST_CASE("Usage: v other than 1 rejects the payload and leaves the output untouched") {
    Usage out = gauge::usageDefaults();
    out.rate_1m = 77;
    UsageDecoder d;
    d.begin();
    feedGood(d);
    d.setNumber(UsageField::V, 2);
    CHECK(d.finish(out) == DecodeStatus::BadVersion);
    CHECK(out.rate_1m == 77.0f);

    d.begin();
    feedGood(d);
    d.setString(UsageField::V, "1", 1);
    CHECK(d.finish(out) == DecodeStatus::BadVersion);
    d.begin();
    feedGood(d);
    d.setNull(UsageField::V);
    CHECK(d.finish(out) == DecodeStatus::BadVersion);
    d.begin();
    feedGood(d);
    d.setNumber(UsageField::V, NAN);
    CHECK(d.finish(out) == DecodeStatus::BadVersion);
    d.begin();
    feedGood(d);
    d.setNumber(UsageField::V, 1.5);
    CHECK(d.finish(out) == DecodeStatus::BadVersion);
    CHECK(out.rate_1m == 77.0f);
}

TEST_CASE("Usage: v missing is accepted as version 1") {
    UsageDecoder d;
    d.begin();
    d.setNumber(UsageField::Rate1m, 10);
    Usage u;
    CHECK(d.finish(u) == DecodeStatus::Ok);
    CHECK(u.v == 1);
}

TEST_CASE("Usage: empty object, v alone, unknown-only or all-wrong payloads are rejected") {
    Usage u;
    UsageDecoder d;
    d.begin();  // {}
    CHECK(d.finish(u) == DecodeStatus::NoKnownFields);
    d.begin();  // {"v":1}
    d.setNumber(UsageField::V, 1);
    CHECK(d.finish(u) == DecodeStatus::NoKnownFields);
    d.begin();  // {"rate_1m":"x","hot":null}
    d.setString(UsageField::Rate1m, "x", 1);
    d.setNull(UsageField::Hot);
    CHECK(d.finish(u) == DecodeStatus::NoKnownFields);
    CHECK(d.report().present == 2);
    CHECK(d.report().accepted == 0);
}

TEST_CASE("Usage: unknown field names are not found, known ones are") {
    gauge::UsageField f;
    CHECK(gauge::findUsageField("rate_1m", 7, &f));
    CHECK(f == UsageField::Rate1m);
    CHECK(gauge::findUsageField("window_5h_reset_in_s", 20, &f));
    CHECK(f == UsageField::Window5hResetInS);
    CHECK_FALSE(gauge::findUsageField("error", 5, &f));
    CHECK_FALSE(gauge::findUsageField("rate_1", 6, &f));
    CHECK_FALSE(gauge::findUsageField("RATE_1M", 7, &f));
    CHECK_FALSE(gauge::findUsageField(nullptr, 0, &f));
    for (size_t i = 0; i < gauge::kUsageFieldCount; ++i)
        CHECK(static_cast<size_t>(gauge::kUsageFields[i].id) == i);
}

TEST_CASE("Usage: finish without begin, setters with an out-of-range field id") {
    UsageDecoder d;
    Usage u;
    CHECK(d.finish(u) == DecodeStatus::NotStarted);
    d.begin();
    d.setNumber(static_cast<UsageField>(200), 1);
    d.setString(UsageField::Count, "x", 1);
    d.setWrongType(static_cast<UsageField>(17));
    CHECK(d.finish(u) == DecodeStatus::NoKnownFields);
    CHECK(d.finish(u) == DecodeStatus::NotStarted);  // one payload per begin()
    CHECK(std::string(gauge::decodeStatusName(DecodeStatus::BadVersion)) == "bad_version");
}

TEST_CASE("Usage: a later valid value for the same field wins over an earlier bad one") {
    UsageDecoder d;
    d.begin();
    d.setWrongType(UsageField::Rate1m);
    d.setNumber(UsageField::Rate1m, 9);
    Usage u;
    REQUIRE(d.finish(u) == DecodeStatus::Ok);
    CHECK(u.rate_1m == 9.0f);
}

namespace {
// A payload at ts 1'000'000'000'000 ms (1e9 s) with the given quota setters applied after feedGood's.
template <typename F>
Usage quotaPayload(F apply, gauge::DecodeReport* report = nullptr) {
    UsageDecoder d;
    d.begin();
    feedGood(d);
    d.setNumber(UsageField::Ts, 1e12);
    d.setNumber(UsageField::Quota5hResetsAt, 1e9 + 3600);
    d.setNumber(UsageField::Quota7dResetsAt, 1e9 + 86400);
    d.setNumber(UsageField::QuotaObservedAt, 1e12 - 1000);
    apply(d);
    Usage u = gauge::usageDefaults();
    REQUIRE(d.finish(u) == DecodeStatus::Ok);
    if (report) *report = d.report();
    return u;
}
}  // namespace

TEST_CASE("Usage: the official quota fields (optional) take null as unknown, clamp and default") {
    gauge::DecodeReport r{};
    Usage u = quotaPayload(
        [](UsageDecoder& d) {
            d.setNull(UsageField::Quota5hPct);
            d.setNull(UsageField::Quota7dPct);
            d.setNull(UsageField::Quota7dResetsAt);
            d.setNull(UsageField::PacePctAtReset);
            d.setNull(UsageField::MinutesToFull);
        },
        &r);
    CHECK_FALSE(u.has_quota_5h);
    CHECK_FALSE(u.has_quota_7d);
    CHECK_FALSE(u.has_quota_7d_resets);
    CHECK_FALSE(u.has_pace);
    CHECK_FALSE(u.has_minutes_to_full);
    CHECK(r.defaulted == 0);  // null is a valid value here
    CHECK(r.accepted == gauge::kUsageFieldCount);

    u = quotaPayload(
        [](UsageDecoder& d) {
            d.setNumber(UsageField::Quota5hPct, -1);
            d.setNumber(UsageField::Quota7dPct, 1e300);
            d.setNumber(UsageField::PacePctAtReset, 55);
            d.setNumber(UsageField::MinutesToFull, 1e9);
        },
        &r);
    CHECK(u.quota_5h_pct == 0.0f);
    CHECK(u.quota_7d_pct == 10.0f);
    CHECK(u.pace_pct_at_reset == 10.0f);
    CHECK(u.minutes_to_full == 10080.0f);
    CHECK(r.clamped == 4);

    u = quotaPayload(
        [](UsageDecoder& d) {
            d.setNumber(UsageField::Quota7dPct, NAN);
            d.setString(UsageField::Quota5hPct, "42", 2);
            d.setBool(UsageField::MinutesToFull, true);
            d.setWrongType(UsageField::PacePctAtReset);
            d.setNumber(UsageField::Quota7dResetsAt, 1e9 + 86400.5);  // fractional: truncated
        },
        &r);
    CHECK_FALSE(u.has_quota_7d);
    CHECK_FALSE(u.has_quota_5h);
    CHECK_FALSE(u.has_minutes_to_full);
    CHECK_FALSE(u.has_pace);
    CHECK(u.quota_7d_resets_at == 1000086400ull);
    CHECK(r.defaulted == 4);
    CHECK(r.clamped == 1);
}

TEST_CASE("Usage: fuel_basis is exactly official or estimate; anything else is estimate") {
    gauge::DecodeReport r{};
    CHECK(quotaPayload([](UsageDecoder&) {}).fuel_basis == gauge::FuelBasis::Official);
    CHECK(quotaPayload([](UsageDecoder& d) {
              d.setString(UsageField::FuelBasis, "estimate", 8);
          }).fuel_basis == gauge::FuelBasis::Estimate);
    const char* hostile[] = {"OFFICIAL", "official ", "offic", "", "official\0x"};
    for (const char* h : hostile) {
        CAPTURE(h);
        const size_t len = strcmp(h, "official\0x") == 0 ? 10 : strlen(h);
        const Usage u =
            quotaPayload([&](UsageDecoder& d) { d.setString(UsageField::FuelBasis, h, len); }, &r);
        CHECK(u.fuel_basis == gauge::FuelBasis::Estimate);
        CHECK(r.defaulted == 1);
    }
    CHECK(quotaPayload([](UsageDecoder& d) { d.setNull(UsageField::FuelBasis); }).fuel_basis ==
          gauge::FuelBasis::Estimate);
    CHECK(quotaPayload([](UsageDecoder& d) { d.setBool(UsageField::FuelBasis, true); }).fuel_basis ==
          gauge::FuelBasis::Estimate);
}

TEST_CASE("Usage: an official basis needs a fresh observation (< 10 min before ts, not after it)") {
    gauge::DecodeReport r{};
    CHECK(quotaPayload([](UsageDecoder& d) {
              d.setNumber(UsageField::QuotaObservedAt, 1e12 - 599999);
          }).fuel_basis == gauge::FuelBasis::Official);
    Usage u =
        quotaPayload([](UsageDecoder& d) { d.setNumber(UsageField::QuotaObservedAt, 1e12 - 600000); }, &r);
    CHECK(u.fuel_basis == gauge::FuelBasis::Estimate);
    CHECK(r.defaulted == 1);
    // Judged stale, fuel_basis counts as defaulted, not accepted: every present field is one or the other.
    CHECK(r.accepted + r.defaulted == r.present);
    CHECK(quotaPayload([](UsageDecoder& d) {
              d.setNumber(UsageField::QuotaObservedAt, 1e12 + 1);
          }).fuel_basis == gauge::FuelBasis::Estimate);
    CHECK(quotaPayload([](UsageDecoder& d) { d.setNull(UsageField::QuotaObservedAt); }).fuel_basis ==
          gauge::FuelBasis::Estimate);
    // No ts: nothing to judge the age by, the daemon's word stands.
    CHECK(quotaPayload([](UsageDecoder& d) {
              d.setNumber(UsageField::Ts, 0);
              d.setNumber(UsageField::QuotaObservedAt, 5);
          }).fuel_basis == gauge::FuelBasis::Official);
}

TEST_CASE("Usage: a quota figure whose window reset before ts is unknown; a reset too far ahead is dropped") {
    gauge::DecodeReport r{};
    Usage u = quotaPayload([](UsageDecoder& d) { d.setNumber(UsageField::Quota7dResetsAt, 1e9); }, &r);
    CHECK_FALSE(u.has_quota_7d);
    CHECK_FALSE(u.has_quota_7d_resets);
    CHECK(u.has_quota_5h);
    CHECK(r.defaulted == 2);
    CHECK(r.accepted + r.defaulted == r.present);
    u = quotaPayload([](UsageDecoder& d) { d.setNumber(UsageField::Quota5hResetsAt, 1e9 - 1); });
    CHECK_FALSE(u.has_quota_5h);
    CHECK(u.has_quota_7d);
    // 7 days + 10 min ahead is the limit; one second more is not believed (the figure stays).
    u = quotaPayload([](UsageDecoder& d) { d.setNumber(UsageField::Quota7dResetsAt, 1e9 + 604800 + 600); });
    CHECK(u.has_quota_7d_resets);
    u = quotaPayload([](UsageDecoder& d) { d.setNumber(UsageField::Quota7dResetsAt, 1e9 + 604800 + 601); },
                     &r);
    CHECK_FALSE(u.has_quota_7d_resets);
    CHECK(u.has_quota_7d);
    CHECK(r.defaulted == 1);
    u = quotaPayload([](UsageDecoder& d) { d.setNumber(UsageField::Quota5hResetsAt, 1e9 + 18000 + 601); });
    CHECK_FALSE(u.has_quota_5h_resets);
    CHECK(u.has_quota_5h);
    // A huge reset is clamped first (to 2^53-1 ms in seconds), then too far ahead.
    u = quotaPayload([](UsageDecoder& d) { d.setNumber(UsageField::Quota7dResetsAt, 1e300); });
    CHECK_FALSE(u.has_quota_7d_resets);
}

TEST_CASE("Usage: optional quota fields alone do not make a payload") {
    UsageDecoder d;
    d.begin();
    d.setNumber(UsageField::Quota7dPct, 0.5);
    d.setString(UsageField::FuelBasis, "official", 8);
    d.setNumber(UsageField::MinutesToFull, 3);
    Usage u;
    CHECK(d.finish(u) == DecodeStatus::NoKnownFields);
}
