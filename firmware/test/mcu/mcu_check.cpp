// Plain C-style checks of the gauge core, built for rv32 and run under QEMU (make -C firmware mcu), and built
// natively too: both runs print a digest of a scripted timeline's state lines, and the Makefile requires
// them to be equal, i.e. the core computes bit-identical frames on the MCU and on the host.
// No doctest, no STL: this toolchain has no libstdc++.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gauge.h"

static int g_passed = 0;
static int g_failed = 0;

#define CHECK(cond)                                                \
    do {                                                           \
        if (cond) {                                                \
            ++g_passed;                                            \
        } else {                                                   \
            ++g_failed;                                            \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
        }                                                          \
    } while (0)

static bool streq(const char* a, const char* b) {
    return strcmp(a, b) == 0;
}

static void checkDecoder() {
    gauge::UsageDecoder d;
    gauge::Usage u;
    d.begin();
    d.setNumber(gauge::UsageField::Rate1m, 1e300);
    d.setNumber(gauge::UsageField::ThinkingRatio, NAN);
    d.setNumber(gauge::UsageField::CacheHitRate, -1);
    d.setNumber(gauge::UsageField::Ts, 1763780000123.0);
    static char huge[10240];
    memset(huge, 'x', sizeof huge);
    d.setString(gauge::UsageField::LastModel, huge, sizeof huge);
    CHECK(d.finish(u) == gauge::DecodeStatus::Ok);
    CHECK(u.rate_1m == 1e9f);
    CHECK(u.thinking_ratio == 0.0f);
    CHECK(u.cache_hit_rate == 0.0f);
    CHECK(u.ts_ms == 1763780000123ull);  // 64-bit integers survive on a 32-bit MCU
    CHECK(strlen(u.last_model) == 128);
    d.begin();
    d.setNumber(gauge::UsageField::V, 2);
    d.setNumber(gauge::UsageField::Rate1m, 5);
    CHECK(d.finish(u) == gauge::DecodeStatus::BadVersion);
    d.begin();
    CHECK(d.finish(u) == gauge::DecodeStatus::NoKnownFields);
}

static void checkReadouts() {
    char buf[32];
    gauge::shortenModel("claude-opus-4-5-20251101", buf, sizeof buf);
    CHECK(streq(buf, "opus-4.5"));
    gauge::shortenModel("claude-3-5-sonnet-20241022", buf, sizeof buf);
    CHECK(streq(buf, "sonnet-3.5"));
    gauge::formatCount(412000, buf, sizeof buf);
    CHECK(streq(buf, "412k"));
    gauge::formatCount(1234567, buf, sizeof buf);
    CHECK(streq(buf, "1.2M"));
    gauge::formatCount(999500, buf, sizeof buf);
    CHECK(streq(buf, "1.0M"));
    gauge::formatDuration(7980, buf, sizeof buf);
    CHECK(streq(buf, "2h13m"));
    CHECK(gauge::tachFullScale(1000000.0f) == 1500000.0f);
}

static void checkPoller() {
    gauge::Poller p;
    p.boot(0xFFFFFC00u);  // wraps 1 s in
    uint32_t starts[6];
    int n = 0;
    for (uint32_t t = 0xFFFFFC00u, i = 0; i <= 20000 && n < 6; ++i, ++t) {
        if (p.tick(t) == gauge::PollAction::StartRequest) {
            starts[n++] = t;
            p.onResult(t, gauge::PollOutcome::ConnectFailed);
        }
    }
    CHECK(n == 6);
    CHECK(starts[1] - starts[0] == 1000u);
    CHECK(starts[2] - starts[1] == 2000u);
    CHECK(starts[3] - starts[2] == 4000u);
    CHECK(starts[4] - starts[3] == 4000u);
    CHECK(p.wantsRediscovery());
    CHECK(p.noSignal(starts[5]));
}

// A scripted minute: boot, live data, a hot spell, the daemon dying (NO SIGNAL), coming back with the 5 h
// window over. Returns an FNV-1a digest of every 50th ms's state line.
static uint32_t timelineDigest(char* last_line, size_t cap) {
    gauge::Device d;
    const uint32_t boot = 0xFFFFF000u;  // millis() wraps during the run
    d.boot(boot);
    gauge::Usage u = gauge::usageDefaults();
    u.rate_redline = 1000000.0f;
    u.sessions_active = 1;
    strcpy(u.last_model, "claude-sonnet-4-5-20250929");
    uint32_t hash = 2166136261u;
    char line[gauge::kStateLineMax];
    for (uint32_t e = 0; e <= 60000; ++e) {
        const uint32_t now = boot + e;
        if (d.tick(now) == gauge::PollAction::StartRequest) {
            if (e < 20000 || e >= 32000) {
                u.rate_1m = 600000.0f + 500000.0f * sinf(static_cast<float>(e) * 0.0005f);
                u.hot = u.rate_1m > u.rate_redline;
                u.window_5h_pct = e < 32000 ? 0.4f + static_cast<float>(e) / 100000.0f : 1.2f;
                u.thinking_ratio = 0.25f;
                u.cache_hit_rate = 0.9f;
                u.has_reset = true;
                u.window_5h_reset_in_s = 9000 - e / 1000;
                d.onUsage(now, u);
            } else {
                d.onPollResult(now, gauge::PollOutcome::ConnectFailed);
            }
        }
        if (e % 16 == 0) d.update(now);
        if (e % 50 == 0) {
            d.update(now);
            gauge::formatStateLine(d.frame(), line, sizeof line);
            for (const char* c = line; *c; ++c) hash = (hash ^ static_cast<unsigned char>(*c)) * 16777619u;
        }
    }
    gauge::copyText(last_line, cap, line);
    return hash;
}

int main() {
    checkDecoder();
    checkReadouts();
    checkPoller();
    char last[gauge::kStateLineMax];
    const uint32_t digest = timelineDigest(last, sizeof last);
    CHECK(strstr(last, "phase=LIVE") != nullptr);
    CHECK(strstr(last, "over=1") != nullptr);
    printf("last: %s\n", last);
    printf("timeline digest: %08lx\n", static_cast<unsigned long>(digest));
    printf("%d passed, %d failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}
