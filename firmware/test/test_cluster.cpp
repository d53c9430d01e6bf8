// Cluster and Device: self-test sweep, frame-rate independence, NO SIGNAL bound and recovery, millis() wrap,
// the frame's layout and change tracking.
#include <doctest/doctest.h>

#include <math.h>
#include <string.h>

#include <string>
#include <vector>

#include "gauge.h"

using gauge::Device;
using gauge::DialId;
using gauge::Frame;
using gauge::LampId;
using gauge::Phase;
using gauge::PollOutcome;
using gauge::Usage;
namespace cfg = gauge::cfg;

namespace {

Usage busyUsage() {
    Usage u = gauge::usageDefaults();
    u.rate_1m = 900000.0f;
    u.rate_redline = 1000000.0f;
    u.window_5h_pct = 0.5f;
    u.has_reset = true;
    u.window_5h_reset_in_s = 7980;
    u.thinking_ratio = 0.3f;
    u.cache_hit_rate = 0.8f;
    strcpy(u.last_model, "claude-opus-4-5-20251101");
    u.sessions_active = 2;
    return u;
}

const gauge::Dial& dial(const Frame& f, DialId id) {
    return f.dials[static_cast<int>(id)];
}

std::string stateLine(const Frame& f) {
    char buf[gauge::kStateLineMax];
    gauge::formatStateLine(f, buf, sizeof buf);
    return buf;
}

// Drives a Device like a platform loop: ticks and updates every `frame_ms`, answers each request after
// 40 ms with the payload of the moment (or a failure), and records the state line at every `sample_ms`.
struct Timeline {
    uint32_t frame_ms;
    std::vector<std::string> samples;
    void run(uint32_t start, uint32_t duration, uint32_t sample_ms) {
        Device d;
        d.boot(start);
        bool pending = false;
        uint32_t answer_at = 0;
        for (uint32_t e = 0; e <= duration; ++e) {
            const uint32_t now = start + e;
            // Events happen at fixed times whatever the frame rate.
            if (pending && now == answer_at) {
                pending = false;
                if (e < 4000)
                    d.onUsage(now, busyUsage());
                else if (e < 6000) {
                    Usage hot = busyUsage();
                    hot.rate_1m = 1400000.0f;
                    hot.hot = true;
                    d.onUsage(now, hot);
                } else if (e < 14000)
                    d.onPollResult(now, PollOutcome::ConnectFailed);
                else
                    d.onUsage(now, busyUsage());
            }
            const bool frame_due = e % frame_ms == 0;
            const bool sample_due = e % sample_ms == 0;
            // tick() runs every ms in both runs (requests start at the same times); update() follows the
            // frame rate under test.
            if (d.tick(now) == gauge::PollAction::StartRequest) {
                pending = true;
                answer_at = now + 40;
            }
            if (frame_due) d.update(now);
            if (sample_due) {
                d.update(now);
                // The state line rounds to 0.1 degree; the exact float bits must match too.
                std::string sample = stateLine(d.frame());
                for (const gauge::Dial& dl : d.frame().dials) {
                    uint32_t bits;
                    memcpy(&bits, &dl.needle_deg, sizeof bits);
                    sample += " " + std::to_string(bits);
                }
                samples.push_back(sample);
            }
        }
    }
};

}  // namespace

TEST_CASE("Cluster: self-test sweep rises to full, holds, falls back within 1.5 s") {
    Device d;
    d.boot(1000);
    const Frame& f = d.frame();
    CHECK(f.phase == Phase::SelfTest);
    CHECK(std::string(f.status.text) == "SELF TEST");
    for (int i = 0; i < gauge::kLampCount; ++i) CHECK(f.lamps[i].lit);
    CHECK(dial(f, DialId::Tach).needle_deg == dial(f, DialId::Tach).start_deg);
    d.update(1000 + cfg::kSelfTestRiseMs / 2);
    for (int i = 0; i < gauge::kDialCount; ++i) {
        const gauge::Dial& dl = f.dials[i];
        CHECK(dl.needle_deg > dl.start_deg);
        CHECK(dl.needle_deg < dl.end_deg);
    }
    d.update(1000 + cfg::kSelfTestRiseMs + cfg::kSelfTestHoldMs / 2);
    for (int i = 0; i < gauge::kDialCount; ++i) CHECK(f.dials[i].needle_deg == f.dials[i].end_deg);
    CHECK(f.phase == Phase::SelfTest);
    d.update(1000 + cfg::kSelfTestMs - 5);
    CHECK(f.phase == Phase::SelfTest);
    d.update(1000 + cfg::kSelfTestMs);
    CHECK(f.phase == Phase::Live);
    for (int i = 0; i < gauge::kDialCount; ++i) CHECK(f.dials[i].needle_deg == f.dials[i].start_deg);
    CHECK(std::string(f.status.text) == "CONNECTING");
    CHECK(f.lamps[static_cast<int>(LampId::NoSignal)].active == false);
    CHECK(cfg::kSelfTestMs == 1500);
}

