// Deterministic randomized tests: arbitrary setter sequences and arbitrary event streams never crash, never
// leave the documented ranges, and keep the poller's and the cluster's NO SIGNAL verdicts in agreement.
#include <doctest/doctest.h>

#include <math.h>
#include <string.h>

#include <string>

#include "gauge.h"

using gauge::UsageField;

namespace {

struct Rng {
    uint64_t s;
    uint32_t next() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        return static_cast<uint32_t>(s >> 16);
    }
    uint32_t below(uint32_t n) { return next() % n; }
    double hostileNumber() {
        static const double kValues[] = {
            0.0, -0.0,     1.0,       -1.0,         0.5,    1.5, 1e300,    -1e300,
            NAN, INFINITY, -INFINITY, 4294967296.0, 1e-300, 2.0, 999999.9, 9007199254740993.0};
        if (below(3) == 0) return (static_cast<double>(next()) - 2147483648.0) * 1000.0;
        return kValues[below(sizeof kValues / sizeof kValues[0])];
    }
};

void checkInRange(const gauge::Usage& u) {
    CHECK(u.v == 1);
    CHECK(u.ts_ms <= 9007199254740991ull);
    CHECK(u.rate_1m >= 0.0f);
    CHECK(u.rate_1m <= 1e9f);
    CHECK(u.rate_redline >= 1.0f);
    CHECK(u.rate_redline <= 1e9f);
    CHECK(u.window_5h_tokens <= 1000000000000000ull);
    CHECK(u.window_5h_pct >= 0.0f);
    CHECK(u.window_5h_pct <= 10.0f);
    CHECK(u.window_5h_reset_in_s <= 18000u);
    CHECK(u.thinking_ratio >= 0.0f);
    CHECK(u.thinking_ratio <= 1.0f);
    CHECK(u.cache_hit_rate >= 0.0f);
    CHECK(u.cache_hit_rate <= 1.0f);
    CHECK(u.sessions_active <= 999u);
    CHECK(strlen(u.last_model) <= gauge::cfg::kModelMaxBytes);
    CHECK(strlen(u.source) <= gauge::cfg::kSourceMaxBytes);
    for (const char* c = u.last_model; *c; ++c) CHECK(static_cast<unsigned char>(*c) >= 0x20);
}

}  // namespace

TEST_CASE("Fuzz: any sequence of decoder calls yields an in-range payload or a clean rejection") {
    Rng rng{0x9E3779B97F4A7C15ull};
    std::string text;
    for (int round = 0; round < 1500; ++round) {
        gauge::UsageDecoder d;
        d.begin();
        const int calls = static_cast<int>(rng.below(25));
        for (int c = 0; c < calls; ++c) {
            // Now and then an id outside the table, as a buggy glue might pass.
            const UsageField f = static_cast<UsageField>(rng.below(gauge::kUsageFieldCount + 2));
            switch (rng.below(5)) {
                case 0:
                    d.setNumber(f, rng.hostileNumber());
                    break;
                case 1:
                    d.setBool(f, rng.below(2) == 1);
                    break;
                case 2: {
                    text.assign(rng.below(3) == 0 ? rng.below(12000) : rng.below(40), '\0');
                    for (char& ch : text) ch = static_cast<char>(rng.next());
                    d.setString(f, text.data(), text.size());
                    break;
                }
                case 3:
                    d.setNull(f);
                    break;
                default:
                    d.setWrongType(f);
                    break;
            }
        }
        gauge::Usage u = gauge::usageDefaults();
        const gauge::DecodeStatus s = d.finish(u);
        CHECK(s != gauge::DecodeStatus::NotStarted);
        if (s == gauge::DecodeStatus::Ok) checkInRange(u);
        CHECK(d.report().present <= gauge::kUsageFieldCount);
        CHECK(d.report().accepted <= d.report().present);
    }
}

TEST_CASE("Fuzz: random event streams keep the frame finite and NO SIGNAL consistent") {
    Rng rng{12345};
    for (int run = 0; run < 8; ++run) {
        gauge::Device dev;
        uint32_t now = rng.next();  // any boot time, including just before the wrap
        dev.boot(now);
        bool pending = false;
        for (int step = 0; step < 3000; ++step) {
            now += rng.below(60);
            if (dev.tick(now) == gauge::PollAction::StartRequest) pending = true;
            if (pending && rng.below(4) == 0) {
                pending = false;
                const uint32_t roll = rng.below(10);
                if (roll < 4) {
                    gauge::UsageDecoder d;
                    d.begin();
                    d.setNumber(UsageField::Rate1m, rng.hostileNumber());
                    d.setNumber(UsageField::Window5hPct, rng.hostileNumber());
                    d.setNumber(UsageField::RateRedline, rng.hostileNumber());
                    d.setBool(UsageField::Hot, rng.below(2) == 1);
                    d.setBool(UsageField::Stall, rng.below(2) == 1);
                    gauge::Usage u = gauge::usageDefaults();
                    dev.onDecoded(now, d.finish(u), u);
                } else {
                    dev.onPollResult(now, static_cast<gauge::PollOutcome>(rng.below(9)));
                }
            }
            if (rng.below(3) == 0) now += rng.below(3000);  // the loop blocked for a while
            dev.update(now);
            const gauge::Frame& f = dev.frame();
            for (const gauge::Dial& dl : f.dials) {
                CHECK(isfinite(dl.needle_deg));
                CHECK(dl.needle_deg >= dl.start_deg - 15.0f);
                CHECK(dl.needle_deg <= dl.end_deg + 0.01f);
            }
            if (f.phase != gauge::Phase::SelfTest)
                CHECK((f.phase == gauge::Phase::NoSignal) == dev.poller().noSignal(now));
            char line[gauge::kStateLineMax];
            CHECK(gauge::formatStateLine(f, line, sizeof line) < gauge::kStateLineMax - 1);
        }
    }
}
