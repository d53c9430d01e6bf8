// PollSession (poll_session.h) on a simulated network with a driven clock: every request ends within the
// budget the core gives it, whatever the daemon, DNS or mDNS do; and hours-long runs of a dead, black-holed,
// slow, trickling and flapping daemon (and a flapping AP) through the real core (Device) and PollBridge,
// with the poll task modelled as what it is -- busy from a request's start until its result.
#include <doctest/doctest.h>

#include <stdio.h>
#include <string.h>

#include <string>

#include "device.h"
#include "poll_bridge.h"
#include "poll_session.h"
#include "sim_net.h"

using namespace gauge;
using namespace gauge::esp32;
using simnet::Behaviour;
using simnet::SimNet;

namespace {

// The decoder stand-in: the simulated daemon's payload is Ok, anything else is not a payload.
struct SimDecode {
    int calls = 0;
    BodyDecode operator()(const char* body, size_t len, Usage& out) {
        ++calls;
        if (std::string(body, len) != simnet::payloadBody())
            return BodyDecode{PollOutcome::BadBody, DecodeStatus::NotStarted, 1};
        out = usageDefaults();
        out.rate_1m = 600000;
        return BodyDecode{PollOutcome::Ok, DecodeStatus::Ok, 0};
    }
};

constexpr const char* kUrl = "http://192.168.1.20:8787/usage";
constexpr const char* kNamedUrl = "http://desk-pc.lan:8787/usage";

struct OneShot {
    SimNet net;
    PollSession<SimNet> session{net};
    SimDecode decode;
    char body[cfg::kMaxBodyBytes + 1];
    Usage usage = usageDefaults();

    PollReport run(const char* url = kUrl, const char* token = "", uint32_t budget = cfg::kRequestTimeoutMs) {
        PollReport r;
        net.max_block_ms = 0;
        session.run(url, token, budget, body, sizeof body, decode, usage, &r);
        CHECK_MESSAGE(r.elapsed_ms <= budget, "a request outlived its budget: ", r.elapsed_ms, " ms");
        CHECK(net.max_block_ms <= kIoSliceMs);
        return r;
    }
};

// The ESP32 app's loop and poll task, in one thread: the loop ticks every 10 ms; a started request occupies
// the task from its start until start + elapsed, and its result reaches the core when the loop gets there.
struct Rig {
    SimNet net;
    PollSession<SimNet> session{net};
    SimDecode decode;
    Device dev;
    PollBridge bridge;
    char body[cfg::kMaxBodyBytes + 1];
    const char* url = kUrl;

    bool task_busy = false;
    uint32_t task_done_at = 0;
    uint32_t task_id = 0;
    PollReport task_report{};
    Usage task_usage = usageDefaults();
    uint32_t next_id = 1;

    // Observations.
    uint32_t results = 0;      // results the task delivered
    uint32_t over_budget = 0;  // requests longer than their budget
    uint32_t max_request_ms = 0;
    uint32_t max_heartbeat_gap = 0;
    uint32_t last_beat = 0;
    uint32_t outcome_count[static_cast<int>(PollOutcome::Count)] = {};

    void boot(uint32_t t0) {
        net.t = t0;
        dev.boot(t0);
        last_beat = t0;
    }

    void step(uint32_t now) {
        // The idle task wakes at least every kPollIdleBeatMs (its queue wait), so between requests the
        // heartbeat is at most that old.
        while (!task_busy && now - last_beat >= kPollIdleBeatMs) beat(last_beat + kPollIdleBeatMs);
        if (task_busy && static_cast<int32_t>(now - task_done_at) >= 0) {
            task_busy = false;
            ++results;
            ++outcome_count[static_cast<int>(task_report.outcome)];
            bridge.finished(dev, now, task_id, task_report.outcome, task_usage);
        }
        if (dev.tick(now) == PollAction::StartRequest) {
            const uint32_t id = task_busy ? 0 : next_id++;
            bridge.started(dev, now, id);
            if (id != 0) runTask(now, id);
        }
        if (dev.wantsRediscovery()) {
            session.finder().want();
            dev.ackRediscovery();
        }
    }

