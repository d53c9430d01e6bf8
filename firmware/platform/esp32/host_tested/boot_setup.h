// How the gauge decides, at boot, between joining WiFi and opening the setup portal, and the setup gesture
// that works. "Hold BOOT at power-up" cannot: GPIO0 low at reset selects the ROM's download mode and the app
// never runs. Instead the BOOT button is read during a short window after the splash (or the serial `setup`
// command restarts into the portal). Header only and Arduino-free (tested natively by esp32-glue).
#pragma once

#include <stdint.h>

#include "app_config.h"

namespace gauge {
namespace esp32 {

// Watches one active-low button during the window that opens at begin(). A press counts when the button
// was seen released inside the window first and is then held for hold_ms (a press may finish after the
// window closes, as long as it started inside). A pin already low when the window opens -- a serial
// adapter's DTR/RTS wiring holding GPIO0 -- is never a press until it has been released.
class SetupGesture {
  public:
    SetupGesture(uint32_t window_ms = kSetupWindowMs, uint32_t hold_ms = kSetupHoldMs)
        : window_(window_ms),
          hold_(hold_ms),
          start_(0),
          down_at_(0),
          seen_up_(false),
          down_(false),
          triggered_(false) {}

    void begin(uint32_t now) {
        start_ = now;
        seen_up_ = down_ = triggered_ = false;
    }

    // One sample of the button (pressed = the pin reads low).
    void sample(uint32_t now, bool pressed) {
        if (triggered_) return;
        const bool in_window = now - start_ < window_;
        if (!pressed) {
            down_ = false;
            if (in_window) seen_up_ = true;
            return;
        }
        if (!down_) {
            if (!seen_up_ || !in_window) return;  // held since before the window, or pressed too late
            down_ = true;
            down_at_ = now;
        }
        if (now - down_at_ >= hold_) triggered_ = true;
    }

    bool triggered() const { return triggered_; }
    // Keep sampling while this is true: inside the window, or a press that began in it is still held.
    bool listening(uint32_t now) const { return !triggered_ && (now - start_ < window_ || down_); }

  private:
    uint32_t window_;
    uint32_t hold_;
    uint32_t start_;
    uint32_t down_at_;
    bool seen_up_;
    bool down_;
    bool triggered_;
};

// The serial `setup` command leaves this word in RTC memory that survives a software restart
// (RTC_NOINIT_ATTR) and restarts. RTC memory holds garbage after power-up, so the word only counts after a
// software reset.
constexpr uint32_t kSetupRequestMagic = 0x5E7C0DE5u;
inline bool setupRequested(uint32_t rtc_word, bool software_reset) {
    return software_reset && rtc_word == kSetupRequestMagic;
}

enum class BootWifi : uint8_t { Join, Portal };

// Join when credentials exist (compiled in, or saved by an earlier portal) and nobody asked for setup;
// otherwise open the portal. Joining never waits: the cluster runs (NO SIGNAL) while the station connects,
// and the WiFi supervisor keeps trying for as long as it takes -- the portal is never opened just because
// the network is slow or down (the router may be rebooting after the same power cut).
inline BootWifi planBootWifi(bool have_credentials, bool setup_asked) {
    return setup_asked || !have_credentials ? BootWifi::Portal : BootWifi::Join;
}

}  // namespace esp32
}  // namespace gauge
