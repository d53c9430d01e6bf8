#include "network_services.h"

#include <ArduinoOTA.h>
#include <ESPmDNS.h>
#include <WiFi.h>
#include <esp_task_wdt.h>

#include "app_config.h"
#include "console.h"
#include "settings.h"
#include "wifi_link.h"

namespace gauge {
namespace esp32 {

NetworkServices::NetworkServices(Hook on_update_start, Hook on_update_failed)
    : on_update_start_(on_update_start), on_update_failed_(on_update_failed), ota_pacer_(kOtaPollMs) {}

bool NetworkServices::tick(uint32_t now) {
    if (!started_ && wifiConnected()) start();
    if (started_ && ota_pacer_.due(now)) ArduinoOTA.handle();
    return updating_;
}

void NetworkServices::start() {
    started_ = true;
    const bool ota_auth = compiledOtaPassword()[0] != '\0';
    if (MDNS.begin(kHostName)) {
        MDNS.enableArduino(kOtaPort, ota_auth);  // announces _arduino._tcp for the IDE / espota
    } else {
        consolef("mdns: responder failed to start (daemon discovery will not work)");
    }
    ArduinoOTA.setHostname(kHostName);
    ArduinoOTA.setPort(kOtaPort);
    ArduinoOTA.setMdnsEnabled(false);
    if (ota_auth) ArduinoOTA.setPassword(compiledOtaPassword());
    ArduinoOTA.onStart([this] {
        updating_ = true;
        esp_task_wdt_reset();
        on_update_start_();
    });
    // handle() runs the whole upload inside loop(); feed the watchdog from its progress callback.
    ArduinoOTA.onProgress([](unsigned int, unsigned int) { esp_task_wdt_reset(); });
    ArduinoOTA.onError([this](ota_error_t e) {
        consolef("ota: error %d", static_cast<int>(e));
        updating_ = false;
        on_update_failed_();
    });
    ArduinoOTA.onEnd([] { consolef("ota: done, rebooting"); });
    ArduinoOTA.begin();
    consolef("net: %s ip=%s ota=%s.local:%u", kHostName, WiFi.localIP().toString().c_str(), kHostName,
             kOtaPort);
}

}  // namespace esp32
}  // namespace gauge