    void runTask(uint32_t now, uint32_t id) {
        beat(now);
        net.t = now;
        net.max_block_ms = 0;
        const uint32_t budget = dev.requestTimeoutMs();
        session.run(url, "", budget, body, sizeof body, decode, task_usage, &task_report);
        if (task_report.elapsed_ms > budget) ++over_budget;
        if (task_report.elapsed_ms > max_request_ms) max_request_ms = task_report.elapsed_ms;
        // Inside the request the task beats at every wait slice.
        if (net.max_block_ms > max_heartbeat_gap) max_heartbeat_gap = net.max_block_ms;
        task_busy = true;
        task_id = id;
        task_done_at = now + task_report.elapsed_ms;
        last_beat = task_done_at;
    }

    void beat(uint32_t now) {
        if (now - last_beat > max_heartbeat_gap) max_heartbeat_gap = now - last_beat;
        last_beat = now;
    }

    // Runs [from, to) in 10 ms loop steps.
    void run(uint32_t from, uint32_t to) {
        for (uint32_t now = from; now != to; now += 10) step(now);
    }

    bool live(uint32_t now) const { return !dev.poller().noSignal(now); }
    uint32_t count(PollOutcome o) const { return outcome_count[static_cast<int>(o)]; }
};

constexpr uint32_t kMinute = 60u * 1000u;
constexpr uint32_t kHour = 60u * kMinute;

// The invariants every long run must keep, whatever the daemon did.
void checkInvariants(const Rig& rig) {
    const PollStats& s = rig.dev.poller().stats();
    MESSAGE("simulated ", rig.net.t / 60000, " min: requests=", s.requests, " ok=", s.ok,
            " timeout=", rig.count(PollOutcome::Timeout),
            " connect_failed=", rig.count(PollOutcome::ConnectFailed),
            " longest request=", rig.max_request_ms, " ms (budget ", cfg::kRequestTimeoutMs,
            ") longest heartbeat gap=", rig.max_heartbeat_gap, " ms, busy refusals=", rig.bridge.refused());
    // Every request ended within its budget, so the task was never still busy when the next one was due...
    CHECK(rig.over_budget == 0);
    CHECK(rig.max_request_ms <= cfg::kRequestTimeoutMs);
    CHECK(rig.bridge.refused() == 0);
    // ... and every failure the core counted is one the task reported: none came from the core's own hard
    // timeout, and none was counted twice (a slow answer is one failure, not a timeout and then a "busy").
    CHECK(s.late == 0);
    CHECK(s.requests == rig.results + (rig.task_busy ? 1u : 0u));
    CHECK(s.ok + s.failures == rig.results);
    CHECK(rig.bridge.dropped() == 0);
    // The heartbeat never went quiet for anything near the liveness limit.
    CHECK(rig.max_heartbeat_gap <= kPollIdleBeatMs);
    CHECK(rig.max_heartbeat_gap < kPollTaskStallMs);
}

}  // namespace

// ---- One request at a time
TEST_CASE("Session: a healthy daemon answers Ok, and the connection is kept alive for the next request") {
    OneShot s;
    PollReport r = s.run();
    CHECK(r.outcome == PollOutcome::Ok);
    CHECK(r.phase == PollPhase::Done);
    CHECK(r.http_status == 200);
    CHECK_FALSE(r.reused);
    CHECK(s.usage.rate_1m == doctest::Approx(600000));
    s.net.t += 1000;
    r = s.run();
    CHECK(r.outcome == PollOutcome::Ok);
    CHECK(r.reused);
    CHECK(s.net.connects == 1);
    CHECK(s.net.requests_received == 2);
}

