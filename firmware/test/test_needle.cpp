// Needle dynamics and payload -> target scaling.
#include <doctest/doctest.h>

#include <math.h>

#include <initializer_list>

#include "gauge_config.h"
#include "needle.h"
#include "scale.h"

using gauge::Needle;
namespace cfg = gauge::cfg;

namespace {
constexpr float kDt = cfg::kPhysicsStepMs / 1000.0f;
}

TEST_CASE("Needle: settles without overshoot when critically damped") {
    for (float target : {1.0f, 0.3f, -0.04f}) {
        Needle n;
        n.reset(target > 0.5f ? 0.0f : 1.0f);
        n.setTarget(target);
        const float start = n.position();
        const float dir = target > start ? 1.0f : -1.0f;
        float prev = start;
        for (int i = 0; i < 2000; ++i) {  // 10 s
            n.step(kDt, cfg::kNeedleOmega, cfg::kNeedleMaxSlew);
            CHECK((n.position() - target) * dir <= 1e-6f);  // never past the target
            CHECK((n.position() - prev) * dir >= -1e-7f);   // monotonic approach
            prev = n.position();
        }
        CHECK(n.position() == doctest::Approx(target).epsilon(1e-5));
        CHECK(n.velocity() == 0.0f);  // snapped to rest once settled
    }
}

TEST_CASE("Needle: reaches 95 % of a full-scale step in about half a second") {
    Needle n;
    n.setTarget(1.0f);
    int steps = 0;
    while (n.position() < 0.95f && steps < 10000) {
        n.step(kDt, cfg::kNeedleOmega, cfg::kNeedleMaxSlew);
        ++steps;
    }
    const float seconds = steps * kDt;
    CHECK(seconds > 0.35f);
    CHECK(seconds < 0.8f);
}

TEST_CASE("Needle: the slew limit caps speed") {
    Needle n;
    n.setTarget(1.0f);
    for (int i = 0; i < 400; ++i) {
        const float before = n.position();
        n.step(kDt, 200.0f, cfg::kNeedleMaxSlew);  // a very stiff spring would jump without the limit
        CHECK(n.position() - before <= cfg::kNeedleMaxSlew * kDt * 1.0001f);
        CHECK(n.velocity() <= cfg::kNeedleMaxSlew * 1.0001f);
    }
    CHECK(n.position() == doctest::Approx(1.0f));
}

TEST_CASE("Needle: NaN targets and bad steps are ignored") {
    Needle n;
    n.setTarget(0.5f);
    n.setTarget(NAN);
    n.setTarget(INFINITY);
    CHECK(n.target() == 0.5f);
    n.step(0.0f, cfg::kNeedleOmega, cfg::kNeedleMaxSlew);
    n.step(-1.0f, cfg::kNeedleOmega, cfg::kNeedleMaxSlew);
    n.step(NAN, cfg::kNeedleOmega, cfg::kNeedleMaxSlew);
    n.step(kDt, NAN, cfg::kNeedleMaxSlew);
    CHECK(n.position() == 0.0f);
    n.reset(NAN);
    CHECK(n.position() == 0.0f);
    for (int i = 0; i < 1000; ++i) n.step(kDt, cfg::kNeedleOmega, cfg::kNeedleMaxSlew);
    CHECK(isfinite(n.position()));
    CHECK(n.position() == doctest::Approx(0.5f));
}

TEST_CASE("Scale: tach full scale is the next nice number above 1.25 x redline") {
    CHECK(gauge::tachFullScale(1000000.0f) == 1500000.0f);  // 1.25M -> 1.5M
    CHECK(gauge::tachFullScale(800000.0f) == 1000000.0f);   // exactly 1.0M
    CHECK(gauge::tachFullScale(1200000.0f) == 1500000.0f);
    CHECK(gauge::tachFullScale(2000000.0f) == 2500000.0f);
    CHECK(gauge::tachFullScale(100.0f) == 150.0f);
    CHECK(gauge::tachFullScale(3.3e6f) == 5e6f);      // 4.125M -> 5M
    CHECK(gauge::tachFullScale(5e6f) == 8e6f);        // 6.25M -> 8M
    CHECK(gauge::tachFullScale(7e6f) == 1e7f);        // 8.75M -> 10M
    CHECK(gauge::tachFullScale(0.0f) == 1500000.0f);  // bad -> default redline
    CHECK(gauge::tachFullScale(NAN) == 1500000.0f);
    CHECK(gauge::tachFullScale(-5.0f) == 1500000.0f);
    CHECK(gauge::tachFullScale(1.0f) == 10.0f);
    CHECK(isfinite(gauge::tachFullScale(INFINITY)));
    CHECK(gauge::tachFullScale(1e30f) >= 1.25e9f);
}

TEST_CASE("Scale: targets from a payload") {
    gauge::Usage u = gauge::usageDefaults();
    u.rate_1m = 750000.0f;
    u.rate_redline = 1000000.0f;
    u.window_5h_pct = 0.25f;
    u.thinking_ratio = 0.4f;
    u.cache_hit_rate = 0.9f;
    gauge::DialTargets t = gauge::computeTargets(u);
    CHECK(t.tach == doctest::Approx(0.5f));
    CHECK(t.tach_redline == doctest::Approx(1.0f / 1.5f));
    CHECK(t.fuel == doctest::Approx(0.75f));  // remaining, like a car
    CHECK_FALSE(t.fuel_over);
    CHECK(t.temp == doctest::Approx(0.4f));
    CHECK(t.boost == doctest::Approx(0.9f));

    u.rate_1m = 9e9f;  // pegs at full scale, never beyond
    u.window_5h_pct = 1.4f;
    t = gauge::computeTargets(u);
    CHECK(t.tach == 1.0f);
    CHECK(t.fuel_over);
    CHECK(t.fuel == cfg::kFuelOverPeg);

    u.window_5h_pct = 1.0f;  // exactly used up: E, not over
    t = gauge::computeTargets(u);
    CHECK(t.fuel == 0.0f);
    CHECK_FALSE(t.fuel_over);
}

TEST_CASE("Scale: hostile values in a hand-made Usage still give finite fractions") {
    gauge::Usage u = gauge::usageDefaults();
    u.rate_1m = NAN;
    u.rate_redline = -1.0f;
    u.window_5h_pct = NAN;
    u.thinking_ratio = INFINITY;
    u.cache_hit_rate = -3.0f;
    const gauge::DialTargets t = gauge::computeTargets(u);
    CHECK(t.tach == 0.0f);
    CHECK(t.fuel == 1.0f);
    CHECK(t.temp == 1.0f);
    CHECK(t.boost == 0.0f);
    CHECK(isfinite(t.tach_full_scale));
    CHECK(gauge::fractionToDeg(NAN, -135.0f, 135.0f) == -135.0f);
    CHECK(gauge::fractionToDeg(0.5f, -135.0f, 135.0f) == 0.0f);
    CHECK(gauge::clampFinite(NAN, 0.0f, 1.0f) == 0.0f);
}
