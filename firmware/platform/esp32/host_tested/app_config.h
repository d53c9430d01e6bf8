// What the ESP32 app does on every board: names on the network, the setup portal and gesture timings, OTA,
// URL and token caps, the poll task's slices, watchdogs, the WiFi reconnect policy, retry and report periods,
// the serial link. Pins and the board's identity are board_config.h's. Plain constexprs only (no Arduino
// include) so the native glue tests compile this header too.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "gauge_config.h"

namespace gauge {
namespace esp32 {

// mDNS: the host name this device announces (also the OTA target), and the daemon's service type.
constexpr const char* kHostName = "claude-gauge";
constexpr const char* kDaemonService = "claude-gauge";  // queried as _claude-gauge._tcp
constexpr const char* kDaemonProto = "tcp";
constexpr const char* kDaemonPath = "/usage";

// Captive portal (WiFiManager) access point name, and how long it waits before rebooting to retry.
constexpr const char* kPortalApName = "claude-gauge-setup";
constexpr uint32_t kPortalTimeoutS = 300;
// Setup gesture: the setup button (board_config.h's kSetupButtonPin) pressed during the first
// kSetupWindowMs after the splash -- not at power-up, where a low GPIO0 selects the ROM's download mode and
// the app never runs. A press counts when it starts inside the window (the pin was seen high first) and
// lasts kSetupHoldMs.
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
