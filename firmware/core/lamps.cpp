#include "lamps.h"

namespace gauge {

// Indexed by LampId. Colours: red 0xFF2020 (screen) / 0xFF0000 (LED), amber 0xFFB000 / 0xFF8000,
// blue 0x3080FF / dim 0x000030 on the LED (an idle desk should not glow), violet 0xC060FF / 0xA000FF.
const LampStyle kLampStyles[kLampCount] = {
    {LampId::Hot, "HOT", 4, {250, 125}, 0xFF2020, 0x401010, 0xFF0000},
    {LampId::Warn, "WARN", 3, {0, 0}, 0xFFB000, 0x403010, 0xFF8000},
    {LampId::Stall, "STALL", 2, {600, 300}, 0xFFB000, 0x403010, 0xFF8000},
    {LampId::Idle, "IDLE", 1, {0, 0}, 0x3080FF, 0x102040, 0x000030},
    {LampId::NoSignal, "NO SIG", 6, {1000, 500}, 0xFF2020, 0x401010, 0xFF0000},
    {LampId::Attn, "ATTN", 5, {1600, 1200}, 0xC060FF, 0x301840, 0xA000FF},
};

const LampId kLampPriorityOrder[kLampCount] = {LampId::NoSignal, LampId::Attn,  LampId::Hot,
                                               LampId::Warn,     LampId::Stall, LampId::Idle};

namespace {
// Self-test LED cycle: each colour for this long, in turn.
constexpr uint32_t kSelfTestLedStepMs = 500;
constexpr uint32_t kSelfTestLedColors[3] = {0xFF0000, 0x00FF00, 0x0000FF};
}  // namespace

bool blinkLit(const BlinkPattern& pattern, uint32_t since, uint32_t now) {
    if (pattern.period_ms == 0) return true;
    const uint32_t elapsed = now - since;  // wrap-safe
    return (elapsed % pattern.period_ms) < pattern.on_ms;
}

Lamps::Lamps() : state_(), self_test_since_(0), was_self_test_(false) {
    state_.top = -1;
    state_.rgb_led = kLedOff;
    for (uint32_t& s : since_) s = 0;
}

const LampState& Lamps::update(uint32_t now, const LampInputs& in) {
    if (in.self_test) {
        if (!was_self_test_) self_test_since_ = in.changed_at;
        was_self_test_ = true;
        const uint8_t all = static_cast<uint8_t>((1u << kLampCount) - 1u);
        state_.active_mask = all;
        state_.lit_mask = all;
        state_.top = static_cast<int8_t>(LampId::NoSignal);
        state_.rgb_led = kSelfTestLedColors[((now - self_test_since_) / kSelfTestLedStepMs) % 3];
        return state_;
    }
    if (was_self_test_) {
        // Lamps still active after the self-test start their blink phase fresh.
        state_.active_mask = 0;
        was_self_test_ = false;
    }

    uint8_t active = 0;
    if (in.no_signal) {
        active = lampBit(LampId::NoSignal);  // the payload's flags are stale: hide them
    } else {
        if (in.hot) active |= lampBit(LampId::Hot);
        if (in.warn) active |= lampBit(LampId::Warn);
        if (in.stall) active |= lampBit(LampId::Stall);
        if (in.idle) active |= lampBit(LampId::Idle);
        if (in.attn) active |= lampBit(LampId::Attn);
    }

    uint8_t lit = 0;
    for (int i = 0; i < kLampCount; ++i) {
        const uint8_t bit = static_cast<uint8_t>(1u << i);
        if (!(active & bit)) continue;
        if (!(state_.active_mask & bit)) since_[i] = in.changed_at;  // just turned on: phase starts lit
        if (blinkLit(kLampStyles[i].blink, since_[i], now)) lit |= bit;
    }

    int8_t top = -1;
    for (LampId id : kLampPriorityOrder) {
        if (active & lampBit(id)) {
            top = static_cast<int8_t>(id);
            break;
        }
    }

    state_.active_mask = active;
    state_.lit_mask = lit;
    state_.top = top;
    if (top < 0) {
        state_.rgb_led = kLedAllClear;
    } else {
        state_.rgb_led = (lit & (1u << top)) ? kLampStyles[top].led_color : kLedOff;
    }
    return state_;
}

}  // namespace gauge
