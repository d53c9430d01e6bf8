// What the device is configured with. secrets.h (gitignored, optional; read here and nowhere else) is
// compiled in and wins; the daemon URL and token otherwise come from what the setup portal stored in NVS
// (namespace "gauge"). Both are checked with http_request.h's rules (kMaxUrlBytes, kMaxTokenBytes): a value
// that breaks them is refused with a "# settings" line, never cut short.
#pragma once

#include "app_config.h"

namespace gauge {
namespace esp32 {

struct DaemonSettings {
    char url[kMaxUrlBytes + 1];      // "" = find the daemon by mDNS
    char token[kMaxTokenBytes + 1];  // "" = no Authorization header
    bool url_compiled;               // came from secrets.h (the portal cannot change it)
    bool token_compiled;
};

void loadSettings(DaemonSettings& s);

// The WiFi network and OTA password compiled in ("" = none).
const char* compiledWifiSsid();
const char* compiledWifiPassword();
const char* compiledOtaPassword();
// Stores what the portal returned (the compiled values are not stored; they win anyway).
void saveSettings(const DaemonSettings& s);

}  // namespace esp32
}  // namespace gauge
