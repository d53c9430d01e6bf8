// claude-gauge on the ESP32 (Arduino): the thin glue around the portable core. The core decides everything
// (needles, lamps, texts, when to poll, NO SIGNAL); this file only moves bytes between it and the hardware:
//
//   loop(): millis() -> Device::tick/update -> FrameRenderer (dirty tiles, one sprite) + LEDs (board_leds)
//           + state line; mDNS and OTA (network_services) once the station is up
//           PollClient (own FreeRTOS task): GET /usage under one deadline -> ArduinoJson -> UsageDecoder
//           wifi_link: the station, kept up by the WifiSupervisor's policy
//
// docs/firmware.md covers configuration, the setup gesture, flashing, OTA, wiring, the serial protocol and
// what was (not) compiled on the development machine.
#include <Arduino.h>
#include <TFT_eSPI.h>
#include <WiFi.h>
#include <esp_arduino_version.h>
#include <esp_attr.h>
#include <esp_heap_caps.h>
#include <esp_system.h>
#include <esp_task_wdt.h>
#include <esp_timer.h>
#include <freertos/FreeRTOS.h>
#include <freertos/task.h>

#include <new>

#include "app_config.h"
#include "board_config.h"
#include "board_leds.h"
#include "boot_setup.h"
#include "console.h"
#include "console_lines.h"
#include "device.h"
#include "http_request.h"
#include "improv_serial.h"
#include "network_services.h"
#include "poll_bridge.h"
#include "poll_task.h"
#include "render_plan.h"
#include "serial_commands.h"
#include "state_line_gate.h"
#include "settings.h"
#include "state_line.h"
#include "tft_canvas.h"
#include "timers.h"
#include "wifi_link.h"

// One platform version, on purpose: Arduino-ESP32 3.x (ESP-IDF 5) changed esp_task_wdt_init() (it takes a
// config struct and fails when the TWDT already runs), replaced ledcSetup()/ledcAttachPin() with
// ledcAttach(), and renamed MDNS.IP() to MDNS.address(). platformio.ini pins espressif32 6.9.0 = 2.0.17.
#if !defined(ESP_ARDUINO_VERSION_MAJOR) || ESP_ARDUINO_VERSION_MAJOR != 2
#error "claude-gauge's ESP32 glue targets Arduino-ESP32 2.x; use the platform pinned in platformio.ini"
#endif

using namespace gauge;
using namespace gauge::esp32;

