// Time-injected timers of the ESP32 glue: one deadline per request, a pacer for periodic work, the poll
// task's liveness rule, and a retry backoff. All times are uint32 milliseconds (millis()); every comparison
// is wrap-safe for spans under 24 days. Header only and Arduino-free: `make -C firmware esp32-glue` tests it.
#pragma once

#include <stdint.h>

namespace gauge {
namespace esp32 {

// True when `t` is at or before `now`.
inline bool reachedMs(uint32_t now, uint32_t t) {
    return static_cast<int32_t>(now - t) >= 0;
}

// One budget for a whole operation (DNS + connect + send + response head + body): every wait inside it asks
// slice() how long it may block, so the operation as a whole ends by start + budget whatever the network
// does in any one phase.
class Deadline {
  public:
    Deadline(uint32_t start, uint32_t budget_ms) : start_(start), budget_(budget_ms) {}
    uint32_t start() const { return start_; }
    uint32_t budget() const { return budget_; }
    uint32_t elapsed(uint32_t now) const { return now - start_; }
    uint32_t remaining(uint32_t now) const {
        const uint32_t e = now - start_;
        return e >= budget_ ? 0 : budget_ - e;
    }
    bool expired(uint32_t now) const { return remaining(now) == 0; }
    // How long one blocking wait may last: at most `max_ms`, never past the deadline.
    uint32_t slice(uint32_t now, uint32_t max_ms) const {
        const uint32_t r = remaining(now);
        return r < max_ms ? r : max_ms;
    }

  private:
    uint32_t start_;
    uint32_t budget_;
};

// due(now) is true on the first call and then at most once per period (measured from the last true).
class Pacer {
  public:
    explicit Pacer(uint32_t period_ms) : period_(period_ms), last_(0), started_(false) {}
    bool due(uint32_t now) {
        if (started_ && now - last_ < period_) return false;
        started_ = true;
        last_ = now;
        return true;
    }

  private:
    uint32_t period_;
    uint32_t last_;
    bool started_;
};

// The poll task's liveness rule. The task stamps a heartbeat (millis) at every wait slice and at least every
// second while idle; the main loop restarts the board when the newest stamp is older than `limit_ms`. The
// limit is many request budgets long, so a slow network can never trip it: only a task that stopped can.
inline bool heartbeatStale(uint32_t now, uint32_t last_beat, uint32_t limit_ms) {
    // A stamp slightly ahead of `now` (written on the other core after `now` was read) is fresh.
    return static_cast<int32_t>(now - last_beat) > static_cast<int32_t>(limit_ms);
}

// Retry with a doubling delay after each failure, reset by a success: first retry after base_ms, then
// 2x, 4x ... capped at max_ms. For things that fail for lack of a resource that may come back (a sprite the
// heap refused once): try again now and then, never every frame.
class RetryBackoff {
  public:
    RetryBackoff(uint32_t base_ms, uint32_t max_ms) : base_(base_ms), max_(max_ms), failures_(0), next_(0) {}
    bool mayTry(uint32_t now) const { return failures_ == 0 || reachedMs(now, next_); }
    void failed(uint32_t now) {
        ++failures_;
        uint32_t d = base_;
        for (uint32_t i = 1; i < failures_ && d < max_; ++i) d *= 2;
        next_ = now + (d < max_ ? d : max_);
    }
    void succeeded() { failures_ = 0; }
    uint32_t failures() const { return failures_; }

  private:
    uint32_t base_;
    uint32_t max_;
    uint32_t failures_;
    uint32_t next_;
};

// For a resource that can only be retried by rebuilding it (the dial sprites: main.cpp), called after each
// use with whether some of it is missing: true when a rebuild is due -- first 5 s after it went missing,
// then on the backoff -- and never while nothing is missing.
inline bool rebuildDue(RetryBackoff& r, uint32_t now, bool missing) {
    if (!missing) {
        r.succeeded();
        return false;
    }
    if (r.failures() == 0) {
        r.failed(now);  // just noticed: the first try after the base delay
        return false;
    }
    if (!r.mayTry(now)) return false;
    r.failed(now);  // the next try, should this one fail too
    return true;
}

}  // namespace esp32
}  // namespace gauge
