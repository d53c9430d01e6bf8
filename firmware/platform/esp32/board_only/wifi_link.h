// The WiFi station of the ESP32 app: started at boot without waiting (the cluster runs, on NO SIGNAL, while
// it joins), the setup portal only when there are no credentials or setup was asked for (boot_setup.h), and
// kept up for weeks by the WifiSupervisor's policy (wifi_supervisor.h), which this file only carries out.
#pragma once

#include <stdint.h>

#include "settings.h"
#include "wifi_supervisor.h"

namespace gauge {
namespace esp32 {

using ShowMessage = void (*)(const char* line1, const char* line2);
// Called over and over while the portal runs, to serve the serial port (Improv: improv_serial.h).
using PortalIdle = void (*)(uint32_t now);

// Station mode, host name, modem sleep off, the core's auto-reconnect off (the supervisor owns
// reconnecting); starts joining when credentials exist (compiled in, or saved by an earlier portal).
// Returns whether they do. Never waits for the network.
bool wifiStart();
// The WiFiManager setup portal on access point kPortalApName, shown on the screen only now that it really
// opens. Blocks until the user saved a network, or the station joined one meanwhile (Wi-Fi credentials
// sent over Improv from `idle`), or kPortalTimeoutS passed (then the board restarts). The daemon URL and
// token typed there go into `settings` and NVS.
void wifiRunPortal(DaemonSettings& settings, ShowMessage show, PortalIdle idle);
// After wifiStart() (or the portal): the supervisor's clock starts.
void wifiBeginSupervision(uint32_t now);
// Every loop: runs the supervisor and carries out its action.
void wifiTick(uint32_t now);
bool wifiConnected();
const WifiSupervisor& wifiSupervisor();

}  // namespace esp32
}  // namespace gauge