TEST_CASE("Session: the deadline covers DNS, connect, head and body together, never one phase at a time") {
    SUBCASE("a black-holed host (SYN unanswered) is a Timeout at the budget") {
        OneShot s;
        s.net.daemon = [](uint32_t) { return Behaviour{Behaviour::BlackHole, 0, 0}; };
        const PollReport r = s.run();
        CHECK(r.outcome == PollOutcome::Timeout);
        CHECK(r.phase == PollPhase::Connect);
        CHECK(r.elapsed_ms == cfg::kRequestTimeoutMs);
    }
    SUBCASE("a refused connection fails at once, not at the budget") {
        OneShot s;
        s.net.daemon = [](uint32_t) { return Behaviour{Behaviour::Refuse, 0, 0}; };
        const PollReport r = s.run();
        CHECK(r.outcome == PollOutcome::ConnectFailed);
        CHECK(r.phase == PollPhase::Connect);
        CHECK(r.elapsed_ms < 100);
    }
    SUBCASE("a daemon that reads the request and never answers") {
        OneShot s;
        s.net.daemon = [](uint32_t) { return Behaviour{Behaviour::Silent, 0, 0}; };
        const PollReport r = s.run();
        CHECK(r.outcome == PollOutcome::Timeout);
        CHECK(r.phase == PollPhase::Head);
        CHECK(r.elapsed_ms == cfg::kRequestTimeoutMs);
    }
    SUBCASE(
        "a trickling daemon (one byte every 200 ms, each under any per-read timeout) is cut at the budget") {
        OneShot s;
        s.net.daemon = [](uint32_t) { return Behaviour{Behaviour::Trickle, 10, 200}; };
        const PollReport r = s.run();
        CHECK(r.outcome == PollOutcome::Timeout);
        CHECK(r.phase == PollPhase::Head);
        CHECK(r.elapsed_ms == cfg::kRequestTimeoutMs);
        CHECK_FALSE(s.net.isOpen());  // a half-read answer must not be read as the next one's
    }
    SUBCASE("a head, then silence: the body gets only what is left") {
        OneShot s;
        s.net.daemon = [](uint32_t) { return Behaviour{Behaviour::StallAfterHead, 900, 0}; };
        const PollReport r = s.run();
        CHECK(r.outcome == PollOutcome::Timeout);
        CHECK(r.phase == PollPhase::Body);
        CHECK(r.http_status == 200);
        CHECK(r.elapsed_ms == cfg::kRequestTimeoutMs);
    }
    SUBCASE("slow but within the budget is Ok; slower is one Timeout") {
        OneShot s;
        s.net.daemon = [](uint32_t) { return Behaviour{Behaviour::Slow, 1300, 0}; };
        CHECK(s.run().outcome == PollOutcome::Ok);
        s.net.close();
        s.net.daemon = [](uint32_t) { return Behaviour{Behaviour::Slow, 1600, 0}; };
        const PollReport r = s.run();
        CHECK(r.outcome == PollOutcome::Timeout);
        CHECK(r.elapsed_ms == cfg::kRequestTimeoutMs);
    }
    SUBCASE(
        "a DNS server that never answers: Timeout at the budget; the lookup keeps running, not restarted") {
        OneShot s;
        s.net.dns_delay_ms = 3000;
        PollReport r = s.run(kNamedUrl);
        CHECK(r.outcome == PollOutcome::Timeout);
        CHECK(r.phase == PollPhase::Resolve);
        CHECK(r.elapsed_ms == cfg::kRequestTimeoutMs);
        s.net.t += 1000;
        r = s.run(kNamedUrl);  // the answer arrives 3 s after the lookup started, inside this request
        CHECK(r.outcome == PollOutcome::Ok);
        CHECK(s.net.dns_lookups == 1);
    }
    SUBCASE("a DNS failure is ConnectFailed") {
        OneShot s;
        s.net.dns_delay_ms = simnet::kNever;
        s.net.dns_fail_after_ms = 300;
        const PollReport r = s.run(kNamedUrl);
        CHECK(r.outcome == PollOutcome::ConnectFailed);
        CHECK(r.phase == PollPhase::Resolve);
    }
}

TEST_CASE(
    "Session: 204 and 304 end at once -- they carry no body to wait for -- and are not network failures") {
    OneShot s;
    s.net.daemon = [](uint32_t) { return Behaviour{Behaviour::NoContent, 10, 0}; };
    PollReport r = s.run();
    CHECK(r.outcome == PollOutcome::BadBody);
    CHECK(r.http_status == 204);
    CHECK(r.elapsed_ms < 100);
    CHECK(s.net.isOpen());  // nothing unread: the connection stays usable
    s.net.daemon = [](uint32_t) { return Behaviour{Behaviour::NotModified, 10, 0}; };
    r = s.run();
    CHECK(r.outcome == PollOutcome::HttpError);
    CHECK(r.http_status == 304);
    CHECK(r.elapsed_ms < 100);
    CHECK(r.reused);
}

