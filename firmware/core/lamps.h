// Warning lamps: which are active, which is on top, their blink patterns, and how they map onto the CYD
// board's single RGB LED and onto optional discrete LED pins.
//
// Priorities (highest first): NOSIG > ATTN > HOT > WARN > STALL > IDLE.
//   NOSIG  red    slow blink  (1000 ms period, 500 ms on)  no good payload for cfg::kNoSignalAfterMs
//   ATTN   violet long on, short off (1600 ms, 1200 on)   payload.attention > 0 (a session waits for you)
//   HOT    red    fast blink  (250 ms period, 125 ms on)   payload.hot   (rate above redline)
//   WARN   amber  steady                                   payload.warn  (5 h window nearly used)
//   STALL  amber  blink       (600 ms period, 300 ms on)   payload.stall (live session, no response)
//   IDLE   blue   steady, dim on the RGB LED               payload.idle  (no live session)
// ATTN ranks above HOT: it is the one lamp that asks the user to act now (answer a prompt or a
// permission); HOT and WARN stay visible on the screen while ATTN holds the RGB LED.
// On NO SIGNAL only NOSIG is active (the other flags would be stale). A lamp's blink phase starts when its
// input turned active (LampInputs::changed_at), so a newly raised lamp is lit immediately. The RGB LED shows
// the top-priority active lamp's colour in its blink pattern; with no lamp active it glows dim green. During
// the self-test every lamp is lit and the LED cycles red, green, blue (from LampInputs::changed_at, the boot
// time).
#pragma once

#include <stdint.h>

namespace gauge {

// Also the lamps' order on the screen, left to right.
enum class LampId : uint8_t { Hot, Warn, Stall, Idle, NoSignal, Attn, Count };
constexpr int kLampCount = static_cast<int>(LampId::Count);

// Bits of Frame::discrete_mask and LampState::lit_mask: bit (1 << LampId).
constexpr uint8_t lampBit(LampId id) {
    return static_cast<uint8_t>(1u << static_cast<uint8_t>(id));
}

struct BlinkPattern {
    uint16_t period_ms;  // 0 = steady
    uint16_t on_ms;      // lit for the first on_ms of each period
};

struct LampStyle {
    LampId id;
    const char* label;  // short text on the lamp, e.g. "HOT", "NO SIG"
    uint8_t priority;   // higher wins the RGB LED
    BlinkPattern blink;
    uint32_t on_color;   // RGB888 on the screen when lit
    uint32_t off_color;  // RGB888 on the screen when dark (a dim version)
    uint32_t led_color;  // RGB888 on the RGB LED (IDLE is dimmer than its screen colour)
};

// Indexed by LampId.
extern const LampStyle kLampStyles[kLampCount];
// Lamp ids from highest to lowest priority.
extern const LampId kLampPriorityOrder[kLampCount];

constexpr uint32_t kLedAllClear = 0x001000;  // dim green
constexpr uint32_t kLedOff = 0x000000;

// The logical lamp inputs for one moment.
struct LampInputs {
    bool hot;
    bool warn;
    bool stall;
    bool idle;
    bool no_signal;
    bool self_test;  // all lamps lit, LED cycles
    // When these inputs last changed (the payload's arrival, the NO SIGNAL bound, the end of the self-test).
    // A lamp that turns active starts its blink phase here rather than at the update that first sees it, so
    // the blink phase does not depend on how often update() runs.
    uint32_t changed_at;
    bool attn;  // a live session waits for the user (payload.attention > 0)
};

struct LampState {
    uint8_t active_mask;  // logical state (bit per lamp)
    uint8_t lit_mask;     // lit right now (blink phase applied) -- also the discrete LED pins
    int8_t top;           // top-priority active lamp, or -1 when none
    uint32_t rgb_led;     // RGB888 the LED shows right now
};

class Lamps {
  public:
    Lamps();
    // Recomputes the lamp state at `now` (ms). Wrap-safe; call as often as you like.
    const LampState& update(uint32_t now, const LampInputs& in);
    const LampState& state() const { return state_; }

  private:
    LampState state_;
    uint32_t since_[kLampCount];  // when each lamp turned active (its blink phase origin)
    uint32_t self_test_since_;
    bool was_self_test_;
};

// True when a lamp with `pattern` that turned active at `since` is lit at `now`.
bool blinkLit(const BlinkPattern& pattern, uint32_t since, uint32_t now);

}  // namespace gauge