namespace {

TFT_eSPI g_tft;
ScreenCanvas g_screen(g_tft);
FrameRenderer g_renderer;
// The renderer's scratch sprite. A SpriteProvider never retries a sprite the heap refused once (the cluster
// would be drawn straight on the screen, flickering, for the whole uptime); its only way back is a new
// provider. So it lives in this buffer and is rebuilt on a backoff while the sprite is missing
// (retrySprites()).
alignas(SpriteProvider) unsigned char g_sprites_mem[sizeof(SpriteProvider)];
SpriteProvider* g_sprites = nullptr;
RetryBackoff g_sprite_retry(kSpriteRetryBaseMs, kSpriteRetryMaxMs);
Device g_device;
PollClient g_poll;
LineReader g_serial_in;
ImprovSerial g_improv;  // Improv Wi-Fi on the same serial port (the install page); improv_serial.h
StateLineGate g_state_gate;
DaemonSettings g_settings;
PollBridge g_bridge;  // which poll-task result the core is waiting for
PollOutcome g_last_logged = PollOutcome::Count;
BoardLeds g_leds;
Pacer g_health_pacer(kHealthReportMs);
const char* g_reset_reason = "unknown";

// The serial `setup` command leaves kSetupRequestMagic here and restarts (boot_setup.h). RTC slow memory,
// not initialised by a software restart.
RTC_NOINIT_ATTR uint32_t g_setup_request;

const char* resetReasonName(esp_reset_reason_t r) {
    switch (r) {
        case ESP_RST_POWERON:
            return "poweron";  // also the EN/RST button on the ESP32
        case ESP_RST_EXT:
            return "external";
        case ESP_RST_SW:
            return "software";
        case ESP_RST_PANIC:
            return "panic";
        case ESP_RST_INT_WDT:
            return "int_wdt";
        case ESP_RST_TASK_WDT:
            return "task_wdt";
        case ESP_RST_WDT:
            return "wdt";
        case ESP_RST_DEEPSLEEP:
            return "deepsleep";
        case ESP_RST_BROWNOUT:
            return "brownout";  // the supply sagged (docs/firmware.md: backlight and WiFi bursts)
        case ESP_RST_SDIO:
            return "sdio";
        default:
            return "unknown";
    }
}

void makeSprites() {
    g_sprites = new (g_sprites_mem) SpriteProvider(g_tft);
    g_renderer.attach(&g_screen, g_sprites);  // also invalidates: everything is drawn again
}

// After each render: a missing sprite schedules a retry (5 s, 10 s, ... at most a minute apart); when it is
// due the provider is destroyed -- TFT_eSprite's destructor frees its memory -- and built again, and the
// next render asks for the sprite anew, from a heap that may have recovered.
void retrySprites(uint32_t now) {
    const int failed = g_sprites->failedCount();
    if (!rebuildDue(g_sprite_retry, now, failed > 0)) return;
    consolef("sprites: %d sprite(s) refused (heap_largest=%u); trying again", failed,
             static_cast<unsigned>(heap_caps_get_largest_free_block(MALLOC_CAP_8BIT)));
    g_sprites->~SpriteProvider();
    makeSprites();
}

// ---- Screen messages before the cluster runs (splash, portal, OTA)
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

// mDNS and OTA: an update takes the screen; a failed one gives it back to the cluster.
NetworkServices g_net([] { showMessage("Updating", "over the air - keep the power on"); },
                      [] { g_renderer.invalidate(); });

// ---- The setup gesture: BOOT (GPIO0) pressed during the window after the splash (boot_setup.h).
bool setupGesture() {
    pinMode(kSetupButtonPin, INPUT_PULLUP);
    SetupGesture gesture;
    gesture.begin(millis());
    while (gesture.listening(millis())) {
        gesture.sample(millis(), digitalRead(kSetupButtonPin) == LOW);
        delay(10);
    }
    return gesture.triggered();
}

// ---- Health: the figures a bench board logs over days
HealthStats health() {
    HealthStats h;
    h.uptime_s = static_cast<uint32_t>(esp_timer_get_time() / 1000000LL);
    h.heap_free = static_cast<uint32_t>(heap_caps_get_free_size(MALLOC_CAP_8BIT));
    h.heap_min = static_cast<uint32_t>(heap_caps_get_minimum_free_size(MALLOC_CAP_8BIT));
    h.heap_largest = static_cast<uint32_t>(heap_caps_get_largest_free_block(MALLOC_CAP_8BIT));
    h.poll_stack_free = g_poll.stackFreeBytes();
    // ESP-IDF FreeRTOS counts stack in bytes; nullptr = the calling task (Arduino's loopTask).
    h.loop_stack_free = static_cast<uint32_t>(uxTaskGetStackHighWaterMark(nullptr));
    h.wifi_drops = wifiSupervisor().drops();
    h.wifi_attempts = wifiSupervisor().attempts();
    return h;
}

void printHeap() {
    char line[kConsoleLineMax + 1];
    formatHeapLine(line, sizeof line, health());
    consoleWrite(line);
}

// ---- Serial
void printState(uint32_t now, bool force) {
    char line[kStateLineMax];
    formatStateLine(g_device.frame(), line, sizeof line);
    if (force || g_state_gate.shouldPrint(line, now, kStateLineHeartbeatMs, kStateLineMinGapMs))
        consoleWrite(line);
}

void printInfo() {
    char url[kMaxUrlBytes + 1];
    const char* source = "";
    g_poll.describe(url, sizeof url, &source);
    consolef("info board=%s fw=%s reset=%s ip=%s rssi=%d", kBoardName, kFirmwareVersion, g_reset_reason,
             WiFi.localIP().toString().c_str(), static_cast<int>(WiFi.RSSI()));
    // A line of its own: the longest URL (kMaxUrlBytes) fits it whole.
    consolef("info source=%s url=%s", source, url[0] ? url : "-");
    char fields[kConsoleLineMax];
    formatHealthFields(fields, sizeof fields, health());
    consolef("info %s", fields);
    const PollStats& s = g_device.poller().stats();
    consolef(
        "info sprites=%uB sprite_failures=%d requests=%u ok=%u failures=%u late=%u busy=%u dropped=%u "
        "log_dropped=%u",
        static_cast<unsigned>(g_sprites->bytesInUse()), g_sprites->failedCount(),
        static_cast<unsigned>(s.requests), static_cast<unsigned>(s.ok), static_cast<unsigned>(s.failures),
        static_cast<unsigned>(s.late), static_cast<unsigned>(g_bridge.refused()),
        static_cast<unsigned>(g_bridge.dropped()), consoleDroppedLogs());
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
        case CommandKind::Heap:
            printHeap();
            break;
        case CommandKind::Url:
            if (strcmp(c.arg, "-") == 0) {
                g_poll.setUrlOverride("");
            } else if (plausibleDaemonUrl(c.arg)) {
                g_poll.setUrlOverride(c.arg);
            } else {
                consolef("error url must be http://host[:port]/path, at most %u bytes",
                         static_cast<unsigned>(kMaxUrlBytes));
                return;
            }
            break;
        case CommandKind::Token:
            if (strcmp(c.arg, "-") == 0) {
                g_poll.setTokenOverride("", true);
            } else if (validToken(c.arg)) {
                g_poll.setTokenOverride(c.arg, false);
            } else {
                consolef("error token must be 1 to %u printable characters without spaces",
                         static_cast<unsigned>(kMaxTokenBytes));
                return;
            }
            break;
        case CommandKind::Rediscover:
            g_poll.requestRediscovery();
            break;
        case CommandKind::SelfTest:
            g_device.boot(now);
            g_bridge.reset();  // the poller forgot any request in flight; its result will count as late
            g_state_gate.reset();
            break;
        case CommandKind::Setup:
            consolef("ok setup (restarting into the setup portal)");
            Serial.flush();
            g_setup_request = kSetupRequestMagic;
            ESP.restart();
            return;
        case CommandKind::Reboot:
            consolef("ok reboot");
            Serial.flush();
            ESP.restart();
            return;
        case CommandKind::Help:
            consoleWrite(kHelpLine);
            break;
        case CommandKind::Unknown:
            consolef("error unknown command \"%.40s\" (try help)", c.arg);
            return;
        case CommandKind::BadArg:
            consolef("error %s", c.arg);
            return;
    }
    consolef("ok %s", line);
}