TEST_CASE(
    "Session: a kept-alive connection the daemon dropped while idle is replaced within the same request") {
    OneShot s;
    s.net.server_idle_close_ms = 3000;
    CHECK(s.run().outcome == PollOutcome::Ok);
    s.net.t += 3500;  // longer than the daemon keeps an idle connection
    const PollReport r = s.run();
    CHECK(r.outcome == PollOutcome::Ok);
    CHECK_FALSE(r.reused);  // the retry went over a new connection
    CHECK(s.net.connects == 2);
}

TEST_CASE("Session: no WiFi, or no address yet, fails at once") {
    OneShot s;
    s.net.link = [](uint32_t) { return false; };
    PollReport r = s.run();
    CHECK(r.outcome == PollOutcome::ConnectFailed);
    CHECK(r.phase == PollPhase::Link);
    CHECK(r.elapsed_ms == 0);
    s.net.link = [](uint32_t) { return true; };
    r = s.run("");  // mDNS has not found anything yet
    CHECK(r.outcome == PollOutcome::ConnectFailed);
    CHECK(r.phase == PollPhase::Address);
    CHECK(r.elapsed_ms == 0);
}

TEST_CASE("Session: a new URL never goes down the old daemon's connection") {
    OneShot s;
    CHECK(s.run().outcome == PollOutcome::Ok);
    s.net.daemon_ip = (192u << 24) | (168u << 16) | (1u << 8) | 21u;
    const PollReport r = s.run("http://192.168.1.21:8787/usage");
    CHECK(r.outcome == PollOutcome::Ok);
    CHECK_FALSE(r.reused);
    CHECK(s.net.connects == 2);
}

TEST_CASE("Session: mDNS discovery runs beside the requests and never inside one's budget") {
    OneShot s;
    s.session.finder().want();
    PollReport r = s.run("");
    CHECK(r.outcome == PollOutcome::ConnectFailed);  // no address yet: fails fast, no waiting on mDNS
    CHECK(r.elapsed_ms == 0);
    CHECK(s.net.mdns_queries == 1);
    // The task steps discovery while idle; the query ends after its lifetime.
    for (int i = 0; i < 4; ++i) {
        s.net.t += 1000;
        s.session.idle();
    }
    CHECK(std::string(s.session.finder().url()) == "http://192.168.1.20:8787/usage");
    CHECK(s.session.finder().takeEvent() == FinderEvent::Found);
    r = s.run("");
    CHECK(r.outcome == PollOutcome::Ok);
    // Asking again while a lookup runs does not start a second one.
    s.session.finder().want();
    s.session.idle();
    s.session.finder().want();
    s.session.idle();
    CHECK(s.net.mdns_queries == 2);
}

TEST_CASE("Session: the full bearer token goes out, at the longest length the device accepts") {
    OneShot s;
    const std::string token(kMaxTokenBytes, 'T');
    const PollReport r = s.run(kUrl, token.c_str());
    CHECK(r.outcome == PollOutcome::Ok);
    // The request the daemon received carried every byte (formatRequest is covered in detail elsewhere).
    char req[kMaxRequestBytes];
    DaemonUrl u;
    REQUIRE(parseDaemonUrl(kUrl, &u));
    const size_t n = formatRequest(req, sizeof req, u, token.c_str());
    REQUIRE(n > 0);
    CHECK(std::string(req, n).find("Authorization: Bearer " + token + "\r\n") != std::string::npos);
}

// ---- Hours of it, through the real core
TEST_CASE(
    "Long run: a dead daemon (refusing) for 3 h, then back: NO SIGNAL throughout, one failure per request") {
    Rig rig;
    rig.net.daemon = [](uint32_t t) {
        return t < 3 * kHour ? Behaviour{Behaviour::Refuse, 0, 0} : Behaviour{};
    };
    rig.boot(0);
    rig.run(0, 3 * kHour);
    CHECK_FALSE(rig.live(3 * kHour));
    CHECK(rig.dev.poller().stats().ok == 0);
    CHECK(rig.count(PollOutcome::ConnectFailed) == rig.results);
    rig.run(3 * kHour, 3 * kHour + kMinute);
    CHECK(rig.live(3 * kHour + kMinute));
    // Back within the backoff cap plus one request.
    CHECK(rig.dev.poller().stats().ok > 50);
    checkInvariants(rig);
}

