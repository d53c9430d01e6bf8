#include "poll.h"

#include "gauge_config.h"

namespace gauge {

namespace {
// True when `t` is at or before `now` (wrap-safe for times within +-24 days of each other).
bool reached(uint32_t now, uint32_t t) {
    return static_cast<int32_t>(now - t) >= 0;
}

bool isNetworkFailure(PollOutcome o) {
    return o == PollOutcome::Timeout || o == PollOutcome::ConnectFailed;
}
}  // namespace

const char* pollOutcomeName(PollOutcome o) {
    switch (o) {
        case PollOutcome::Ok:
            return "ok";
        case PollOutcome::HttpError:
            return "http_error";
        case PollOutcome::Timeout:
            return "timeout";
        case PollOutcome::ConnectFailed:
            return "connect_failed";
        case PollOutcome::BadBody:
            return "bad_body";
        case PollOutcome::Rejected:
            return "rejected";
        case PollOutcome::Unauthorized:
            return "unauthorized";
        case PollOutcome::Count:
            break;
    }
    return "unknown";
}

Poller::Poller() {
    boot(0);
}

void Poller::boot(uint32_t now) {
    boot_ms_ = now;
    last_good_ms_ = now;
    request_started_ms_ = now;
    next_poll_ms_ = now;
    consecutive_failures_ = 0;
    consecutive_net_failures_ = 0;
    stats_ = PollStats{0, 0, 0, 0};
    last_outcome_ = PollOutcome::Ok;
    has_last_outcome_ = false;
    in_flight_ = false;
    ever_good_ = false;
    lost_ = false;
    wants_rediscovery_ = false;
}

uint32_t Poller::requestTimeoutMs() const {
    return cfg::kRequestTimeoutMs;
}

uint32_t Poller::backoffMs(uint32_t failures) {
    if (failures == 0) return cfg::kPollIntervalMs;
    uint32_t delay = cfg::kBackoffBaseMs;
    for (uint32_t i = 1; i < failures && delay < cfg::kBackoffMaxMs; ++i) delay *= 2;
    return delay < cfg::kBackoffMaxMs ? delay : cfg::kBackoffMaxMs;
}

void Poller::refreshSignal(uint32_t now) {
    // Latching here (tick() runs every loop) keeps NO SIGNAL on even when the difference later wraps.
    if (noSignal(now)) lost_ = true;
}

bool Poller::noSignal(uint32_t now) const {
    if (lost_) return true;
    const uint32_t since = ever_good_ ? last_good_ms_ : boot_ms_;
    // A `now` slightly before `since` (a caller's out-of-order timestamp) is "no time passed", not 49 days.
    return static_cast<int32_t>(now - since) >= static_cast<int32_t>(cfg::kNoSignalAfterMs);
}

uint32_t Poller::msUntilNextPoll(uint32_t now) const {
    if (in_flight_ || reached(now, next_poll_ms_)) return 0;
    return next_poll_ms_ - now;
}

void Poller::recordFailure(uint32_t now, PollOutcome outcome) {
    in_flight_ = false;
    ++stats_.failures;
    ++consecutive_failures_;
    last_outcome_ = outcome;
    has_last_outcome_ = true;
    if (isNetworkFailure(outcome)) {
        ++consecutive_net_failures_;
        if (consecutive_net_failures_ % cfg::kRediscoverAfterFailures == 0) wants_rediscovery_ = true;
    } else {
        consecutive_net_failures_ = 0;  // something answered: the address is right
    }
    // A wrong token will not fix itself within a second; do not hammer the daemon.
    const uint32_t delay =
        outcome == PollOutcome::Unauthorized ? cfg::kBackoffMaxMs : backoffMs(consecutive_failures_);
    next_poll_ms_ = now + delay;
}

PollAction Poller::tick(uint32_t now) {
    if (in_flight_ && now - request_started_ms_ >= cfg::kRequestHardTimeoutMs) {
        recordFailure(now, PollOutcome::Timeout);
    }
    refreshSignal(now);
    if (in_flight_ || !reached(now, next_poll_ms_)) return PollAction::None;
    in_flight_ = true;
    request_started_ms_ = now;
    ++stats_.requests;
    return PollAction::StartRequest;
}

void Poller::onResult(uint32_t now, PollOutcome outcome) {
    if (outcome >= PollOutcome::Count) outcome = PollOutcome::BadBody;  // a garbage enum from glue code
    if (!in_flight_) {
        ++stats_.late;
        if (outcome == PollOutcome::Ok) {
            // The payload was valid even if late: keep the signal, but do not touch the schedule.
            ever_good_ = true;
            last_good_ms_ = now;
            lost_ = false;
        }
        return;
    }
    if (outcome != PollOutcome::Ok) {
        recordFailure(now, outcome);
        return;
    }
    in_flight_ = false;
    ++stats_.ok;
    consecutive_failures_ = 0;
    consecutive_net_failures_ = 0;
    wants_rediscovery_ = false;
    last_outcome_ = PollOutcome::Ok;
    has_last_outcome_ = true;
    ever_good_ = true;
    last_good_ms_ = now;
    lost_ = false;
    // Start to start: a 300 ms answer still polls again 1000 ms after the previous start.
    next_poll_ms_ = request_started_ms_ + cfg::kPollIntervalMs;
    if (!reached(next_poll_ms_, now)) next_poll_ms_ = now;  // answer took longer than the interval
}

}  // namespace gauge