// One byte from the serial port: Improv packets go to the Improv service, console text to the commands.
void serialByte(uint32_t now, char ch) {
    if (g_improv.feed(static_cast<uint8_t>(ch), now, g_serial_in)) handleCommand(now, g_serial_in.line());
}

void handleSerial(uint32_t now) {
    // Bounded per loop so a flood of input cannot starve the display.
    for (int budget = 256; budget > 0 && Serial.available() > 0; --budget) {
        const int ch = Serial.read();
        if (ch < 0) break;
        serialByte(now, static_cast<char>(ch));
    }
}

// ---- Poll results
void applyResult(uint32_t now, const PollResult& r) {
    g_bridge.finished(g_device, now, r.id, r.outcome, r.usage);
    // Log each change of outcome, not every poll.
    if (r.outcome != g_last_logged) {
        g_last_logged = r.outcome;
        consolef("poll: %s at %s http=%d decode=%s json=%d errno=%d reused=%d in %u ms",
                 pollOutcomeName(r.outcome), pollPhaseName(r.phase), r.http_status,
                 decodeStatusName(r.status), r.json_error, r.sys_error, r.reused ? 1 : 0,
                 static_cast<unsigned>(r.elapsed_ms));
    }
}

// The poll task's liveness (poll_task.h): a task that stopped for kPollTaskStallMs is a real hang; a slow
// network never gets near it (a request lasts at most its budget).
void checkPollTask(uint32_t now) {
    if (!g_poll.running()) return;
    const uint32_t beat = g_poll.heartbeatMs();
    if (!heartbeatStale(now, beat, kPollTaskStallMs)) return;
    consolef("watchdog: the poll task has been silent for %u ms; restarting",
             static_cast<unsigned>(now - beat));
    Serial.flush();
    ESP.restart();
}

}  // namespace

void setup() {
    Serial.setTxBufferSize(kSerialTxBufferBytes);  // before begin(): state lines must not block the loop
    Serial.begin(kSerialBaud);
    consoleBegin();  // from here on, only protocol lines leave the port

    const esp_reset_reason_t reset = esp_reset_reason();
    g_reset_reason = resetReasonName(reset);
    const bool setup_asked = setupRequested(g_setup_request, reset == ESP_RST_SW);
    g_setup_request = 0;
    consolef("claude-gauge %s board=%s reset=%s", kFirmwareVersion, kBoardName, g_reset_reason);

    g_leds.begin();
    // TFT_eSPI: init() also switches the backlight on (TFT_BL / TFT_BACKLIGHT_ON) -- before WiFi starts, so
    // the backlight's inrush and the radio's calibration and transmit bursts do not coincide.
    beginDisplay(g_tft);  // tft_canvas.h: reset, init sequence, backlight, rotation, inversion, black

    loadSettings(g_settings);
    g_improv.begin(g_settings);
    const bool have_credentials = wifiStart();  // joins in the background while the window below runs
    bool asked = setup_asked;
    if (have_credentials && !asked) {
        showMessage("claude-gauge", "hold BOOT now for WiFi setup");
        asked = setupGesture();
    }
    if (planBootWifi(have_credentials, asked) == BootWifi::Portal)
        wifiRunPortal(g_settings, &showMessage, [](uint32_t now) { g_improv.servePortal(now, g_serial_in); });
    wifiBeginSupervision(millis());

    g_tft.fillScreen(TFT_BLACK);
    makeSprites();

    // Task watchdog, armed only now (the setup portal above may legitimately block for minutes), for the
    // loop only: it never blocks on the network. ESP-IDF 4.4: esp_task_wdt_init(timeout_s, panic)
    // initialises the TWDT, or reconfigures it when the Arduino core already started it.
    esp_task_wdt_init(kWatchdogTimeoutS, true);
    esp_task_wdt_add(nullptr);

    if (!g_poll.begin(g_settings.url, g_settings.token)) consolef("poll: the poll task did not start");
    consolef("daemon: %s", g_settings.url[0] ? g_settings.url : "(find by mDNS)");

    g_device.boot(millis());
}

void loop() {
    esp_task_wdt_reset();
    const uint32_t now = millis();
    wifiTick(now);
    if (g_net.tick(now)) return;  // an update over the air is being written

    checkPollTask(now);
    handleSerial(now);
    g_improv.tick(now);

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
    retrySprites(now);
    g_leds.show(f);
    printState(now, false);
    if (g_health_pacer.due(now)) printHeap();
    // Nothing to draw: give the CPU back for a tick instead of spinning.
    if (st.drewNothing()) delay(1);
}
