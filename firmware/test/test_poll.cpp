// Poller: cadence, timeouts, backoff, rediscovery, NO SIGNAL bound, millis() wrap.
#include <doctest/doctest.h>

#include <stdint.h>

#include <string>
#include <vector>

#include "gauge_config.h"
#include "poll.h"

using gauge::PollAction;
using gauge::Poller;
using gauge::PollOutcome;
namespace cfg = gauge::cfg;

namespace {
// Ticks every ms from `from` to `to` (inclusive), answering each request Ok at once; returns the start times.
std::vector<uint32_t> runTicks(Poller& p, uint32_t from, uint32_t to) {
    std::vector<uint32_t> starts;
    for (uint32_t t = from;; ++t) {
        if (p.tick(t) == PollAction::StartRequest) {
            starts.push_back(t);
            p.onResult(t, PollOutcome::Ok);
        }
        if (t == to) break;
    }
    return starts;
}
}  // namespace

TEST_CASE("Poll: polls at 1 Hz start to start, never two in flight") {
    Poller p;
    p.boot(0);
    CHECK(p.tick(0) == PollAction::StartRequest);
    CHECK(p.inFlight());
    CHECK(p.tick(1) == PollAction::None);
    CHECK(p.tick(999) == PollAction::None);
    p.onResult(300, PollOutcome::Ok);
    CHECK(p.tick(999) == PollAction::None);
    CHECK(p.msUntilNextPoll(999) == 1);
    CHECK(p.tick(1000) == PollAction::StartRequest);
    p.onResult(1800, PollOutcome::Ok);  // slow answer (800 ms)
    CHECK(p.tick(1999) == PollAction::None);
    CHECK(p.tick(2000) == PollAction::StartRequest);
    p.onResult(3500, PollOutcome::Ok);  // slower than the interval: poll again at once
    CHECK(p.tick(3500) == PollAction::StartRequest);
    CHECK(p.stats().requests == 4);
    CHECK(p.stats().ok == 3);
}

TEST_CASE("Poll: a request that never reports times out in tick") {
    Poller p;
    p.boot(0);
    REQUIRE(p.tick(0) == PollAction::StartRequest);
    CHECK(p.requestTimeoutMs() == cfg::kRequestTimeoutMs);
    CHECK(p.tick(cfg::kRequestHardTimeoutMs - 1) == PollAction::None);
    CHECK(p.inFlight());
    p.tick(cfg::kRequestHardTimeoutMs);
    CHECK_FALSE(p.inFlight());
    CHECK(p.lastOutcome() == PollOutcome::Timeout);
    CHECK(p.consecutiveFailures() == 1);
    // The HTTP client reporting afterwards is late: not counted again, schedule unchanged.
    const uint32_t wait = p.msUntilNextPoll(cfg::kRequestHardTimeoutMs + 10);
    p.onResult(cfg::kRequestHardTimeoutMs + 10, PollOutcome::Timeout);
    CHECK(p.stats().failures == 1);
    CHECK(p.stats().late == 1);
    CHECK(p.consecutiveFailures() == 1);
    CHECK(p.msUntilNextPoll(cfg::kRequestHardTimeoutMs + 10) == wait);
}

TEST_CASE("Poll: backoff sequence 1 s, 2 s, 4 s, capped at 4 s, reset by one success") {
    CHECK(Poller::backoffMs(0) == 1000);
    CHECK(Poller::backoffMs(1) == 1000);
    CHECK(Poller::backoffMs(2) == 2000);
    CHECK(Poller::backoffMs(3) == 4000);
    CHECK(Poller::backoffMs(4) == 4000);
    CHECK(Poller::backoffMs(1000000) == 4000);

    Poller p;
    p.boot(0);
    // Connection refused instantly each time: the gaps between attempts grow 1, 2, 4, 4 s.
    std::vector<uint32_t> starts;
    for (uint32_t t = 0; t <= 20000; ++t) {
        if (p.tick(t) == PollAction::StartRequest) {
            starts.push_back(t);
            p.onResult(t, PollOutcome::ConnectFailed);
        }
    }
    REQUIRE(starts.size() >= 6);
    CHECK(starts[0] == 0);
    CHECK(starts[1] == 1000);
    CHECK(starts[2] == 3000);
    CHECK(starts[3] == 7000);
    CHECK(starts[4] == 11000);
    CHECK(starts[5] == 15000);
    // The daemon is back: the next attempt succeeds and the 1 Hz cadence resumes.
    REQUIRE(p.tick(23000) == PollAction::StartRequest);
    p.onResult(23010, PollOutcome::Ok);
    CHECK(p.consecutiveFailures() == 0);
    CHECK(runTicks(p, 23001, 26000) == std::vector<uint32_t>{24000, 25000, 26000});
}

TEST_CASE("Poll: unauthorized backs off to the cap at once") {
    Poller p;
    p.boot(0);
    REQUIRE(p.tick(0) == PollAction::StartRequest);
    p.onResult(10, PollOutcome::Unauthorized);
    CHECK(p.msUntilNextPoll(10) == cfg::kBackoffMaxMs);
}