TEST_CASE("Cluster: a payload during the self-test is shown once the sweep ends") {
    Device d;
    d.boot(0);
    d.tick(0);
    d.onUsage(100, busyUsage());
    d.update(1000);
    CHECK(d.frame().phase == Phase::SelfTest);
    d.update(1500);
    CHECK(d.frame().phase == Phase::Live);
    d.update(4000);
    const float expect = gauge::fractionToDeg(0.6f, -135.0f, 135.0f);  // 900k of a 1.5M tach
    CHECK(dial(d.frame(), DialId::Tach).needle_deg == doctest::Approx(expect).epsilon(1e-3));
    CHECK(std::string(d.frame().model.text) == "opus-4.5");
    CHECK(std::string(dial(d.frame(), DialId::Tach).value.text) == "900k");
    CHECK(std::string(dial(d.frame(), DialId::Fuel).value.text) == "50%");
    CHECK(std::string(d.frame().status.text) == "2 SESS RESET 2h13m");
}

TEST_CASE("Cluster: frame-rate independent (1 ms and 33 ms updates give identical frames)") {
    Timeline fast{1, {}};
    Timeline slow{33, {}};
    fast.run(500, 20000, 99);
    slow.run(500, 20000, 99);
    REQUIRE(fast.samples.size() == slow.samples.size());
    for (size_t i = 0; i < fast.samples.size(); ++i) {
        CAPTURE(i);
        CHECK(fast.samples[i] == slow.samples[i]);
    }
    // The run went through every phase.
    std::string all;
    for (const auto& s : fast.samples) all += s + "\n";
    CHECK(all.find("phase=SELFTEST") != std::string::npos);
    CHECK(all.find("lamps=HOT") != std::string::npos);
    CHECK(all.find("phase=NOSIGNAL") != std::string::npos);
    CHECK(all.rfind("phase=LIVE") > all.rfind("phase=NOSIGNAL"));  // recovered
}

TEST_CASE("Cluster: NO SIGNAL at the bound after the last good payload; needles fall to rest; recovery") {
    Device d;
    d.boot(0);
    d.tick(0);
    d.onUsage(2000, busyUsage());
    for (uint32_t t = 2000; t < 2000 + cfg::kNoSignalAfterMs; t += 10) {
        if (d.tick(t) == gauge::PollAction::StartRequest) d.onPollResult(t + 1, PollOutcome::Timeout);
        d.update(t);
        CHECK(d.frame().phase == Phase::Live);
    }
    d.update(2000 + cfg::kNoSignalAfterMs);
    const Frame& f = d.frame();
    CHECK(f.phase == Phase::NoSignal);
    CHECK(d.poller().noSignal(2000 + cfg::kNoSignalAfterMs));  // poller and cluster agree
    CHECK(std::string(f.status.text) == "NO SIGNAL");
    CHECK(f.lamps[static_cast<int>(LampId::NoSignal)].active);
    CHECK_FALSE(f.lamps[static_cast<int>(LampId::Hot)].active);
    CHECK(std::string(dial(f, DialId::Tach).value.text) == "--");
    d.update(2000 + cfg::kNoSignalAfterMs + 3000);
    for (int i = 0; i < gauge::kDialCount; ++i) CHECK(f.dials[i].needle_deg == f.dials[i].start_deg);
    CHECK(d.cluster().hasUsage());  // the last good payload is kept
    CHECK(std::string(f.model.text) == "opus-4.5");

    d.onUsage(11000, busyUsage());
    CHECK(f.phase == Phase::Live);
    CHECK_FALSE(f.lamps[static_cast<int>(LampId::NoSignal)].active);
    CHECK(std::string(dial(f, DialId::Tach).value.text) == "900k");
}

TEST_CASE("Cluster: NO SIGNAL when nothing ever arrived since boot") {
    Device d;
    d.boot(0);
    for (uint32_t t = 0; t < cfg::kNoSignalAfterMs; t += 7) {
        if (d.tick(t) == gauge::PollAction::StartRequest) d.onPollResult(t, PollOutcome::ConnectFailed);
        d.update(t);
        CHECK(d.frame().phase != Phase::NoSignal);
    }
    d.update(cfg::kNoSignalAfterMs);
    CHECK(d.frame().phase == Phase::NoSignal);
}

