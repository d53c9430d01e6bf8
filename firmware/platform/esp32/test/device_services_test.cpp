// The ESP32 app's time-injected policies: WiFi reconnect (hours of a flapping and a rebooting AP), the setup
// gesture and boot plan, the timers (deadline, pacer, liveness, retry), and the console lines that keep the
// serial port protocol-only.
#include <doctest/doctest.h>

#include <string.h>

#include <functional>
#include <string>
#include <vector>

#include "boot_setup.h"
#include "console_lines.h"
#include "serial_commands.h"
#include "timers.h"
#include "wifi_supervisor.h"

using namespace gauge;
using namespace gauge::esp32;

namespace {

constexpr uint32_t kMinute = 60u * 1000u;
constexpr uint32_t kHour = 60u * kMinute;

// An access point and the ESP32's WiFi driver, as far as the supervisor can tell: a join attempt started at
// time a succeeds `assoc_ms` later if the AP accepts stations then; a link is lost when the AP stops
// accepting. The driver never reconnects by itself (auto-reconnect is off; AUTH_FAIL and ASSOC_LEAVE were
// never retried by the core anyway) -- so the link comes back only through the supervisor's actions.
struct ApWorld {
    std::function<bool(uint32_t)> accepting;
    uint32_t assoc_ms = 3000;
    bool connected = false;
    bool attempting = false;
    uint32_t attempt_at = 0;
    bool radio_ok = true;  // a driver stuck until the radio restarts
    uint32_t reconnects = 0, radio_restarts = 0;

    void act(uint32_t now, WifiAction a) {
        if (a == WifiAction::None) return;
        if (a == WifiAction::RestartRadio) {
            ++radio_restarts;
            radio_ok = true;
        } else {
            ++reconnects;
        }
        connected = false;
        attempting = true;
        attempt_at = now;
    }
    void step(uint32_t now) {
        if (connected && !accepting(now)) connected = false;
        if (attempting && now - attempt_at >= assoc_ms) {
            attempting = false;
            connected = radio_ok && accepting(now);
        }
    }
};

struct WifiRig {
    WifiSupervisor sup;
    ApWorld ap;
    uint32_t max_down_after_ap_back = 0;  // longest time the AP accepted while the link stayed down
    uint32_t actions = 0;

    void run(uint32_t from, uint32_t to) {
        uint32_t down_since_ap_ok = 0;
        bool counting = false;
        for (uint32_t now = from; now != to; now += 100) {
            ap.step(now);
            const WifiAction a = sup.tick(now, ap.connected);
            if (a != WifiAction::None) ++actions;
            ap.act(now, a);
            // How long has the AP been accepting while we were not connected?
            if (ap.accepting(now) && !ap.connected) {
                if (!counting) {
                    counting = true;
                    down_since_ap_ok = now;
                }
                if (now - down_since_ap_ok > max_down_after_ap_back)
                    max_down_after_ap_back = now - down_since_ap_ok;
            } else {
                counting = false;
            }
        }
    }
};

}  // namespace

// ---- WiFi
TEST_CASE(
    "WiFi: an AP that reboots (refusing, as with AUTH_FAIL, for 90 s) is rejoined without a power cycle") {
    WifiRig rig;
    rig.ap.accepting = [](uint32_t t) { return !(t >= 10 * kMinute && t < 10 * kMinute + 90000); };
    rig.sup.begin(0);
    rig.ap.act(0, WifiAction::Reconnect);  // WiFi.begin() at boot
    rig.run(0, 30 * kMinute);
    CHECK(rig.ap.connected);
    CHECK(rig.sup.drops() == 1);
    // Back within one backoff step of the AP's return (attempt + wait), far from "never".
    CHECK(rig.max_down_after_ap_back <= kWifiAttemptMs + kWifiBackoffMaxMs);
}