TEST_CASE("Poll: rediscovery after N network failures, once, re-armed by another run") {
    Poller p;
    p.boot(0);
    uint32_t t = 0;
    auto failOnce = [&](PollOutcome o) {
        while (p.tick(t) != PollAction::StartRequest) ++t;
        p.onResult(t, o);
    };
    for (uint32_t i = 0; i + 1 < cfg::kRediscoverAfterFailures; ++i) failOnce(PollOutcome::ConnectFailed);
    CHECK_FALSE(p.wantsRediscovery());
    failOnce(PollOutcome::Timeout);
    CHECK(p.wantsRediscovery());
    p.ackRediscovery();
    CHECK_FALSE(p.wantsRediscovery());
    failOnce(PollOutcome::ConnectFailed);
    CHECK_FALSE(p.wantsRediscovery());  // not on every poll
    for (uint32_t i = 1; i < cfg::kRediscoverAfterFailures; ++i) failOnce(PollOutcome::ConnectFailed);
    CHECK(p.wantsRediscovery());
    p.ackRediscovery();
    // HTTP errors mean the daemon answered: the address is right, no rediscovery.
    for (uint32_t i = 0; i < 3 * cfg::kRediscoverAfterFailures; ++i) failOnce(PollOutcome::HttpError);
    CHECK_FALSE(p.wantsRediscovery());
}

TEST_CASE("Poll: NO SIGNAL at the bound from boot when nothing ever arrived") {
    Poller p;
    p.boot(100);
    p.tick(100);
    CHECK_FALSE(p.noSignal(100 + cfg::kNoSignalAfterMs - 1));
    CHECK(p.noSignal(100 + cfg::kNoSignalAfterMs));
    CHECK_FALSE(p.everGood());
}

TEST_CASE("Poll: NO SIGNAL at the bound after the last good payload, and recovery") {
    Poller p;
    p.boot(0);
    REQUIRE(p.tick(0) == PollAction::StartRequest);
    p.onResult(200, PollOutcome::Ok);
    // Everything after fails (bodies rejected, HTTP 500s...).
    for (uint32_t t = 201; t < 200 + cfg::kNoSignalAfterMs; ++t) {
        if (p.tick(t) == PollAction::StartRequest) p.onResult(t + 5, PollOutcome::BadBody);
        CHECK_FALSE(p.noSignal(t));
    }
    p.tick(200 + cfg::kNoSignalAfterMs);
    CHECK(p.noSignal(200 + cfg::kNoSignalAfterMs));
    uint32_t t = 200 + cfg::kNoSignalAfterMs;
    while (p.tick(t) != PollAction::StartRequest) ++t;
    p.onResult(t + 20, PollOutcome::Ok);
    CHECK_FALSE(p.noSignal(t + 20));
}

TEST_CASE("Poll: a late Ok still refreshes the signal without disturbing the schedule") {
    Poller p;
    p.boot(0);
    REQUIRE(p.tick(0) == PollAction::StartRequest);
    p.tick(cfg::kRequestHardTimeoutMs);  // poller gives up
    REQUIRE_FALSE(p.inFlight());
    const uint32_t wait = p.msUntilNextPoll(cfg::kRequestHardTimeoutMs + 1);
    p.onResult(cfg::kRequestHardTimeoutMs + 1, PollOutcome::Ok);
    CHECK(p.everGood());
    CHECK(p.stats().ok == 0);
    CHECK(p.stats().late == 1);
    CHECK(p.msUntilNextPoll(cfg::kRequestHardTimeoutMs + 1) == wait);
    CHECK_FALSE(p.noSignal(cfg::kRequestHardTimeoutMs + cfg::kNoSignalAfterMs));
}

TEST_CASE("Poll: garbage outcome values from glue code count as bad bodies") {
    Poller p;
    p.boot(0);
    REQUIRE(p.tick(0) == PollAction::StartRequest);
    p.onResult(5, static_cast<PollOutcome>(99));
    CHECK(p.lastOutcome() == PollOutcome::BadBody);
    CHECK(std::string(gauge::pollOutcomeName(PollOutcome::ConnectFailed)) == "connect_failed");
}

TEST_CASE("Poll: uint32 millis wrap keeps cadence, timeouts and the NO SIGNAL bound") {
    Poller p;
    const uint32_t boot = 0xFFFFFFFFu - 2500u;
    p.boot(boot);
    std::vector<uint32_t> starts;
    uint32_t t = boot;
    uint32_t answer_at = 0;
    bool pending = false;
    for (int i = 0; i < 6000; ++i, ++t) {
        if (p.tick(t) == PollAction::StartRequest) {
            starts.push_back(t);
            answer_at = t + 50;
            pending = true;
        }
        if (pending && t == answer_at) {
            p.onResult(t, PollOutcome::Ok);
            pending = false;
        }
        CHECK_FALSE(p.noSignal(t));
    }
    REQUIRE(starts.size() == 6);
    for (size_t i = 1; i < starts.size(); ++i) CHECK(starts[i] - starts[i - 1] == 1000u);
    CHECK(starts[3] < 1000u);  // wrapped past zero
    // The daemon vanishes: 5 s after the last good answer the signal is lost.
    const uint32_t last_good = starts.back() + 50;
    for (uint32_t u = t; u != last_good + cfg::kNoSignalAfterMs + 1; ++u) p.tick(u);
    CHECK(p.noSignal(last_good + cfg::kNoSignalAfterMs));
    // Latched: even ~49 days later (when the unsigned difference would wrap) it stays lost.
    CHECK(p.noSignal(last_good + 0xFFFFFFF0u));
}

TEST_CASE("Poll: a result stamped slightly ahead of the next tick is not 49 days old") {
    Poller p;
    p.boot(0);
    REQUIRE(p.tick(0) == PollAction::StartRequest);
    p.onResult(60, PollOutcome::Ok);  // the platform read millis() after the loop's `now`
    CHECK(p.tick(50) == PollAction::None);
    CHECK_FALSE(p.noSignal(50));
    CHECK_FALSE(p.noSignal(60 + cfg::kNoSignalAfterMs - 1));
    CHECK(p.noSignal(60 + cfg::kNoSignalAfterMs));
}
