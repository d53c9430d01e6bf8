// The Frame's LED outputs as pin values: the RGB LED colour as three PWM duties, the discrete lamp mask as
// pin levels. Header only (no Arduino), so the native glue test checks polarity and channel order.
#pragma once

#include <stdint.h>

#include "lamps.h"

namespace gauge {
namespace esp32 {

struct RgbDuty {
    uint8_t r, g, b;  // 8-bit LEDC duty per channel, what ledcWrite() gets
};

// RGB888 -> duties. Active-low (the CYD's common-anode LED): full colour = duty 0, off = 255.
inline RgbDuty rgbLedDuty(uint32_t rgb888, bool active_low) {
    const uint8_t r = static_cast<uint8_t>((rgb888 >> 16) & 0xFFu);
    const uint8_t g = static_cast<uint8_t>((rgb888 >> 8) & 0xFFu);
    const uint8_t b = static_cast<uint8_t>(rgb888 & 0xFFu);
    if (!active_low) return RgbDuty{r, g, b};
    return RgbDuty{static_cast<uint8_t>(255u - r), static_cast<uint8_t>(255u - g),
                   static_cast<uint8_t>(255u - b)};
}

// Pin level (true = HIGH) that shows lamp `id` as on/off according to Frame::discrete_mask.
inline bool discreteLedLevel(uint8_t discrete_mask, LampId id, bool active_low) {
    const bool on = (discrete_mask & lampBit(id)) != 0;
    return active_low ? !on : on;
}

}  // namespace esp32
}  // namespace gauge
