#include "settings.h"

#include <Preferences.h>
#include <stdio.h>
#include <string.h>

#include "console.h"
#include "http_request.h"

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

static_assert(sizeof(GAUGE_DAEMON_URL) - 1 <= gauge::esp32::kMaxUrlBytes, "GAUGE_DAEMON_URL is too long");
static_assert(sizeof(GAUGE_DAEMON_TOKEN) - 1 <= gauge::esp32::kMaxTokenBytes,
              "GAUGE_DAEMON_TOKEN is too long");

namespace gauge {
namespace esp32 {

namespace {

constexpr const char* kNamespace = "gauge";

// Preferences::getString() logs an error for a key that was never written (every first boot); ask first.
void readKey(Preferences& prefs, const char* key, char* out, size_t cap) {
    out[0] = '\0';
    if (!prefs.isKey(key)) return;
    const size_t n = prefs.getString(key, out, cap);
    if (n == 0) out[0] = '\0';
}

bool urlOk(const char* url) {
    DaemonUrl u;
    return url[0] == '\0' || parseDaemonUrl(url, &u);
}

bool tokenOk(const char* token) {
    return token[0] == '\0' || validToken(token);
}

}  // namespace

void loadSettings(DaemonSettings& s) {
    char url[kMaxUrlBytes + 1];
    char token[kMaxTokenBytes + 1];
    Preferences prefs;
    // Read-write: creates the namespace on first boot (opening a missing one read-only logs an error).
    if (prefs.begin(kNamespace, false)) {
        readKey(prefs, "url", url, sizeof url);
        readKey(prefs, "token", token, sizeof token);
        prefs.end();
    } else {
        url[0] = token[0] = '\0';
    }
    s.url_compiled = GAUGE_DAEMON_URL[0] != '\0';
    s.token_compiled = GAUGE_DAEMON_TOKEN[0] != '\0';
    snprintf(s.url, sizeof s.url, "%s", s.url_compiled ? GAUGE_DAEMON_URL : url);
    snprintf(s.token, sizeof s.token, "%s", s.token_compiled ? GAUGE_DAEMON_TOKEN : token);
    if (!urlOk(s.url)) {
        consolef(
            "settings: ignoring daemon URL \"%.60s\" (must be http://host[:port]/path, at most %u bytes)",
            s.url, static_cast<unsigned>(kMaxUrlBytes));
        s.url[0] = '\0';
    }
    if (!tokenOk(s.token)) {
        consolef("settings: ignoring the token (1 to %u printable characters, no spaces)",
                 static_cast<unsigned>(kMaxTokenBytes));
        s.token[0] = '\0';
    }
}

const char* compiledWifiSsid() {
    return GAUGE_WIFI_SSID;
}
const char* compiledWifiPassword() {
    return GAUGE_WIFI_PASSWORD;
}
const char* compiledOtaPassword() {
    return GAUGE_OTA_PASSWORD;
}

void saveSettings(const DaemonSettings& s) {
    Preferences prefs;
    if (!prefs.begin(kNamespace, false)) return;
    prefs.putString("url", s.url_compiled ? "" : s.url);
    prefs.putString("token", s.token_compiled ? "" : s.token);
    prefs.end();
}

}  // namespace esp32
}  // namespace gauge
