// claude-gauge device secrets -- SAMPLE. Copy this file to firmware/include/secrets.h (gitignored) and fill
// in what you want compiled into the firmware. Everything is optional:
//   - no WiFi SSID: the gauge joins the network saved by the setup portal, or opens the
//     "claude-gauge-setup" portal (WiFiManager) when none is saved (or on the setup gesture, see
//     docs/firmware.md);
//   - no daemon URL: the gauge finds the daemon by mDNS (_claude-gauge._tcp), or uses the URL typed into
//     the portal;
//   - no token: no Authorization header (the daemon's default);
//   - no OTA password: anyone on the LAN can flash the gauge over the air -- set one.
// Values here win over what the portal stored. Plain C string literals; escape quotes and backslashes.
#pragma once

#define GAUGE_WIFI_SSID ""
#define GAUGE_WIFI_PASSWORD ""
// e.g. "http://desk-pc.local:8787/usage" (the daemon: claude-gauge serve --lan) -- http only, the full path
// to /usage, at most 159 bytes (a longer one fails the build).
#define GAUGE_DAEMON_URL ""
// Sent as "Authorization: Bearer <token>" when not empty (the daemon's --token); at most 160 bytes.
#define GAUGE_DAEMON_TOKEN ""
#define GAUGE_OTA_PASSWORD ""
