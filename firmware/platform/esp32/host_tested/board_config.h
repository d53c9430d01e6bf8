// Board options of the ESP32 app, all set from platformio.ini build flags with the defaults below. Plain
// macros and constexprs only (no Arduino include) so the native glue tests compile this header too.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "gauge_config.h"

#define GAUGE_STR_(x) #x
#define GAUGE_STR(x) GAUGE_STR_(x)

#ifndef GAUGE_FW_VERSION
#define GAUGE_FW_VERSION 0.1.0
#endif

#ifndef GAUGE_BOARD_NAME
#define GAUGE_BOARD_NAME unknown
#endif

// Screen rotation passed to TFT_eSPI::setRotation(): 1 = landscape 320x240 with the CYD's USB port on the
// right. 3 turns it upside down.
#ifndef GAUGE_TFT_ROTATION
#define GAUGE_TFT_ROTATION 1
#endif
// 1 = invertDisplay(true) after init (the two-USB CYD revision needs it).
#ifndef GAUGE_TFT_INVERT
#define GAUGE_TFT_INVERT 0
#endif

// RGB LED pins (-1 = no RGB LED). The CYD's LED is common-anode: a pin driven LOW lights its colour.
#ifndef GAUGE_RGB_LED_R
#define GAUGE_RGB_LED_R -1
#endif
#ifndef GAUGE_RGB_LED_G
#define GAUGE_RGB_LED_G -1
#endif
#ifndef GAUGE_RGB_LED_B
#define GAUGE_RGB_LED_B -1
#endif
#ifndef GAUGE_RGB_LED_ACTIVE_LOW
#define GAUGE_RGB_LED_ACTIVE_LOW 1
#endif

// Optional discrete lamp LEDs, one pin per lamp (-1 = not fitted), driven from Frame::discrete_mask.
#ifndef GAUGE_LED_HOT
#define GAUGE_LED_HOT -1
#endif
#ifndef GAUGE_LED_WARN
#define GAUGE_LED_WARN -1
#endif
#ifndef GAUGE_LED_STALL
#define GAUGE_LED_STALL -1
#endif
#ifndef GAUGE_LED_IDLE
#define GAUGE_LED_IDLE -1
#endif
#ifndef GAUGE_LED_NOSIG
#define GAUGE_LED_NOSIG -1
#endif
#ifndef GAUGE_LED_ATTN
#define GAUGE_LED_ATTN -1
#endif
#ifndef GAUGE_DISCRETE_LED_ACTIVE_LOW
#define GAUGE_DISCRETE_LED_ACTIVE_LOW 0
#endif