TEST_CASE("WiFi: 3 h without the AP, then back: attempts continue at the capped rate, and the link returns") {
    WifiRig rig;
    rig.ap.accepting = [](uint32_t t) { return t < kMinute || t >= kMinute + 3 * kHour; };
    rig.sup.begin(0);
    rig.ap.act(0, WifiAction::Reconnect);
    rig.run(0, kMinute + 3 * kHour);
    CHECK_FALSE(rig.ap.connected);
    // Capped backoff: about one attempt per (attempt + max backoff) = 75 s, never a storm.
    const uint32_t attempts = rig.ap.reconnects + rig.ap.radio_restarts;
    CHECK(attempts >= 3 * kHour / (kWifiAttemptMs + kWifiBackoffMaxMs) - 2);
    CHECK(attempts <= 3 * kHour / (kWifiAttemptMs + kWifiBackoffMaxMs) + 12);
    CHECK(rig.ap.radio_restarts >= attempts / kWifiRadioRestartEvery - 1);
    rig.run(kMinute + 3 * kHour, kMinute + 3 * kHour + 5 * kMinute);
    CHECK(rig.ap.connected);
    CHECK(rig.max_down_after_ap_back <= kWifiAttemptMs + kWifiBackoffMaxMs + rig.ap.assoc_ms);
}

TEST_CASE("WiFi: a driver stuck until the radio restarts recovers through the radio restart") {
    WifiRig rig;
    rig.ap.accepting = [](uint32_t) { return true; };
    rig.sup.begin(0);
    rig.ap.act(0, WifiAction::Reconnect);
    rig.run(0, kMinute);
    REQUIRE(rig.ap.connected);
    rig.ap.radio_ok = false;  // e.g. after an AP channel change: joins fail until the radio restarts
    rig.ap.connected = false;
    rig.run(kMinute, kMinute + kHour);
    CHECK(rig.ap.connected);
    CHECK(rig.ap.radio_restarts == 1);
}

TEST_CASE("WiFi: an AP flapping every 20 s for 6 h does not cause a reconnect storm") {
    WifiRig rig;
    rig.ap.accepting = [](uint32_t t) { return (t / 20000) % 2 == 0; };
    rig.sup.begin(0);
    rig.ap.act(0, WifiAction::Reconnect);
    rig.run(0, 6 * kHour);
    // Short links do not reset the backoff: the attempts stay near the capped rate.
    CHECK(rig.actions < 6 * kHour / kWifiBackoffBaseMs / 4);
    CHECK(rig.sup.drops() > 10);
}

TEST_CASE("WiFi: the backoff schedule, and a stable link resets it") {
    WifiSupervisor s;
    CHECK(s.backoff(0) == kWifiFirstRetryMs);
    CHECK(s.backoff(1) == kWifiBackoffBaseMs);
    CHECK(s.backoff(2) == 2 * kWifiBackoffBaseMs);
    CHECK(s.backoff(40) == kWifiBackoffMaxMs);
    s.begin(0);
    CHECK(s.tick(1000, true) == WifiAction::None);
    CHECK(s.connected());
    // Lost after a long, stable link: the first retry comes quickly.
    CHECK(s.tick(kHour, false) == WifiAction::None);
    CHECK(s.tick(kHour + kWifiFirstRetryMs - 1, false) == WifiAction::None);
    CHECK(s.tick(kHour + kWifiFirstRetryMs, false) == WifiAction::Reconnect);
    // The driver reconnects by itself while we wait: fine too.
    CHECK(s.tick(kHour + kWifiFirstRetryMs + 10, true) == WifiAction::None);
    CHECK(s.connected());
}

TEST_CASE("WiFi: the supervisor's clock is wrap-safe") {
    WifiSupervisor s;
    const uint32_t t0 = 0xFFFFFFFFu - 5000u;
    s.begin(t0);
    CHECK(s.tick(t0 + 100, true) == WifiAction::None);
    CHECK(s.tick(t0 + kHour, false) == WifiAction::None);  // t0 + 1 h wrapped past 0
    CHECK(s.tick(t0 + kHour + kWifiFirstRetryMs, false) == WifiAction::Reconnect);
}

// ---- Setup
TEST_CASE("Setup: BOOT pressed inside the window after the splash, for the hold time, opens the portal") {
    SetupGesture g(2000, 300);
    g.begin(100);
    for (uint32_t t = 100; t < 600; t += 10) g.sample(t, false);
    for (uint32_t t = 600; t < 899; t += 10) g.sample(t, true);
    CHECK_FALSE(g.triggered());
    g.sample(900, true);
    CHECK(g.triggered());
    CHECK_FALSE(g.listening(950));
}

