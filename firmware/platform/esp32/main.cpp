// claude-gauge on the ESP32 (Arduino): the thin glue around the portable core. The core decides everything
// (needles, lamps, texts, when to poll, NO SIGNAL); this file only moves bytes between it and the hardware:
//
//   loop(): millis() -> Device::tick/update -> FrameRenderer (TFT sprites) + LEDs + serial state line
//           PollClient (own FreeRTOS task): GET /usage -> ArduinoJson -> UsageDecoder -> Device
//
// docs/firmware.md covers configuration, flashing, OTA, wiring, the serial protocol and what was (not)
// compiled on the development machine.
#include <Arduino.h>
#include <ArduinoOTA.h>
#include <ESPmDNS.h>
#include <Preferences.h>
#include <TFT_eSPI.h>
#include <WiFi.h>
#include <WiFiManager.h>
#include <esp_arduino_version.h>
#include <esp_task_wdt.h>

#include "board_config.h"
#include "device.h"
#include "led_output.h"
#include "poll_bridge.h"
#include "poll_task.h"
#include "render_plan.h"
#include "serial_commands.h"
#include "state_line.h"
#include "tft_canvas.h"

// One platform version, on purpose: Arduino-ESP32 3.x (ESP-IDF 5) changed esp_task_wdt_init() (it takes a
// config struct and fails when the TWDT already runs), replaced ledcSetup()/ledcAttachPin() with
// ledcAttach(), and renamed MDNS.IP() to MDNS.address(). platformio.ini pins espressif32 6.9.0 = 2.0.17.
#if !defined(ESP_ARDUINO_VERSION_MAJOR) || ESP_ARDUINO_VERSION_MAJOR != 2
#error "claude-gauge's ESP32 glue targets Arduino-ESP32 2.x; use the platform pinned in platformio.ini"
#endif

// Gitignored; copy firmware/include/secrets.sample.h to firmware/include/secrets.h.
#if __has_include("secrets.h")
#include "secrets.h"
#endif
#ifndef GAUGE_WIFI_SSID
#define GAUGE_WIFI_SSID ""
#endif
#ifndef GAUGE_WIFI_PASSWORD
#define GAUGE_WIFI_PASSWORD ""
#endif
#ifndef GAUGE_DAEMON_URL
#define GAUGE_DAEMON_URL ""
#endif
#ifndef GAUGE_DAEMON_TOKEN
#define GAUGE_DAEMON_TOKEN ""
#endif
#ifndef GAUGE_OTA_PASSWORD
#define GAUGE_OTA_PASSWORD ""
#endif

using namespace gauge;
using namespace gauge::esp32;