namespace gauge {
namespace esp32 {

constexpr const char* kBoardName = GAUGE_STR(GAUGE_BOARD_NAME);
constexpr const char* kFirmwareVersion = GAUGE_STR(GAUGE_FW_VERSION);
constexpr uint8_t kTftRotation = GAUGE_TFT_ROTATION;
constexpr bool kTftInvert = GAUGE_TFT_INVERT != 0;

constexpr int8_t kRgbLedPins[3] = {GAUGE_RGB_LED_R, GAUGE_RGB_LED_G, GAUGE_RGB_LED_B};
constexpr bool kRgbLedActiveLow = GAUGE_RGB_LED_ACTIVE_LOW != 0;
// Indexed by gauge::LampId (Hot, Warn, Stall, Idle, NoSignal, Attn).
constexpr int8_t kDiscreteLedPins[6] = {GAUGE_LED_HOT,  GAUGE_LED_WARN,  GAUGE_LED_STALL,
                                        GAUGE_LED_IDLE, GAUGE_LED_NOSIG, GAUGE_LED_ATTN};
constexpr bool kDiscreteLedActiveLow = GAUGE_DISCRETE_LED_ACTIVE_LOW != 0;

// LEDC (PWM) for the RGB LED: channels 0..2 at 5 kHz, 8-bit duty. 5 kHz is far above visible flicker and
// well inside what the 80 MHz APB clock gives at 8 bits.
constexpr uint8_t kRgbLedcFirstChannel = 0;
constexpr uint32_t kRgbLedcFreqHz = 5000;
constexpr uint8_t kRgbLedcBits = 8;

// mDNS: the host name this device announces (also the OTA target), and the daemon's service type.
constexpr const char* kHostName = "claude-gauge";
constexpr const char* kDaemonService = "claude-gauge";  // queried as _claude-gauge._tcp
constexpr const char* kDaemonProto = "tcp";
constexpr const char* kDaemonPath = "/usage";

// Captive portal (WiFiManager) access point name, and how long it waits before rebooting to retry.
constexpr const char* kPortalApName = "claude-gauge-setup";
constexpr uint32_t kPortalTimeoutS = 300;
// Setup gesture: GPIO0 (the BOOT button on the CYD and most DevKits) held during the first kSetupWindowMs
// after the splash -- not at power-up, where a low GPIO0 selects the ROM's download mode and the app never
// runs. A press counts when it starts inside the window (the pin was seen high first) and lasts
// kSetupHoldMs.
constexpr int8_t kSetupButtonPin = 0;
constexpr uint32_t kSetupWindowMs = 2000;
constexpr uint32_t kSetupHoldMs = 300;
// ArduinoOTA's port (espota's default; also what MDNS.enableArduino() announces).
constexpr uint16_t kOtaPort = 3232;
// ArduinoOTA.handle() allocates and frees a 1460-byte UDP buffer on every call (WiFiUDP::parsePacket):
// poll for an upload invitation at 10 Hz, not once per loop (~1 kHz).
constexpr uint32_t kOtaPollMs = 100;

// Longest daemon URL and bearer token, everywhere they are stored or accepted (secrets.h, portal, NVS,
// serial console, the request): longer ones are refused with a message, never cut short.
constexpr size_t kMaxUrlBytes = 159;
constexpr size_t kMaxTokenBytes = 160;

// The poll task waits in slices of at most this long (select() / vTaskDelay), each bounded by the request's
// deadline. The request budget is the core's requestTimeoutMs(); a result therefore always reaches the core
// before its own hard timeout, so a slow answer is counted once, never as a timeout and then a "busy".
constexpr uint32_t kIoSliceMs = 20;
static_assert(cfg::kRequestTimeoutMs + 2 * kIoSliceMs < cfg::kRequestHardTimeoutMs,
              "the poll task must report before the core's hard timeout");
// mDNS lookups run inside the mDNS stack (asynchronous queries); these are their own lifetimes.
constexpr uint32_t kMdnsServiceQueryMs = 3000;
constexpr uint32_t kMdnsHostQueryMs = 2000;

// Watchdogs. The main loop is subscribed to the task watchdog (kWatchdogTimeoutS, panic): it never blocks
// on the network. The poll task is not subscribed; it stamps a heartbeat at every wait slice and at least
// every kPollIdleBeatMs while idle, and the main loop restarts the board (with a "# watchdog" line) when the
// heartbeat is older than kPollTaskStallMs -- a task that stopped, never a slow network (a request lasts at
// most its budget).
constexpr uint32_t kWatchdogTimeoutS = 10;
constexpr uint32_t kPollIdleBeatMs = 1000;
constexpr uint32_t kPollTaskStallMs = 30000;
static_assert(kPollTaskStallMs > 10 * (cfg::kRequestTimeoutMs + kPollIdleBeatMs), "liveness margin");

// WiFi reconnect policy (wifi_supervisor.h). The supervisor owns reconnecting (the Arduino core's
// auto-reconnect is off: it gives up on AUTH_FAIL and ASSOC_LEAVE).
constexpr uint32_t kWifiFirstRetryMs = 1000;    // after a drop
constexpr uint32_t kWifiAttemptMs = 15000;      // one join attempt (association + DHCP)
constexpr uint32_t kWifiBackoffBaseMs = 2000;   // then 2, 4, 8 ... s between attempts
constexpr uint32_t kWifiBackoffMaxMs = 60000;   // ... at most a minute
constexpr uint32_t kWifiStableMs = 30000;       // a link shorter than this does not reset the backoff
constexpr uint32_t kWifiRadioRestartEvery = 6;  // every 6th failed attempt restarts the radio instead

// A dial sprite the heap refused is tried again after 5 s, 10 s ... at most every minute (the dial is drawn
// straight on the screen meanwhile).
constexpr uint32_t kSpriteRetryBaseMs = 5000;
constexpr uint32_t kSpriteRetryMaxMs = 60000;

// A "# heap ..." line this often (free heap, minimum since boot, largest block, task stack headroom).
constexpr uint32_t kHealthReportMs = 60000;

// Serial: baud rate (the HIL runner and `pio device monitor` use it) and the state-line heartbeat.
constexpr uint32_t kSerialBaud = 115200;
constexpr uint32_t kStateLineHeartbeatMs = 1000;
// Changed state lines go out at most this often (a 100-byte line takes ~9 ms of the link at 115200 baud).
constexpr uint32_t kStateLineMinGapMs = 100;
constexpr size_t kSerialTxBufferBytes = 2048;

}  // namespace esp32
}  // namespace gauge
