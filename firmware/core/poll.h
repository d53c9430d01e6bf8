// The poll state machine: when to ask the daemon for /usage, timeouts, backoff, rediscovery, NO SIGNAL.
// The HTTP I/O itself is behind a seam: the platform starts a request when tick() says StartRequest, and
// reports exactly one outcome per request with onResult() (Device::onUsage() reports Ok itself).
//
//   - Cadence: one request per cfg::kPollIntervalMs (1 Hz) measured start to start; never two in flight.
//   - Timeout: the HTTP client should give up after requestTimeoutMs(); if no result arrives within
//     cfg::kRequestHardTimeoutMs, tick() records a Timeout itself. A result that arrives after that (or with
//     no request in flight) changes nothing in the schedule and is not counted again; a late Ok still
//     refreshes the signal (its payload was valid).
//   - Backoff: after n consecutive failures the next request waits min(base << (n-1), max) from the failure:
//     1 s, 2 s, 4 s, 4 s ... One Ok resets it.
//   - Rediscovery: after cfg::kRediscoverAfterFailures consecutive network failures (Timeout, ConnectFailed)
//     wantsRediscovery() turns true until ackRediscovery(); it re-arms after another run of that many.
//   - NO SIGNAL: noSignal(now) is true when no Ok for cfg::kNoSignalAfterMs, counted from boot if none has
//     ever arrived. It latches in tick(), so it stays correct across uint32 millis wrap.
// All times are uint32 milliseconds (ESP32 millis()); differences are wrap-safe.
#pragma once

#include <stdint.h>

namespace gauge {

enum class PollAction : uint8_t { None, StartRequest };

enum class PollOutcome : uint8_t {
    Ok,             // 200 with a payload the decoder accepted
    HttpError,      // any non-2xx other than 401/403
    Timeout,        // the HTTP client (or the poller) gave up waiting
    ConnectFailed,  // DNS / TCP / TLS failure: the daemon is not reachable
    BadBody,        // 200 but the body is not JSON (truncated, garbage, not an object)
    Rejected,       // JSON, but the decoder rejected it (wrong version, no known field)
    Unauthorized,   // 401/403: token mismatch
    Count
};

const char* pollOutcomeName(PollOutcome o);  // "ok", "http_error", "timeout", "connect_failed", ...

struct PollStats {
    uint32_t requests;  // StartRequest actions issued
    uint32_t ok;        // Ok outcomes counted
    uint32_t failures;  // failure outcomes counted (including poller timeouts)
    uint32_t late;      // results that arrived with no request in flight (ignored for the schedule)
};

class Poller {
  public:
    Poller();
    // Resets everything; the first request starts on the first tick() at or after `now`.
    void boot(uint32_t now);
    // Call often (every loop). Returns StartRequest when the platform should start one GET /usage now.
    PollAction tick(uint32_t now);
    // Exactly one per started request. Results with no request in flight are counted in stats().late.
    void onResult(uint32_t now, PollOutcome outcome);

    bool inFlight() const { return in_flight_; }
    uint32_t requestTimeoutMs() const;
    // Delay before the next attempt after `failures` consecutive failures (0 -> the normal interval).
    static uint32_t backoffMs(uint32_t failures);
    uint32_t consecutiveFailures() const { return consecutive_failures_; }
    PollOutcome lastOutcome() const { return last_outcome_; }
    bool hasLastOutcome() const { return has_last_outcome_; }
    bool wantsRediscovery() const { return wants_rediscovery_; }
    void ackRediscovery() { wants_rediscovery_ = false; }
    bool everGood() const { return ever_good_; }
    bool noSignal(uint32_t now) const;
    // Milliseconds until the next request may start (0 when due or in flight).
    uint32_t msUntilNextPoll(uint32_t now) const;
    const PollStats& stats() const { return stats_; }

  private:
    void recordFailure(uint32_t now, PollOutcome outcome);
    void refreshSignal(uint32_t now);
    uint32_t boot_ms_;
    uint32_t last_good_ms_;
    uint32_t request_started_ms_;
    uint32_t next_poll_ms_;
    uint32_t consecutive_failures_;
    uint32_t consecutive_net_failures_;
    PollStats stats_;
    PollOutcome last_outcome_;
    bool has_last_outcome_;
    bool in_flight_;
    bool ever_good_;
    bool lost_;  // latched NO SIGNAL, cleared by the next Ok
    bool wants_rediscovery_;
};

}  // namespace gauge