TEST_CASE("Setup: short taps, presses after the window, and a pin low from the start are not the gesture") {
    SetupGesture tap(2000, 300);
    tap.begin(0);
    for (uint32_t t = 0; t < 2000; t += 10) tap.sample(t, (t / 100) % 3 == 1);  // 100 ms taps
    CHECK(tap.listening(2000));  // the last tap began inside the window and is still down...
    tap.sample(2000, false);     // ... until it is released
    CHECK_FALSE(tap.triggered());
    CHECK_FALSE(tap.listening(2010));

    SetupGesture late(2000, 300);
    late.begin(0);
    for (uint32_t t = 0; t < 2000; t += 10) late.sample(t, false);
    for (uint32_t t = 2000; t < 3000; t += 10) late.sample(t, true);
    CHECK_FALSE(late.triggered());

    // GPIO0 held low by a serial adapter's DTR/RTS wiring since before the app started.
    SetupGesture stuck(2000, 300);
    stuck.begin(0);
    for (uint32_t t = 0; t < 2000; t += 10) stuck.sample(t, true);
    CHECK_FALSE(stuck.triggered());
    CHECK_FALSE(stuck.listening(2000));

    // A press that starts inside the window may finish after it.
    SetupGesture edge(2000, 300);
    edge.begin(0);
    edge.sample(1000, false);
    edge.sample(1900, true);
    CHECK(edge.listening(2100));
    edge.sample(2100, true);
    CHECK_FALSE(edge.triggered());
    edge.sample(2200, true);
    CHECK(edge.triggered());
}

TEST_CASE(
    "Setup: the boot plan joins whenever credentials exist; the portal only when none do or it was asked "
    "for") {
    CHECK(planBootWifi(true, false) == BootWifi::Join);
    CHECK(planBootWifi(false, false) == BootWifi::Portal);
    CHECK(planBootWifi(true, true) == BootWifi::Portal);
    CHECK(planBootWifi(false, true) == BootWifi::Portal);
    // The serial `setup` request survives only a software restart.
    CHECK(setupRequested(kSetupRequestMagic, true));
    CHECK_FALSE(setupRequested(kSetupRequestMagic, false));  // RTC garbage after power-up
    CHECK_FALSE(setupRequested(0x12345678u, true));
    // And it is a console command.
    char line[] = "setup";
    CHECK(parseCommand(line).kind == CommandKind::Setup);
    char heap[] = "heap";
    CHECK(parseCommand(heap).kind == CommandKind::Heap);
    CHECK(std::string(kHelpLine).find("setup") != std::string::npos);
    CHECK(std::string(kHelpLine).rfind("# ", 0) == 0);
}

// ---- Timers
TEST_CASE("Timers: one deadline, sliced waits never past it, wrap-safe") {
    const Deadline d(0xFFFFFF00u, 1500);
    CHECK(d.remaining(0xFFFFFF00u) == 1500);
    CHECK(d.remaining(0x00000100u) == 1500 - 0x200);  // across the wrap
    CHECK(d.slice(0xFFFFFF00u, 20) == 20);
    CHECK(d.slice(0xFFFFFF00u + 1490, 20) == 10);
    CHECK(d.expired(0xFFFFFF00u + 1500));
    CHECK(d.slice(0xFFFFFF00u + 1600, 20) == 0);
}

TEST_CASE("Timers: the pacer, the liveness rule and the retry backoff") {
    Pacer p(100);
    CHECK(p.due(5));
    CHECK_FALSE(p.due(104));
    CHECK(p.due(105));
    // Liveness: stale only past the limit; a stamp from the other core slightly ahead of now is fresh.
    CHECK_FALSE(heartbeatStale(1000, 1000, 30000));
    CHECK_FALSE(heartbeatStale(31000, 1000, 30000));
    CHECK(heartbeatStale(31001, 1000, 30000));
    CHECK_FALSE(heartbeatStale(1000, 1005, 30000));
    CHECK(heartbeatStale(0x10u, 0xFFFF0000u, 30000));  // across the wrap
    // Retry: 5 s, 10 s, ... capped; a success resets it.
    RetryBackoff r(kSpriteRetryBaseMs, kSpriteRetryMaxMs);
    CHECK(r.mayTry(0));
    r.failed(0);
    CHECK_FALSE(r.mayTry(kSpriteRetryBaseMs - 1));
    CHECK(r.mayTry(kSpriteRetryBaseMs));
    r.failed(kSpriteRetryBaseMs);
    CHECK_FALSE(r.mayTry(kSpriteRetryBaseMs + 2 * kSpriteRetryBaseMs - 1));
    CHECK(r.mayTry(kSpriteRetryBaseMs + 2 * kSpriteRetryBaseMs));
    for (int i = 0; i < 20; ++i) r.failed(0);
    CHECK(r.mayTry(kSpriteRetryMaxMs));
    r.succeeded();
    CHECK(r.mayTry(1));
}

