#include "wifi_link.h"

#include <Arduino.h>
#include <WiFi.h>
#include <WiFiManager.h>
#include <esp_wifi.h>

#include "app_config.h"
#include "console.h"
#include "http_request.h"

namespace gauge {
namespace esp32 {

namespace {

WifiSupervisor g_supervisor;

// WiFiManager prints "*wm:" lines (and, at its DEV level, the password it joins with) on the Print it is
// given: give it one that goes nowhere.
class NullPrint : public Print {
  public:
    size_t write(uint8_t) override { return 1; }
    size_t write(const uint8_t*, size_t n) override { return n; }
};

void join() {
    const char* ssid = compiledWifiSsid();
    if (ssid[0])
        WiFi.begin(ssid, compiledWifiPassword());
    else
        WiFi.begin();  // the network the driver has stored (saved by the portal)
}

bool savedNetwork() {
    wifi_config_t conf;
    memset(&conf, 0, sizeof conf);
    return esp_wifi_get_config(WIFI_IF_STA, &conf) == ESP_OK && conf.sta.ssid[0] != 0;
}

// ARDUINO_EVENT_WIFI_STA_DISCONNECTED, in the Arduino event task: only logged. The supervisor acts on the
// link state, whatever the reason (it does not share the core's list of "reconnectable" ones).
void onDisconnected(arduino_event_id_t, arduino_event_info_t info) {
    const uint8_t reason = info.wifi_sta_disconnected.reason;
    consolef("wifi: disconnected (reason %u %s)", static_cast<unsigned>(reason),
             WiFi.disconnectReasonName(static_cast<wifi_err_reason_t>(reason)));
}

void radioOn() {
    WiFi.mode(WIFI_STA);
    // Modem sleep (2.0.17's default WIFI_PS_MIN_MODEM) makes every reply wait for a DTIM beacon (100-300 ms)
    // and loses multicast (mDNS); the gauge is USB-powered. The setting is kept by the core and applied
    // again at every station start (WiFiGeneric.cpp, ARDUINO_EVENT_WIFI_STA_START).
    WiFi.setSleep(false);
    WiFi.setAutoReconnect(false);
}

}  // namespace

bool wifiStart() {
    WiFi.setHostname(kHostName);  // before mode(): arduino-esp32 2.x applies it when the station starts
    radioOn();
    WiFi.onEvent(&onDisconnected, ARDUINO_EVENT_WIFI_STA_DISCONNECTED);
    const bool have = compiledWifiSsid()[0] != '\0' || savedNetwork();
    if (have) {
        join();
        consolef("wifi: joining %s", compiledWifiSsid()[0] ? "the compiled-in network" : "the saved network");
    }
    return have;
}

void wifiRunPortal(DaemonSettings& s, ShowMessage show, PortalIdle idle) {
    static NullPrint quiet;
    WiFiManager wm(quiet);
    wm.setDebugOutput(false);
    WiFiManagerParameter url_param("daemon_url", "Daemon URL (empty: find it by mDNS)", s.url,
                                   static_cast<int>(kMaxUrlBytes));
    WiFiManagerParameter token_param("daemon_token", "Bearer token (optional)", s.token,
                                     static_cast<int>(kMaxTokenBytes));
    if (!s.url_compiled) wm.addParameter(&url_param);
    if (!s.token_compiled) wm.addParameter(&token_param);
    wm.setConfigPortalTimeout(kPortalTimeoutS);
    wm.setConnectTimeout(20);
    wm.setHostname(kHostName);
    wm.setWiFiAutoReconnect(false);
    char hint[80];
    snprintf(hint, sizeof hint, "Join WiFi \"%s\" to set up", kPortalApName);
    show("WiFi setup", hint);
    consolef("wifi: setup portal open on \"%s\" for %u s", kPortalApName,
             static_cast<unsigned>(kPortalTimeoutS));
    // Non-blocking (WiFiManager 2.0.17: setConfigPortalBlocking(false), then process() until it reports a
    // network or shuts the portal down at its timeout), so `idle` can serve the serial port: right after a
    // browser install, ESP Web Tools looks for Improv while this portal is up.
    wm.setConfigPortalBlocking(false);
    bool joined = wm.startConfigPortal(kPortalApName);
    while (!joined && wm.getConfigPortalActive()) {
        joined = wm.process();
        if (idle) idle(millis());
        if (!joined && WiFi.status() == WL_CONNECTED) {  // joined through Improv
            consolef("wifi: joined a network sent over Improv; closing the setup portal");
            wm.stopConfigPortal();
            joined = true;
        }
        delay(2);
    }
    if (!joined) {
        consolef("wifi: setup portal closed without a network; restarting");
        delay(200);
        ESP.restart();
    }
    // getValue() is what the user typed, or the default we passed in.
    if (!s.url_compiled) {
        const char* url = url_param.getValue();
        DaemonUrl u;
        if (url[0] && !parseDaemonUrl(url, &u))
            consolef(
                "wifi: ignoring daemon URL \"%.60s\" (must be http://host[:port]/path, at most %u bytes)",
                url, static_cast<unsigned>(kMaxUrlBytes));
        else
            snprintf(s.url, sizeof s.url, "%s", url);
    }
    if (!s.token_compiled) {
        const char* token = token_param.getValue();
        if (token[0] && !validToken(token))
            consolef("wifi: ignoring the token (1 to %u printable characters, no spaces)",
                     static_cast<unsigned>(kMaxTokenBytes));
        else
            snprintf(s.token, sizeof s.token, "%s", token);
    }
    saveSettings(s);
    radioOn();  // WiFiManager leaves AP+STA and its own auto-reconnect behind
}

void wifiBeginSupervision(uint32_t now) {
    g_supervisor.begin(now);
}

void wifiTick(uint32_t now) {
    const bool was = g_supervisor.connected();
    switch (g_supervisor.tick(now, WiFi.status() == WL_CONNECTED)) {
        case WifiAction::None:
            break;
        case WifiAction::Reconnect:
            consolef("wifi: joining again (attempt %u)", static_cast<unsigned>(g_supervisor.attempts()));
            WiFi.disconnect();
            join();
            break;
        case WifiAction::RestartRadio:
            consolef("wifi: restarting the radio (attempt %u)",
                     static_cast<unsigned>(g_supervisor.attempts()));
            WiFi.mode(WIFI_OFF);
            radioOn();
            join();
            break;
    }
    if (!was && g_supervisor.connected())
        consolef("wifi: connected ip=%s rssi=%d", WiFi.localIP().toString().c_str(),
                 static_cast<int>(WiFi.RSSI()));
}

bool wifiConnected() {
    return g_supervisor.connected();
}

const WifiSupervisor& wifiSupervisor() {
    return g_supervisor;
}

}  // namespace esp32
}  // namespace gauge
