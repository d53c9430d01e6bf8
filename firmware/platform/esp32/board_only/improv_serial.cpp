#include "improv_serial.h"

#include <Arduino.h>
#include <WiFi.h>
#include <stdio.h>

#include "app_config.h"
#include "board_config.h"
#include "console.h"

namespace gauge {
namespace esp32 {

// ---- Wi-Fi through Arduino-ESP32 2.0.17's WiFi (WiFiSTA / WiFiScan)

bool ImprovSerial::WifiBackend::wifiJoined() {
    return WiFi.status() == WL_CONNECTED;
}

bool ImprovSerial::WifiBackend::beginJoin(const char* ssid, const char* password) {
    // WiFi.begin() stores the credentials through esp_wifi_set_config() (flash storage: wifiStart() set the
    // mode, with persistence on, before anything else), so the WiFi supervisor's rejoins and the next boot
    // use this network. It also switches the station on if the portal's access point had it off.
    WiFi.persistent(true);
    return WiFi.begin(ssid, password[0] ? password : nullptr) != WL_CONNECT_FAILED;
}

improv::JoinStatus ImprovSerial::WifiBackend::joinStatus() {
    switch (WiFi.status()) {
        case WL_CONNECTED:
            return improv::JoinStatus::Joined;
        case WL_CONNECT_FAILED:  // wrong password (the driver's auth failure)
        case WL_NO_SSID_AVAIL:   // no such network in range
            return improv::JoinStatus::Failed;
        default:
            return improv::JoinStatus::Joining;
    }
}

bool ImprovSerial::WifiBackend::beginScan() {
    // Asynchronous: scanComplete() reports it, so the needles keep moving while the radio scans.
    return WiFi.scanNetworks(true) != WIFI_SCAN_FAILED;
}

improv::ScanStatus ImprovSerial::WifiBackend::scanStatus(size_t* count) {
    const int16_t n = WiFi.scanComplete();
    *count = n > 0 ? static_cast<size_t>(n) : 0;
    if (n == WIFI_SCAN_RUNNING) return improv::ScanStatus::Running;
    return n >= 0 ? improv::ScanStatus::Done : improv::ScanStatus::Failed;
}

bool ImprovSerial::WifiBackend::scanned(size_t i, improv::Network* out) {
    if (i > 255) return false;
    const uint8_t item = static_cast<uint8_t>(i);
    const String ssid = WiFi.SSID(item);
    snprintf(out->ssid, sizeof out->ssid, "%s", ssid.c_str());
    const int32_t rssi = WiFi.RSSI(item);
    out->rssi = static_cast<int8_t>(rssi < -128 ? -128 : (rssi > 0 ? 0 : rssi));
    out->secured = WiFi.encryptionType(item) != WIFI_AUTH_OPEN;
    return true;
}

void ImprovSerial::WifiBackend::endScan() {
    WiFi.scanDelete();
}

improv::DeviceInfo ImprovSerial::WifiBackend::deviceInfo() {
    static char chip[48];
    snprintf(chip, sizeof chip, "%s/esp32", kBoardName);
    return improv::DeviceInfo{kFirmwareVersion, chip, kHostName};
}

void ImprovSerial::WifiBackend::daemonUrl(char* out, size_t cap) {
    snprintf(out, cap, "%s", settings ? settings->url : "");
}

bool ImprovSerial::WifiBackend::hasToken() {
    return settings && settings->token[0] != '\0';
}

improv::StoreResult ImprovSerial::WifiBackend::storeDaemonSettings(const char* url, const char* token) {
    const improv::StoreResult verdict = checkDaemonSettings(url, token);
    if (verdict != improv::StoreResult::Stored) return verdict;
    if (!settings) return improv::StoreResult::Failed;
    if ((url && settings->url_compiled) || (token && settings->token_compiled)) {
        consolef("improv: the daemon %s is compiled in (secrets.h) and cannot be changed",
                 url && settings->url_compiled ? "URL" : "token");
        return improv::StoreResult::Failed;
    }
    if (url) snprintf(settings->url, sizeof settings->url, "%s", url);
    if (token) snprintf(settings->token, sizeof settings->token, "%s", token);
    saveSettings(*settings);
    return improv::StoreResult::Stored;
}

void ImprovSerial::SerialOutput::write(const uint8_t* bytes, size_t n) {
    // One write per packet (one uart_write_bytes() under the UART mutex, as console.h's lines): a line from
    // another task lands before or after it, never inside.
    Serial.write(bytes, n);
}

// ---- The service on the port

ImprovSerial::ImprovSerial() : service_(backend_, output_) {}

void ImprovSerial::begin(DaemonSettings& settings) {
    backend_.settings = &settings;
}

bool ImprovSerial::feed(uint8_t byte, uint32_t now, LineReader& lines) {
    return link_.feed(byte, now, service_, lines);
}

void ImprovSerial::tick(uint32_t now) {
    service_.tick(now);
    if (service_.restartDue(now)) {
        consolef("improv: daemon settings stored; restarting to apply them");
        Serial.flush();
        ESP.restart();
    }
}

void ImprovSerial::servePortal(uint32_t now, LineReader& lines) {
    for (int budget = 256; budget > 0 && Serial.available() > 0; --budget) {
        const int ch = Serial.read();
        if (ch < 0) break;
        if (feed(static_cast<uint8_t>(ch), now, lines) &&
            parseCommand(lines.line()).kind != CommandKind::None)
            consolef("error wifi setup runs: join \"%s\", or send Wi-Fi settings over Improv", kPortalApName);
    }
    tick(now);
}

}  // namespace esp32
}  // namespace gauge