namespace {

TFT_eSPI g_tft;
ScreenCanvas g_screen(g_tft);
SpriteProvider g_sprites(g_tft);
FrameRenderer g_renderer;
Device g_device;
PollClient g_poll;
LineReader g_serial_in;
StateLineGate g_state_gate;

char g_url[160];      // configured daemon URL (secrets.h, else the portal's, else empty = mDNS)
char g_token[96];     // configured bearer token (same order)
PollBridge g_bridge;  // which poll-task result the core is waiting for
PollOutcome g_last_logged = PollOutcome::Count;
bool g_net_started = false;
bool g_ota_running = false;
uint32_t g_last_rgb = 0xFFFFFFFFu;
uint8_t g_last_mask = 0xFFu;

void copyStr(char* dst, size_t cap, const char* src) {
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

// ---- Screen messages before the cluster runs (portal, OTA)
void showMessage(const char* line1, const char* line2) {
    g_tft.fillScreen(TFT_BLACK);
    g_tft.setTextFont(1);
    g_tft.setTextDatum(MC_DATUM);
    g_tft.setTextColor(TFT_WHITE, TFT_BLACK);
    g_tft.setTextSize(2);
    g_tft.drawString(line1, cfg::kScreenW / 2, cfg::kScreenH / 2 - 14);
    g_tft.setTextSize(1);
    g_tft.drawString(line2, cfg::kScreenW / 2, cfg::kScreenH / 2 + 10);
    g_renderer.invalidate();  // the cluster must be redrawn in full afterwards
}

// ---- Configuration: secrets.h first, then what the captive portal stored in NVS
void loadConfig() {
    Preferences prefs;
    prefs.begin("gauge", false);  // read-write: creates the namespace on first boot (read-only logs an error)
    const String url = prefs.getString("url", "");
    const String token = prefs.getString("token", "");
    prefs.end();
    copyStr(g_url, sizeof g_url, GAUGE_DAEMON_URL[0] ? GAUGE_DAEMON_URL : url.c_str());
    copyStr(g_token, sizeof g_token, GAUGE_DAEMON_TOKEN[0] ? GAUGE_DAEMON_TOKEN : token.c_str());
}

void saveConfig(const char* url, const char* token) {
    Preferences prefs;
    prefs.begin("gauge", false);
    prefs.putString("url", url);
    prefs.putString("token", token);
    prefs.end();
}

// WiFiManager (tzapu, 2.0.17): autoConnect() joins the saved network or, failing that, opens the access point
// kPortalApName with a captive portal until configured or kPortalTimeoutS passes. The portal also asks for
// the daemon URL and token (WiFiManagerParameter), saved in NVS.
void runWifiManager(bool force_portal) {
    WiFiManager wm;
    WiFiManagerParameter url_param("daemon_url", "Daemon URL (empty: find it by mDNS)", g_url,
                                   sizeof g_url - 1);
    WiFiManagerParameter token_param("daemon_token", "Bearer token (optional)", g_token, sizeof g_token - 1);
    wm.addParameter(&url_param);
    wm.addParameter(&token_param);
    wm.setConfigPortalTimeout(kPortalTimeoutS);
    wm.setConnectTimeout(20);
    wm.setHostname(kHostName);
    char hint[80];
    snprintf(hint, sizeof hint, "Join WiFi \"%s\" to set up", kPortalApName);
    showMessage("WiFi setup", hint);
    Serial.printf("# wifi: captive portal on \"%s\" if no saved network answers\n", kPortalApName);
    const bool ok = force_portal ? wm.startConfigPortal(kPortalApName) : wm.autoConnect(kPortalApName);
    if (!ok) {
        Serial.println("# wifi: portal timed out; restarting");
        delay(200);
        ESP.restart();
    }
    // getValue() is what the user typed, or the default we passed in when the portal did not run.
    const char* url = url_param.getValue();
    if (url[0] && !plausibleDaemonUrl(url)) {
        Serial.printf("# wifi: ignoring daemon URL \"%s\" (must be http://host[:port]/path)\n", url);
        url = "";
    }
    if (!GAUGE_DAEMON_URL[0] && strcmp(url, g_url) != 0) copyStr(g_url, sizeof g_url, url);
    if (!GAUGE_DAEMON_TOKEN[0] && strcmp(token_param.getValue(), g_token) != 0)
        copyStr(g_token, sizeof g_token, token_param.getValue());
    saveConfig(GAUGE_DAEMON_URL[0] ? "" : g_url, GAUGE_DAEMON_TOKEN[0] ? "" : g_token);
}

void connectWifi() {
    WiFi.setHostname(kHostName);  // before mode(): arduino-esp32 2.x applies it when the station starts
    WiFi.mode(WIFI_STA);
    pinMode(kPortalButtonPin, INPUT_PULLUP);
    const bool button = digitalRead(kPortalButtonPin) == LOW;
    if (GAUGE_WIFI_SSID[0] && !button) {
        // Credentials compiled in: start joining and move on at once, so the self-test sweep runs while WiFi
        // connects; the cluster shows NO SIGNAL until the network and the daemon answer, and WiFi keeps
        // reconnecting by itself. startNetworkServices() (from loop) logs the address once joined.
        WiFi.setAutoReconnect(true);
        WiFi.begin(GAUGE_WIFI_SSID, GAUGE_WIFI_PASSWORD);
        Serial.printf("# wifi: joining \"%s\"\n", GAUGE_WIFI_SSID);
        return;
    }
    runWifiManager(button);
}

// mDNS responder (our name, the OTA service) and ArduinoOTA, once the network is up. We start MDNS
// ourselves (the PollClient queries it too) and tell ArduinoOTA not to, so MDNS.begin() runs once.
void startNetworkServices() {
    if (g_net_started || WiFi.status() != WL_CONNECTED) return;
    g_net_started = true;
    const bool ota_auth = GAUGE_OTA_PASSWORD[0] != '\0';
    if (MDNS.begin(kHostName)) {
        MDNS.enableArduino(kOtaPort, ota_auth);  // announces _arduino._tcp for the IDE / espota
    } else {
        Serial.println("# mdns: responder failed to start (daemon discovery will not work)");
    }
    ArduinoOTA.setHostname(kHostName);
    ArduinoOTA.setPort(kOtaPort);
    ArduinoOTA.setMdnsEnabled(false);
    if (ota_auth) ArduinoOTA.setPassword(GAUGE_OTA_PASSWORD);
    ArduinoOTA.onStart([] {
        g_ota_running = true;
        esp_task_wdt_reset();
        showMessage("Updating", "over the air - keep the power on");
    });
    // handle() runs the whole upload inside loop(); feed the watchdog from its progress callback.
    ArduinoOTA.onProgress([](unsigned int, unsigned int) { esp_task_wdt_reset(); });
    ArduinoOTA.onError([](ota_error_t e) {
        Serial.printf("# ota: error %d\n", static_cast<int>(e));
        g_ota_running = false;
        g_renderer.invalidate();
    });
    ArduinoOTA.onEnd([] { Serial.println("# ota: done, rebooting"); });
    ArduinoOTA.begin();
    Serial.printf("# net: %s ip=%s ota=%s.local:%u\n", kHostName, WiFi.localIP().toString().c_str(),
                  kHostName, kOtaPort);
}

// ---- LEDs
void setupLeds() {
    for (int i = 0; i < 3; ++i) {
        if (kRgbLedPins[i] < 0) continue;
        const uint8_t ch = static_cast<uint8_t>(kRgbLedcFirstChannel + i);
        // Arduino-ESP32 2.x LEDC: ledcSetup(channel, freq, bits), then ledcAttachPin(pin, channel). The duty
        // is set to "off" before the pin is attached so the LED does not flash at boot.
        ledcSetup(ch, kRgbLedcFreqHz, kRgbLedcBits);
        ledcWrite(ch, kRgbLedActiveLow ? 255 : 0);
        ledcAttachPin(static_cast<uint8_t>(kRgbLedPins[i]), ch);
    }
    for (int i = 0; i < kLampCount; ++i) {
        if (kDiscreteLedPins[i] < 0) continue;
        pinMode(kDiscreteLedPins[i], OUTPUT);
        digitalWrite(kDiscreteLedPins[i], kDiscreteLedActiveLow ? HIGH : LOW);
    }
}

void driveLeds(const Frame& f) {
    if (f.rgb_led != g_last_rgb) {
        g_last_rgb = f.rgb_led;
        const RgbDuty d = rgbLedDuty(f.rgb_led, kRgbLedActiveLow);
        const uint8_t duty[3] = {d.r, d.g, d.b};
        for (int i = 0; i < 3; ++i)
            if (kRgbLedPins[i] >= 0) ledcWrite(static_cast<uint8_t>(kRgbLedcFirstChannel + i), duty[i]);
    }
    if (f.discrete_mask != g_last_mask) {
        g_last_mask = f.discrete_mask;
        for (int i = 0; i < kLampCount; ++i) {
            if (kDiscreteLedPins[i] < 0) continue;
            const bool level =
                discreteLedLevel(f.discrete_mask, static_cast<LampId>(i), kDiscreteLedActiveLow);
            digitalWrite(kDiscreteLedPins[i], level ? HIGH : LOW);
        }
    }
}

// ---- Serial
// One write per line, so a log line from the poll task can never land inside a state line.
void writeLine(const char* text) {
    char buf[kStateLineMax + 8];
    const int n = snprintf(buf, sizeof buf, "%s\r\n", text);
    if (n > 0)
        Serial.write(reinterpret_cast<const uint8_t*>(buf),
                     static_cast<size_t>(n < (int)sizeof buf ? n : sizeof buf - 1));
}

void printState(uint32_t now, bool force) {
    char line[kStateLineMax];
    formatStateLine(g_device.frame(), line, sizeof line);
    if (force || g_state_gate.shouldPrint(line, now, kStateLineHeartbeatMs, kStateLineMinGapMs))
        writeLine(line);
}

void printInfo() {
    char url[160];
    const char* source = "";
    g_poll.describe(url, sizeof url, &source);
    const PollStats& s = g_device.poller().stats();
    Serial.printf(
        "# info board=%s fw=%s ip=%s rssi=%d url=%s source=%s heap=%u sprites=%uB sprite_failures=%d "
        "requests=%u ok=%u failures=%u late=%u\n",
        kBoardName, kFirmwareVersion, WiFi.localIP().toString().c_str(), static_cast<int>(WiFi.RSSI()),
        url[0] ? url : "-", source, static_cast<unsigned>(ESP.getFreeHeap()),
        static_cast<unsigned>(g_sprites.bytesInUse()), g_sprites.failedCount(),
        static_cast<unsigned>(s.requests), static_cast<unsigned>(s.ok), static_cast<unsigned>(s.failures),
        static_cast<unsigned>(s.late));
}

void handleCommand(uint32_t now, char* line) {
    const Command c = parseCommand(line);
    switch (c.kind) {
        case CommandKind::None:
            return;
        case CommandKind::State:
            printState(now, true);
            break;
        case CommandKind::Info:
            printInfo();
            break;
        case CommandKind::Url:
            if (strcmp(c.arg, "-") == 0) {
                g_poll.setUrlOverride("");
            } else if (plausibleDaemonUrl(c.arg)) {
                g_poll.setUrlOverride(c.arg);
            } else {
                writeLine("# error url must be http://host[:port]/path");
                return;
            }
            break;
        case CommandKind::Token:
            if (strcmp(c.arg, "-") == 0)
                g_poll.setTokenOverride("", true);
            else
                g_poll.setTokenOverride(c.arg, false);
            break;
        case CommandKind::Rediscover:
            g_poll.requestRediscovery();
            break;
        case CommandKind::SelfTest:
            g_device.boot(now);
            g_bridge.reset();  // the poller forgot any request in flight; its result will count as late
            g_state_gate.reset();
            break;
        case CommandKind::Reboot:
            writeLine("# ok reboot");
            Serial.flush();
            ESP.restart();
            return;
        case CommandKind::Help:
            writeLine(
                "# commands: state | info | url <http://...>|- | token <t>|- | rediscover | selftest | "
                "reboot | help");
            break;
        case CommandKind::Unknown:
            Serial.printf("# error unknown command \"%.40s\" (try help)\n", c.arg);
            return;
        case CommandKind::BadArg:
            Serial.printf("# error %s\n", c.arg);
            return;
    }
    Serial.printf("# ok %s\n", line);
}

void handleSerial(uint32_t now) {
    // Bounded per loop so a flood of input cannot starve the display.
    for (int budget = 256; budget > 0 && Serial.available() > 0; --budget) {
        const int ch = Serial.read();
        if (ch < 0) break;
        if (g_serial_in.push(static_cast<char>(ch))) handleCommand(now, g_serial_in.line());
    }
}

// ---- Poll results
void applyResult(uint32_t now, const PollResult& r) {
    g_bridge.finished(g_device, now, r.id, r.outcome, r.usage);
    // Log each change of outcome, not every poll.
    if (r.outcome != g_last_logged) {
        g_last_logged = r.outcome;
        Serial.printf("# poll: %s http=%d decode=%s json=%d in %u ms\n", pollOutcomeName(r.outcome),
                      r.http_code, decodeStatusName(r.status), r.json_error,
                      static_cast<unsigned>(r.elapsed_ms));
    }
}

}  // namespace

void setup() {
    Serial.setTxBufferSize(kSerialTxBufferBytes);  // before begin(): state lines must not block the loop
    Serial.begin(kSerialBaud);
    Serial.printf("# claude-gauge %s board=%s\n", kFirmwareVersion, kBoardName);

    setupLeds();
    // TFT_eSPI: init() (also switches the backlight on: TFT_BL / TFT_BACKLIGHT_ON), then landscape.
    g_tft.init();
    g_tft.setRotation(kTftRotation);
    if (kTftInvert) g_tft.invertDisplay(true);
    g_tft.fillScreen(TFT_BLACK);
    g_renderer.attach(&g_screen, &g_sprites);

    loadConfig();
    connectWifi();
    startNetworkServices();

    // Task watchdog, armed only now (the captive portal above may legitimately block for minutes) and before
    // the poll task subscribes itself. ESP-IDF 4.4: esp_task_wdt_init(timeout_s, panic) initialises the TWDT,
    // or reconfigures it when the Arduino core already started it.
    esp_task_wdt_init(kWatchdogTimeoutS, true);
    esp_task_wdt_add(nullptr);

    if (!g_poll.begin(g_url, g_token)) Serial.println("# poll: could not start the poll task");
    Serial.printf("# daemon: %s\n", g_url[0] ? g_url : "(find by mDNS)");

    g_device.boot(millis());
}

void loop() {
    esp_task_wdt_reset();
    startNetworkServices();  // no-op once started; covers WiFi that joined after setup()
    if (g_net_started) ArduinoOTA.handle();
    if (g_ota_running) return;

    const uint32_t now = millis();
    handleSerial(now);

    PollResult result;
    while (g_poll.takeResult(result)) applyResult(now, result);

    if (g_device.tick(now) == PollAction::StartRequest)
        g_bridge.started(g_device, now, g_poll.requestPoll(g_device.requestTimeoutMs()));
    if (g_device.wantsRediscovery()) {
        g_poll.requestRediscovery();
        g_device.ackRediscovery();
    }

    g_device.update(now);
    const Frame& f = g_device.frame();
    const RenderStats st = g_renderer.render(f);
    driveLeds(f);
    printState(now, false);
    // Nothing to draw: give the CPU back for a tick instead of spinning.
    if (st.dials == 0 && st.texts == 0 && st.lamps == 0) delay(1);
}
