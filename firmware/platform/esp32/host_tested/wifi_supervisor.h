// Keeping the WiFi link up for weeks: the reconnect policy, with time injected. The Arduino core's own
// auto-reconnect (WiFiGeneric.cpp, 2.0.17) retries only "reconnectable" reasons: AUTH_FAIL (which some APs
// send while they reboot) and ASSOC_LEAVE are not among them, and the gauge then stayed on NO SIGNAL until
// power-cycled. This policy does not look at reasons at all: whenever the link is down it tries again,
// forever, with a backoff -- and every few failed attempts it restarts the radio instead. The glue turns its
// actions into WiFi.disconnect() + WiFi.begin() and WiFi.mode(WIFI_OFF) / WiFi.mode(WIFI_STA) + begin().
// Header only and Arduino-free (tested natively by esp32-glue, including hours of a flapping AP).
#pragma once

#include <stdint.h>

#include "app_config.h"
#include "timers.h"

namespace gauge {
namespace esp32 {

enum class WifiAction : uint8_t { None, Reconnect, RestartRadio };

struct WifiPolicy {
    uint32_t first_retry_ms;       // wait after a drop before the first attempt
    uint32_t attempt_ms;           // an attempt not connected within this failed
    uint32_t backoff_base_ms;      // wait after the n-th failed attempt: base << (n-1) ...
    uint32_t backoff_max_ms;       // ... capped here
    uint32_t stable_ms;            // a link that lasted less than this was a flap: the backoff keeps growing
    uint32_t radio_restart_every;  // every n-th attempt restarts the radio (0 = never)
};

constexpr WifiPolicy kWifiPolicy{kWifiFirstRetryMs, kWifiAttemptMs, kWifiBackoffBaseMs,
                                 kWifiBackoffMaxMs, kWifiStableMs,  kWifiRadioRestartEvery};

class WifiSupervisor {
  public:
    explicit WifiSupervisor(const WifiPolicy& p = kWifiPolicy)
        : p_(p),
          state_(State::Attempting),
          since_(0),
          until_(0),
          failed_(0),
          attempts_(0),
          drops_(0),
          radio_restarts_(0) {}

    // A join attempt was just started (WiFi.begin() at boot, or the portal connected: call tick() next).
    void begin(uint32_t now) {
        state_ = State::Attempting;
        since_ = now;
        failed_ = 0;
        ++attempts_;
    }

    // Call every loop with whether the station has an address (WiFi.status() == WL_CONNECTED).
    WifiAction tick(uint32_t now, bool connected) {
        switch (state_) {
            case State::Connected:
                if (connected) return WifiAction::None;
                ++drops_;
                // A link that just came up and went again is a flap, not a recovery: keep backing off.
                if (now - since_ < p_.stable_ms)
                    ++failed_;
                else
                    failed_ = 0;
                wait(now, failed_ == 0 ? p_.first_retry_ms : backoff(failed_));
                return WifiAction::None;
            case State::Attempting:
                if (connected) return up(now);
                if (now - since_ < p_.attempt_ms) return WifiAction::None;
                ++failed_;
                wait(now, backoff(failed_));
                return WifiAction::None;
            case State::Waiting:
                if (connected) return up(now);  // the driver made it on its own
                if (!reachedMs(now, until_)) return WifiAction::None;
                state_ = State::Attempting;
                since_ = now;
                ++attempts_;
                if (p_.radio_restart_every != 0 && failed_ != 0 && failed_ % p_.radio_restart_every == 0) {
                    ++radio_restarts_;
                    return WifiAction::RestartRadio;
                }
                return WifiAction::Reconnect;
        }
        return WifiAction::None;
    }

    bool connected() const { return state_ == State::Connected; }
    uint32_t failedAttempts() const { return failed_; }  // since the last stable link
    uint32_t attempts() const { return attempts_; }
    uint32_t drops() const { return drops_; }
    uint32_t radioRestarts() const { return radio_restarts_; }
    // Wait before the attempt after `failed` failed ones.
    uint32_t backoff(uint32_t failed) const {
        if (failed == 0) return p_.first_retry_ms;
        uint32_t d = p_.backoff_base_ms;
        for (uint32_t i = 1; i < failed && d < p_.backoff_max_ms; ++i) d *= 2;
        return d < p_.backoff_max_ms ? d : p_.backoff_max_ms;
    }

  private:
    enum class State : uint8_t { Connected, Attempting, Waiting };

    WifiAction up(uint32_t now) {
        state_ = State::Connected;
        since_ = now;
        return WifiAction::None;
    }
    void wait(uint32_t now, uint32_t ms) {
        state_ = State::Waiting;
        until_ = now + ms;
    }

    WifiPolicy p_;
    State state_;
    uint32_t since_;  // Connected: link up since; Attempting: attempt started
    uint32_t until_;  // Waiting: next attempt
    uint32_t failed_;
    uint32_t attempts_;
    uint32_t drops_;
    uint32_t radio_restarts_;
};

}  // namespace esp32
}  // namespace gauge
