#include "board_leds.h"

#include <Arduino.h>

#include "board_config.h"
#include "led_output.h"

namespace gauge {
namespace esp32 {

void BoardLeds::begin() {
    for (int i = 0; i < 3; ++i) {
        if (kRgbLedPins[i] < 0) continue;
        const uint8_t ch = static_cast<uint8_t>(kRgbLedcFirstChannel + i);
        // Arduino-ESP32 2.x LEDC: ledcSetup(channel, freq, bits), then ledcAttachPin(pin, channel). The duty
        // is set to "off" before the pin is attached so the LED does not flash at boot.
        ledcSetup(ch, kRgbLedcFreqHz, kRgbLedcBits);
        ledcWrite(ch, kRgbLedActiveLow ? 255 : 0);
        ledcAttachPin(static_cast<uint8_t>(kRgbLedPins[i]), ch);
    }
    for (int i = 0; i < kLampCount; ++i) {
        if (kDiscreteLedPins[i] < 0) continue;
        pinMode(kDiscreteLedPins[i], OUTPUT);
        digitalWrite(kDiscreteLedPins[i], kDiscreteLedActiveLow ? HIGH : LOW);
    }
}

void BoardLeds::show(const Frame& f) {
    if (f.rgb_led != last_rgb_) {
        last_rgb_ = f.rgb_led;
        const RgbDuty d = rgbLedDuty(f.rgb_led, kRgbLedActiveLow);
        const uint8_t duty[3] = {d.r, d.g, d.b};
        for (int i = 0; i < 3; ++i)
            if (kRgbLedPins[i] >= 0) ledcWrite(static_cast<uint8_t>(kRgbLedcFirstChannel + i), duty[i]);
    }
    if (f.discrete_mask != last_mask_) {
        last_mask_ = f.discrete_mask;
        for (int i = 0; i < kLampCount; ++i) {
            if (kDiscreteLedPins[i] < 0) continue;
            const bool level =
                discreteLedLevel(f.discrete_mask, static_cast<LampId>(i), kDiscreteLedActiveLow);
            digitalWrite(kDiscreteLedPins[i], level ? HIGH : LOW);
        }
    }
}

}  // namespace esp32
}  // namespace gauge
