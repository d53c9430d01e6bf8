// Improv Wi-Fi on the ESP32's serial console (the Arduino half; the protocol is the core's improv.h, the byte
// routing improv_link.h). It answers ESP Web Tools on the install page: current state, device info, a scan,
// Wi-Fi credentials (joined with WiFi.begin(), which the ESP-IDF keeps in NVS; the WiFi supervisor rejoins
// that network from then on), and the vendor RPC that stores the daemon URL and token in NVS the way the
// setup portal does (settings.h), then restarts so they take effect like the portal's. The console's text
// commands keep working beside it; packets leave in one Serial.write each, like console.h's lines.
//
// main.cpp hooks: begin() after loadSettings(), feed() for every received byte, tick() every loop, and
// servePortal() as wifiRunPortal()'s idle callback (Improv must answer while the setup portal is up: that is
// where a freshly installed gauge is when ESP Web Tools looks for it).
#pragma once

#include <stdint.h>

#include "improv.h"
#include "improv_link.h"
#include "serial_commands.h"
#include "settings.h"

namespace gauge {
namespace esp32 {

class ImprovSerial {
  public:
    ImprovSerial();
    // The app's settings: read for the vendor RPC's answers and the next URL, written (and stored) by it.
    void begin(DaemonSettings& settings);
    // One received byte. True when a console line is complete in lines.line().
    bool feed(uint8_t byte, uint32_t now, LineReader& lines);
    // A join or scan in progress; the restart after new daemon settings.
    void tick(uint32_t now);
    // While the setup portal runs: reads the serial port, serves Improv, answers console lines with an error.
    void servePortal(uint32_t now, LineReader& lines);

    class WifiBackend : public improv::Backend {
      public:
        bool wifiJoined() override;
        bool beginJoin(const char* ssid, const char* password) override;
        improv::JoinStatus joinStatus() override;
        bool beginScan() override;
        improv::ScanStatus scanStatus(size_t* count) override;
        bool scanned(size_t i, improv::Network* out) override;
        void endScan() override;
        improv::DeviceInfo deviceInfo() override;
        void daemonUrl(char* out, size_t cap) override;
        bool hasToken() override;
        improv::StoreResult storeDaemonSettings(const char* url, const char* token) override;

        DaemonSettings* settings = nullptr;
    };

    class SerialOutput : public improv::Output {
      public:
        void write(const uint8_t* bytes, size_t n) override;
    };

  private:
    WifiBackend backend_;
    SerialOutput output_;
    improv::Service service_;
    SerialLink link_;
};

}  // namespace esp32
}  // namespace gauge
