// The services that need the network up: the mDNS responder (our name, the OTA service) and ArduinoOTA. We
// start MDNS ourselves (the poll task queries it too) and tell ArduinoOTA not to, so MDNS.begin() runs
// once. Arduino-ESP32 2.x only.
#pragma once

#include <stdint.h>

#include "timers.h"

namespace gauge {
namespace esp32 {

class NetworkServices {
  public:
    using Hook = void (*)();
    // on_update_start: an upload begins (the screen says so); on_update_failed: it failed, the app goes on.
    NetworkServices(Hook on_update_start, Hook on_update_failed);

    // Once per loop: starts the services the first time the station is up (a no-op afterwards) and polls
    // ArduinoOTA at kOtaPollMs. Returns true while an update is being written: the loop does nothing else.
    bool tick(uint32_t now);

  private:
    void start();

    Hook on_update_start_;
    Hook on_update_failed_;
    Pacer ota_pacer_;
    bool started_ = false;
    bool updating_ = false;
};

}  // namespace esp32
}  // namespace gauge