TEST_CASE("Timers: a missing sprite is rebuilt after 5 s, then on the backoff, never every frame") {
    RetryBackoff r(kSpriteRetryBaseMs, kSpriteRetryMaxMs);
    std::vector<uint32_t> rebuilds;
    // The heap refuses a sprite from t = 0 and recovers at t = 200 s; frames every 20 ms.
    for (uint32_t t = 0; t < 300000; t += 20) {
        const bool missing = t < 200000 || rebuilds.empty() || rebuilds.back() < 200000;
        if (rebuildDue(r, t, missing)) rebuilds.push_back(t);
    }
    REQUIRE(rebuilds.size() >= 5);
    CHECK(rebuilds[0] == 5000);
    CHECK(rebuilds[1] == 15000);       // +10 s
    CHECK(rebuilds[2] == 35000);       // +20 s
    CHECK(rebuilds[3] == 75000);       // +40 s
    CHECK(rebuilds[4] == 135000);      // +60 s, the cap
    CHECK(rebuilds.back() >= 200000);  // the first try after the heap recovered ...
    const size_t n = rebuilds.size();
    for (uint32_t t = 300000; t < 400000; t += 20) CHECK_FALSE(rebuildDue(r, t, false));  // ... sticks
    CHECK(rebuilds.size() == n);
    CHECK(r.failures() == 0);
}

// ---- Console
TEST_CASE("Console: any log text becomes protocol lines starting with \"# \"") {
    std::vector<std::string> lines;
    char buf[kConsoleLineBuffer];
    auto collect = [&](const char* text) {
        lines.clear();
        forEachLogLine(text, strlen(text), buf, [&](char* l, size_t n) {
            CHECK(l[n] == '\0');
            lines.push_back(std::string(l, n));
        });
    };
    // What ESP-IDF's esp_log writes (format "E (%u) %s: ..." plus newline), with colour codes when enabled.
    collect("E (12345) wifi:connect failed\n");
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == "# log E (12345) wifi:connect failed");
    collect("\x1b[0;31mE (7) nvs: nvs_get_str NOT_FOUND\x1b[0m\r\n");
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == "# log E (7) nvs: nvs_get_str NOT_FOUND");
    collect("two\nlines\n\n   \n");
    REQUIRE(lines.size() == 2);
    CHECK(lines[1] == "# log lines");
    collect("no newline at the end");
    REQUIRE(lines.size() == 1);
    // Garbage and overlong text: still only protocol lines, each within the console's line length.
    std::string junk;
    for (int i = 0; i < 3000; ++i) junk += static_cast<char>((i * 37) & 0xFF);
    lines.clear();
    forEachLogLine(junk.data(), junk.size(), buf, [&](char* l, size_t n) {
        CHECK(n + 2 < sizeof buf);  // room for the CRLF the glue writes in place
        lines.push_back(std::string(l, n));
    });
    CHECK_FALSE(lines.empty());
    for (const std::string& l : lines) {
        CHECK(l.rfind("# ", 0) == 0);
        CHECK(l.size() <= kConsoleLineMax);
        for (char c : l) CHECK((c >= 0x20 && c < 0x7F));
    }
}

TEST_CASE("Console: the health figures, one format for `info` and `# heap`") {
    HealthStats h{86400, 123456, 98765, 65536, 2100, 5000, 3, 9};
    char line[kConsoleLineMax + 1];
    const int n = formatHeapLine(line, sizeof line, h);
    REQUIRE(n > 0);
    CHECK(std::string(line) ==
          "# heap uptime_s=86400 heap_free=123456 heap_min=98765 heap_largest=65536 poll_stack_free=2100 "
          "loop_stack_free=5000 wifi_drops=3 wifi_attempts=9");
    // The largest values still fit a console line.
    const HealthStats big{0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu,
                          0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu};
    CHECK(formatHeapLine(line, sizeof line, big) < static_cast<int>(sizeof line));
}