TEST_CASE("Cluster: rejected and bad bodies never count as good payloads") {
    Device d;
    d.boot(0);
    uint32_t t = 0;
    for (; t <= cfg::kNoSignalAfterMs; ++t) {
        if (d.tick(t) == gauge::PollAction::StartRequest) {
            gauge::UsageDecoder dec;
            dec.begin();  // "{}"
            Usage u;
            const gauge::DecodeStatus s = dec.finish(u);
            d.onDecoded(t, s, u);
        }
        d.update(t);
    }
    CHECK(d.frame().phase == Phase::NoSignal);
    CHECK(d.poller().stats().failures >= 2);
    CHECK(d.poller().lastOutcome() == PollOutcome::Rejected);
}

TEST_CASE("Cluster: uint32 millis wrap during self-test, live data and NO SIGNAL") {
    const uint32_t boot = 0xFFFFFFFFu - 700u;  // the sweep straddles the wrap
    Device d;
    d.boot(boot);
    uint32_t t = boot;
    bool saw_self_test_after_wrap = false;
    for (uint32_t e = 0; e < 4000; ++e, ++t) {
        if (d.tick(t) == gauge::PollAction::StartRequest) d.onUsage(t, busyUsage());
        d.update(t);
        if (e > cfg::kSelfTestMs) CHECK(d.frame().phase == Phase::Live);
        if (t < 500 && d.frame().phase == Phase::SelfTest) saw_self_test_after_wrap = true;
    }
    CHECK(saw_self_test_after_wrap);
    const float expect = gauge::fractionToDeg(0.6f, -135.0f, 135.0f);
    CHECK(dial(d.frame(), DialId::Tach).needle_deg == doctest::Approx(expect).epsilon(1e-3));
    // Silence across time: NO SIGNAL after the bound, and it stays (no self-test re-run, no false recovery).
    for (uint32_t e = 0; e < cfg::kNoSignalAfterMs + 100; e += 10, t += 10) d.update(t);
    CHECK(d.frame().phase == Phase::NoSignal);
    d.update(t + 0x7FFFFFFFu);
    CHECK(d.frame().phase == Phase::NoSignal);
    d.update(t + 0xFFFFFF00u);
    CHECK(d.frame().phase == Phase::NoSignal);
}

TEST_CASE("Cluster: fuel over 100 % pegs below E and shows OVER; stale is a tag, not NO SIGNAL") {
    Device d;
    d.boot(0);
    d.update(cfg::kSelfTestMs);
    Usage u = busyUsage();
    u.window_5h_pct = 1.3f;
    u.stale = true;
    u.warn = true;
    d.tick(cfg::kSelfTestMs);
    d.onUsage(cfg::kSelfTestMs, u);
    d.update(cfg::kSelfTestMs + 3000);
    const Frame& f = d.frame();
    CHECK(f.phase == Phase::Live);
    CHECK(f.fuel_over);
    CHECK(f.stale);
    CHECK(std::string(dial(f, DialId::Fuel).value.text) == "OVER");
    CHECK(dial(f, DialId::Fuel).needle_deg < dial(f, DialId::Fuel).start_deg);
    CHECK(std::string(f.status.text).rfind("STALE ", 0) == 0);
    CHECK(f.lamps[static_cast<int>(LampId::Warn)].active);
    CHECK(f.rgb_led == 0xFF8000);
    const std::string line = stateLine(f);
    CHECK(line.find(" stale=1") != std::string::npos);
    CHECK(line.find(" over=1") != std::string::npos);
    CHECK(line.find(" lamps=WARN ") != std::string::npos);
}

TEST_CASE("Cluster: unauthorized shows an AUTH tag while the last payload is still good") {
    Device d;
    d.boot(0);
    d.tick(0);
    d.onUsage(10, busyUsage());
    d.update(1600);
    REQUIRE(d.tick(1600) == gauge::PollAction::StartRequest);
    d.onPollResult(1610, PollOutcome::Unauthorized);
    d.update(1620);
    CHECK(std::string(d.frame().status.text).find("AUTH") != std::string::npos);
}