TEST_CASE("Long run: a black-holed daemon (every request hits the budget) for 2 h counts each request once") {
    Rig rig;
    rig.net.daemon = [](uint32_t t) {
        return t < 2 * kHour ? Behaviour{Behaviour::BlackHole, 0, 0} : Behaviour{};
    };
    rig.boot(0);
    rig.run(0, 2 * kHour + kMinute);
    CHECK(rig.count(PollOutcome::Timeout) > 1000);
    CHECK(rig.live(2 * kHour + kMinute));
    checkInvariants(rig);
}

TEST_CASE(
    "Long run: a slow daemon (1.7 s answers, past the budget) for 2 h: one Timeout per request, never busy") {
    Rig rig;
    rig.net.daemon = [](uint32_t t) {
        return t < 2 * kHour ? Behaviour{Behaviour::Slow, 1700, 0} : Behaviour{};
    };
    rig.boot(0);
    rig.run(0, 2 * kHour);
    const uint32_t timeouts = rig.count(PollOutcome::Timeout);
    CHECK(timeouts == rig.results);
    CHECK(rig.dev.poller().stats().failures == timeouts);
    // Slow is still an answer after its time: rediscovery is asked for (network failures), the schedule
    // stays on the backoff cap, and the gauge is back as soon as the answers are quick again.
    rig.run(2 * kHour, 2 * kHour + kMinute);
    CHECK(rig.live(2 * kHour + kMinute));
    checkInvariants(rig);
}

TEST_CASE("Long run: a trickling daemon for 2 h, interleaved with healthy minutes") {
    Rig rig;
    // Odd minutes trickle one byte every 300 ms; even minutes answer normally.
    rig.net.daemon = [](uint32_t t) {
        return (t / kMinute) % 2 == 1 ? Behaviour{Behaviour::Trickle, 5, 300} : Behaviour{};
    };
    rig.boot(0);
    uint32_t live_checks = 0, live_ok = 0;
    for (uint32_t m = 0; m < 120; ++m) {
        rig.run(m * kMinute, (m + 1) * kMinute);
        if (m % 2 == 0) {
            ++live_checks;
            live_ok += rig.live((m + 1) * kMinute - 10) ? 1 : 0;
        }
    }
    CHECK(live_ok == live_checks);  // every healthy minute ends LIVE
    CHECK(rig.count(PollOutcome::Timeout) > 100);
    CHECK(rig.count(PollOutcome::Ok) > 3000);
    checkInvariants(rig);
}

TEST_CASE("Long run: a flapping daemon (10 min up, 10 min down, for 6 h) and a flapping AP") {
    Rig rig;
    rig.net.daemon = [](uint32_t t) {
        return (t / (10 * kMinute)) % 2 == 1 ? Behaviour{Behaviour::Refuse, 0, 0} : Behaviour{};
    };
    // The AP drops out for 45 s every 17 minutes.
    rig.net.link = [](uint32_t t) { return t % (17 * kMinute) >= 45000; };
    rig.boot(0);
    uint32_t up_windows = 0, up_live = 0;
    for (uint32_t w = 0; w < 36; ++w) {
        const uint32_t from = w * 10 * kMinute, to = from + 10 * kMinute;
        rig.run(from, to);
        const uint32_t probe = to - 10;
        if (w % 2 == 0 && rig.net.link(probe) && probe % (17 * kMinute) >= 45000 + 30000) {
            ++up_windows;
            up_live += rig.live(probe) ? 1 : 0;
        }
    }
    CHECK(up_windows > 5);
    CHECK(up_live == up_windows);
    CHECK(rig.count(PollOutcome::ConnectFailed) > 1000);
    checkInvariants(rig);
}

TEST_CASE("Long run: a daemon found by mDNS that moves to another address is found again") {
    Rig rig;
    rig.url = "";
    rig.boot(0);
    rig.session.finder().want();
    rig.run(0, 10 * kMinute);
    CHECK(rig.live(10 * kMinute));
    // The daemon restarts on a new address: the old one refuses, the next run of failures asks mDNS again.
    rig.net.daemon_ip = (192u << 24) | (168u << 16) | (1u << 8) | 33u;
    rig.run(10 * kMinute, 20 * kMinute);
    CHECK(rig.live(20 * kMinute));
    CHECK(std::string(rig.session.finder().url()) == "http://192.168.1.33:8787/usage");
    CHECK(rig.net.mdns_queries >= 2);
    CHECK(rig.net.mdns_queries < 20);  // rediscovery after a run of failures, never on every poll
    checkInvariants(rig);
}
