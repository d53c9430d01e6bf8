// Lamps: priorities, blink patterns, the RGB LED and the discrete LED mask.
#include <doctest/doctest.h>

#include "lamps.h"

using gauge::lampBit;
using gauge::LampId;
using gauge::LampInputs;
using gauge::Lamps;

namespace {
LampInputs inputs(bool hot, bool warn, bool stall, bool idle, bool no_signal, uint32_t changed_at = 0) {
    return LampInputs{hot, warn, stall, idle, no_signal, false, changed_at, false};
}
}  // namespace

TEST_CASE("Lamps: priority order NOSIG > HOT > WARN > STALL > IDLE") {
    Lamps l;
    CHECK(l.update(0, inputs(true, true, true, true, false)).top == static_cast<int8_t>(LampId::Hot));
    CHECK(l.update(10, inputs(false, true, true, true, false)).top == static_cast<int8_t>(LampId::Warn));
    CHECK(l.update(20, inputs(false, false, true, true, false)).top == static_cast<int8_t>(LampId::Stall));
    CHECK(l.update(30, inputs(false, false, false, true, false)).top == static_cast<int8_t>(LampId::Idle));
    CHECK(l.update(40, inputs(false, false, false, false, false)).top == -1);
    for (int i = 1; i < gauge::kLampCount; ++i) {
        const auto hi = gauge::kLampStyles[static_cast<int>(gauge::kLampPriorityOrder[i - 1])].priority;
        const auto lo = gauge::kLampStyles[static_cast<int>(gauge::kLampPriorityOrder[i])].priority;
        CHECK(hi > lo);
    }
}

TEST_CASE("Lamps: NO SIGNAL hides the payload's lamps") {
    Lamps l;
    const auto& s = l.update(0, inputs(true, true, true, true, true));
    CHECK(s.active_mask == lampBit(LampId::NoSignal));
    CHECK(s.top == static_cast<int8_t>(LampId::NoSignal));
    CHECK(s.rgb_led == 0xFF0000);
}

TEST_CASE("Lamps: HOT blinks fast from the moment it turns on, the LED follows the top lamp") {
    Lamps l;
    l.update(1000, inputs(false, false, false, false, false));
    CHECK(l.state().rgb_led == gauge::kLedAllClear);
    // The payload raising HOT arrived at 1003; this update sees it a little later. The phase starts at 1003.
    l.update(1010, inputs(true, false, false, false, false, 1003));
    CHECK((l.state().lit_mask & lampBit(LampId::Hot)));
    CHECK(l.state().rgb_led == 0xFF0000);
    l.update(1003 + 124, inputs(true, false, false, false, false, 1003));
    CHECK((l.state().lit_mask & lampBit(LampId::Hot)));
    l.update(1003 + 125, inputs(true, false, false, false, false, 1003));
    CHECK_FALSE((l.state().lit_mask & lampBit(LampId::Hot)));
    CHECK((l.state().active_mask & lampBit(LampId::Hot)));  // logically still on
    CHECK(l.state().rgb_led == gauge::kLedOff);
    l.update(1003 + 250, inputs(true, false, false, false, false, 1003));
    CHECK((l.state().lit_mask & lampBit(LampId::Hot)));
    // A later event that keeps HOT on does not restart its phase.
    l.update(1003 + 260, inputs(true, true, false, false, false, 1200));
    CHECK((l.state().lit_mask & lampBit(LampId::Hot)));
    l.update(1003 + 380, inputs(true, true, false, false, false, 1200));
    CHECK_FALSE((l.state().lit_mask & lampBit(LampId::Hot)));
}

TEST_CASE("Lamps: WARN and IDLE are steady, STALL and NOSIG blink at their own rates") {
    Lamps l;
    for (uint32_t t = 0; t < 3000; t += 7) {
        const auto& s = l.update(t, inputs(false, true, true, true, false));
        CHECK((s.lit_mask & lampBit(LampId::Warn)));
        CHECK((s.lit_mask & lampBit(LampId::Idle)));
        CHECK(bool(s.lit_mask & lampBit(LampId::Stall)) == (t % 600 < 300));
        CHECK(s.rgb_led == 0xFF8000);  // WARN on top, steady amber
    }
    Lamps n;
    for (uint32_t t = 0; t < 3000; t += 7) {
        const auto& s = n.update(t, inputs(false, false, false, false, true));
        CHECK(bool(s.lit_mask & lampBit(LampId::NoSignal)) == (t % 1000 < 500));
        CHECK(s.rgb_led == ((t % 1000 < 500) ? 0xFF0000u : gauge::kLedOff));
        CHECK(s.lit_mask == (s.rgb_led ? lampBit(LampId::NoSignal) : 0));  // discrete pins match
    }
}

TEST_CASE("Lamps: IDLE alone is a dim blue LED") {
    Lamps l;
    const auto& s = l.update(0, inputs(false, false, false, true, false));
    CHECK(s.rgb_led == 0x000030);
}

TEST_CASE("Lamps: self-test lights all and cycles the LED red, green, blue") {
    Lamps l;
    LampInputs in{false, false, false, false, false, true, 500, false};
    CHECK(l.update(500, in).lit_mask == 0x3F);
    CHECK(l.state().rgb_led == 0xFF0000);
    CHECK(l.update(1000, in).rgb_led == 0x00FF00);
    CHECK(l.update(1500, in).rgb_led == 0x0000FF);
    CHECK(l.update(2000, in).rgb_led == 0xFF0000);
    in.self_test = false;
    in.hot = true;
    in.changed_at = 2001;
    const auto& s = l.update(2001, in);
    CHECK(s.active_mask == lampBit(LampId::Hot));
    CHECK((s.lit_mask & lampBit(LampId::Hot)));  // a fresh phase after the self-test
}

TEST_CASE("Lamps: blink phase is wrap-safe") {
    const gauge::BlinkPattern slow{1000, 500};
    const uint32_t since = 0xFFFFFF00u;
    CHECK(gauge::blinkLit(slow, since, since + 499));
    CHECK_FALSE(gauge::blinkLit(slow, since, since + 500));
    CHECK(gauge::blinkLit(slow, since, since + 1000));  // == 0x2E8 after the wrap
    CHECK(gauge::blinkLit(gauge::BlinkPattern{0, 0}, 5, 12345));
}

TEST_CASE("Lamps: ATTN is violet, long on / short off, above HOT on the LED and below NOSIG") {
    Lamps l;
    LampInputs in = inputs(true, true, false, false, false, 1000);
    in.attn = true;
    const auto& s = l.update(1000, in);
    CHECK(s.top == static_cast<int8_t>(LampId::Attn));
    CHECK(s.rgb_led == 0xA000FF);
    CHECK(l.update(1000 + 1199, in).rgb_led == 0xA000FF);
    CHECK(l.update(1000 + 1200, in).rgb_led == 0x000000);  // 400 ms dark
    CHECK(l.update(1000 + 1599, in).rgb_led == 0x000000);
    CHECK(l.update(1000 + 1600, in).rgb_led == 0xA000FF);
    CHECK((l.state().active_mask & gauge::lampBit(LampId::Hot)) != 0);
    in.no_signal = true;
    CHECK(l.update(5000, in).active_mask == gauge::lampBit(LampId::NoSignal));
    in.no_signal = false;
    in.attn = false;
    CHECK(l.update(6000, in).top == static_cast<int8_t>(LampId::Hot));
}