TEST_CASE("Cluster: hostile hand-made payloads keep the frame finite") {
    Device d;
    d.boot(0);
    d.update(cfg::kSelfTestMs);
    Usage u = busyUsage();
    u.rate_1m = NAN;
    u.rate_redline = -INFINITY;
    u.window_5h_pct = INFINITY;
    u.thinking_ratio = NAN;
    u.cache_hit_rate = 1e30f;
    memset(u.last_model, 'z', sizeof u.last_model);  // not even NUL-terminated
    u.last_model[sizeof u.last_model - 1] = '\0';
    d.onUsage(cfg::kSelfTestMs, u);
    for (uint32_t t = cfg::kSelfTestMs; t < cfg::kSelfTestMs + 2000; t += 16) d.update(t);
    for (int i = 0; i < gauge::kDialCount; ++i) CHECK(isfinite(d.frame().dials[i].needle_deg));
    CHECK(strlen(d.frame().model.text) <= cfg::kModelReadoutChars);
    CHECK(stateLine(d.frame()).find("nan") == std::string::npos);
}

TEST_CASE("Cluster: frame layout stays on the 320x240 screen and text fits its boxes") {
    Device d;
    d.boot(0);
    Usage u = busyUsage();
    u.rate_1m = 1e9f;
    u.rate_redline = 1e9f;
    u.sessions_active = 999;
    u.stale = true;
    u.has_reset = true;
    u.window_5h_reset_in_s = 17999;
    u.hot = u.warn = u.stall = u.idle = true;
    u.attention = 999;
    u.ts_ms = 1000000000000ull;
    u.fuel_basis = gauge::FuelBasis::Official;
    u.has_quota_7d = u.has_quota_7d_resets = true;
    u.quota_7d_pct = 10.0f;                               // 999 % (the clamp)
    u.quota_7d_resets_at = 1000000000ull + 604800 + 599;  // 7d0h, the longest countdown
    u.has_minutes_to_full = true;
    u.minutes_to_full = 10079.0f;  // 6d23h
    d.tick(0);
    d.onUsage(0, u);
    auto checkBox = [](const gauge::TextBox& b) {
        CAPTURE(std::string(b.text));
        CHECK(b.x >= 0);
        CHECK(b.y >= 0);
        CHECK(b.x + b.w <= cfg::kScreenW);
        CHECK(b.y + b.h <= cfg::kScreenH);
        CHECK(static_cast<int>(strlen(b.text)) * 6 * b.size <= b.w);
        CHECK(8 * b.size <= b.h + 2);
    };
    for (uint32_t t : {0u, 2000u, 9000u}) {
        d.update(t);
        const Frame& f = d.frame();
        for (int i = 0; i < gauge::kDialCount; ++i) {
            const gauge::Dial& dl = f.dials[i];
            CHECK(static_cast<int>(dl.id) == i);
            CHECK(dl.cx - dl.radius >= 0);
            CHECK(dl.cx + dl.radius <= cfg::kScreenW);
            CHECK(dl.cy - dl.radius >= 0);
            CHECK(dl.start_deg < dl.end_deg);
            CHECK(dl.zone_count <= gauge::kMaxZones);
            CHECK(dl.tick_count <= gauge::kMaxTicks);
            for (int z = 0; z < dl.zone_count; ++z) CHECK(dl.zones[z].from_deg <= dl.zones[z].to_deg);
            checkBox(dl.label);
            checkBox(dl.value);
        }
        checkBox(f.model);
        checkBox(f.status);
        checkBox(f.basis);
        checkBox(f.week);
        checkBox(f.pace);
        if (t == 2000) {  // after the self-test, before NO SIGNAL
            CHECK(std::string(f.basis.text) == "OFFICIAL");
            CHECK(std::string(f.week.text) == "WEEK 999% 7d0h");
            CHECK(std::string(f.pace.text) == "FULL IN 6d23h");
        }
        for (int i = 0; i < gauge::kLampCount; ++i) {
            const gauge::LampView& l = f.lamps[i];
            CHECK(static_cast<int>(l.id) == i);
            CHECK(l.x >= 0);
            CHECK(l.x + l.w <= cfg::kScreenW);
            CHECK(l.y + l.h <= cfg::kScreenH);
            CHECK(static_cast<int>(strlen(l.label)) * 6 * l.label_size <= l.w);
            if (i > 0) CHECK(f.lamps[i - 1].x + f.lamps[i - 1].w < l.x);
        }
    }
    // Small dials do not overlap each other or the tach, and the lamp row is below all dials.
    const Frame& f = d.frame();
    const gauge::Dial& tach = dial(f, DialId::Tach);
    for (int i = 1; i < gauge::kDialCount; ++i) {
        CHECK(f.dials[i].cx - f.dials[i].radius - 8 > tach.cx + tach.radius);  // room for end labels
        CHECK(f.dials[i].label.y + f.dials[i].label.h <= f.lamps[0].y);
        if (i > 1) CHECK(f.dials[i].cy - f.dials[i - 1].cy >= 2 * f.dials[i].radius - 10);
    }
    CHECK(f.model.y + f.model.h <= f.lamps[0].y);
    // The readout row sits between the model readout and the lamps, below the cache dial's label; the weekly
    // and pace readouts do not overlap; the basis sits inside the fuel dial's arc, under its top tick.
    for (const gauge::TextBox* b : {&f.week, &f.pace}) {
        CHECK(b->y >= f.model.y + f.model.h);
        CHECK(b->y >= dial(f, DialId::Boost).label.y + dial(f, DialId::Boost).label.h);
        CHECK(b->y + b->h <= f.lamps[0].y);
    }
    CHECK(f.week.x + f.week.w <= f.pace.x);
    const gauge::Dial& fuel = dial(f, DialId::Fuel);
    const float inner = static_cast<float>(fuel.radius - fuel.arc_width);
    for (int dx : {f.basis.x - fuel.cx, f.basis.x + f.basis.w - fuel.cx})
        for (int dy : {f.basis.y - fuel.cy, f.basis.y + f.basis.h - fuel.cy})
            CHECK(sqrtf(static_cast<float>(dx * dx + dy * dy)) <= inner);
    CHECK(f.basis.y > fuel.cy - inner + gauge::draw::kMajorTickLen);
    CHECK(f.basis.y + f.basis.h < fuel.cy - fuel.hub_radius);
}

