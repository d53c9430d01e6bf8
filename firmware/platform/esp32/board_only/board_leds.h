// The board's LEDs: the RGB LED on LEDC PWM and the optional discrete lamp LEDs, on board_config.h's pins,
// driven from the Frame the core made (led_output.h turns it into duties and levels). Arduino-ESP32 2.x only.
#pragma once

#include <stdint.h>

#include "frame.h"

namespace gauge {
namespace esp32 {

class BoardLeds {
  public:
    // Every fitted LED off, before anything else lights up.
    void begin();
    // Writes only what changed since the last call.
    void show(const Frame& f);

  private:
    uint32_t last_rgb_ = 0xFFFFFFFFu;
    uint8_t last_mask_ = 0xFFu;
};

}  // namespace esp32
}  // namespace gauge