TEST_CASE("Cluster: the fuel's basis, the weekly and the pace readouts, and ATTN") {
    Device d;
    d.boot(0);
    d.update(2000);
    const Frame& f = d.frame();
    CHECK(std::string(f.week.text) == "WEEK --");
    CHECK(std::string(f.pace.text) == "FULL IN --");
    CHECK(std::string(f.basis.text) == "");
    Usage u = busyUsage();  // an older daemon: none of the optional fields
    d.onUsage(2000, u);
    CHECK(std::string(f.basis.text) == "EST");
    CHECK(std::string(f.week.text) == "WEEK --");
    CHECK(std::string(f.pace.text) == "FULL IN --");
    CHECK(stateLine(f).find(" basis=estimate week=-- eta=--") != std::string::npos);
    CHECK_FALSE(f.lamps[static_cast<int>(LampId::Attn)].active);

    u.ts_ms = 1000000000000ull;
    u.fuel_basis = gauge::FuelBasis::Official;
    u.has_quota_7d = u.has_quota_7d_resets = true;
    u.quota_7d_pct = 0.634f;
    u.quota_7d_resets_at = 1000000000ull + 2 * 86400 + 4 * 3600 + 120;
    u.has_minutes_to_full = true;
    u.minutes_to_full = 41.6f;
    u.has_pace = true;
    u.pace_pct_at_reset = 1.8f;
    u.attention = 1;
    d.onUsage(3000, u);
    CHECK(std::string(f.basis.text) == "OFFICIAL");
    CHECK(std::string(f.week.text) == "WEEK 63% 2d4h");
    CHECK(std::string(f.pace.text) == "FULL IN 42m");
    CHECK(f.lamps[static_cast<int>(LampId::Attn)].active);
    CHECK(f.rgb_led == 0xA000FF);
    CHECK(stateLine(f).find(" lamps=ATTN ") != std::string::npos);
    CHECK(stateLine(f).find(" basis=official week=63% eta=42m") != std::string::npos);

    u.has_minutes_to_full = false;  // resets first
    u.pace_pct_at_reset = 0.7f;
    u.has_quota_7d_resets = false;  // no reset time: the percentage alone
    u.minutes_to_full = 0.0f;
    u.attention = 0;
    d.onUsage(4000, u);
    CHECK(std::string(f.pace.text) == "LASTS");
    CHECK(std::string(f.week.text) == "WEEK 63%");
    CHECK(stateLine(f).find(" eta=lasts") != std::string::npos);
    CHECK_FALSE(f.lamps[static_cast<int>(LampId::Attn)].active);

    u.has_minutes_to_full = true;  // already full
    d.onUsage(5000, u);
    CHECK(std::string(f.pace.text) == "FULL NOW");
    CHECK(stateLine(f).find(" eta=0m") != std::string::npos);
    u.minutes_to_full = 0.2f;  // not full yet: at least a minute
    d.onUsage(5500, u);
    CHECK(std::string(f.pace.text) == "FULL IN 1m");

    u.has_minutes_to_full = false;  // inconsistent: no time to full but projected past 100 %
    u.pace_pct_at_reset = 1.2f;
    u.attention = 2;
    d.onUsage(6000, u);
    CHECK(std::string(f.pace.text) == "FULL IN --");

    // NO SIGNAL: the readouts say nothing known, ATTN is dark with the rest.
    d.update(6000 + cfg::kNoSignalAfterMs + 10);
    CHECK(f.phase == Phase::NoSignal);
    CHECK(std::string(f.basis.text) == "");
    CHECK(std::string(f.week.text) == "WEEK --");
    CHECK(std::string(f.pace.text) == "FULL IN --");
    CHECK(stateLine(f).find(" lamps=NOSIG ") != std::string::npos);
    CHECK(stateLine(f).find(" basis=estimate week=-- eta=--") != std::string::npos);
}

TEST_CASE("Cluster: tach face follows the redline with round tick labels and a red zone") {
    Device d;
    d.boot(0);
    d.update(cfg::kSelfTestMs);
    Usage u = busyUsage();
    u.rate_redline = 1000000.0f;
    d.tick(cfg::kSelfTestMs);
    d.onUsage(cfg::kSelfTestMs, u);
    const gauge::Dial& tach = dial(d.frame(), DialId::Tach);
    const uint32_t face = tach.face_seq;
    std::vector<std::string> labels;
    for (int i = 0; i < tach.tick_count; ++i)
        if (tach.ticks[i].major) labels.push_back(tach.ticks[i].label);
    CHECK(labels == std::vector<std::string>{"0", "500k", "1.0M", "1.5M"});
    REQUIRE(tach.zone_count == 1);
    CHECK(tach.zones[0].from_deg == doctest::Approx(gauge::fractionToDeg(1.0f / 1.5f, -135.0f, 135.0f)));
    CHECK(tach.zones[0].to_deg == tach.end_deg);
    d.onUsage(cfg::kSelfTestMs + 1000, u);
    CHECK(tach.face_seq == face);  // same redline: face not redrawn
    u.rate_redline = 4000000.0f;
    d.onUsage(cfg::kSelfTestMs + 2000, u);
    CHECK(tach.face_seq != face);
    labels.clear();
    for (int i = 0; i < tach.tick_count; ++i)
        if (tach.ticks[i].major) labels.push_back(tach.ticks[i].label);
    CHECK(labels == std::vector<std::string>{"0", "1.0M", "2.0M", "3.0M", "4.0M", "5.0M"});
}

TEST_CASE("Cluster: seq only changes when something visible changed") {
    Device d;
    d.boot(0);
    Usage u = busyUsage();
    u.warn = true;  // steady lamp, steady LED
    // Keep the link good: one payload per second, identical content, frames at 50 Hz.
    uint32_t t = 0;
    auto second = [&]() {
        for (uint32_t e = 0; e < 1000; e += 20, t += 20) {
            if (d.tick(t) == gauge::PollAction::StartRequest) d.onUsage(t, u);
            d.update(t);
        }
    };
    for (int i = 0; i < 4; ++i) second();  // self-test, then the needles settle
    const Frame& f = d.frame();
    const uint32_t seq = f.seq;
    uint32_t needle = f.dials[0].needle_seq;
    uint32_t lamp = f.lamps[static_cast<int>(LampId::Warn)].seq;
    second();
    CHECK(f.seq == seq);
    CHECK(f.dials[0].needle_seq == needle);
    CHECK(f.lamps[static_cast<int>(LampId::Warn)].seq == lamp);
    u.rate_1m = 100000.0f;
    second();
    CHECK(f.seq != seq);
    CHECK(f.dials[0].needle_seq != needle);
    CHECK(f.dials[0].value.seq != 0);
    CHECK(std::string(f.dials[0].value.text) == "100k");
}

TEST_CASE("Cluster: update with an older timestamp does not move time backwards") {
    Device d;
    d.boot(0);
    d.tick(0);
    d.onUsage(0, busyUsage());
    d.update(2000);
    const float deg = dial(d.frame(), DialId::Tach).needle_deg;
    d.update(1990);
    CHECK(dial(d.frame(), DialId::Tach).needle_deg == deg);
    CHECK(d.frame().phase == Phase::Live);
}
