// What the board is: its name, the firmware's version, the display's rotation and inversion, the LED and
// button pins -- all set by the board's build flags (its envs in platformio.ini) with the
// defaults below. What the app does on any board (timings, caps, names on the network) is app_config.h's.
// Plain macros and constexprs only (no Arduino include) so the native glue tests compile this header too.
#pragma once

#include <stddef.h>
#include <stdint.h>

#define GAUGE_STR_(x) #x
#define GAUGE_STR(x) GAUGE_STR_(x)

#ifndef GAUGE_FW_VERSION
#define GAUGE_FW_VERSION 0.1.0
#endif

#ifndef GAUGE_BOARD_NAME
#define GAUGE_BOARD_NAME unknown
#endif

// Screen rotation passed to TFT_eSPI::setRotation(): 1 = landscape 320x240 with the CYD's USB port on the
// right. 3 turns it upside down.
#ifndef GAUGE_TFT_ROTATION
#define GAUGE_TFT_ROTATION 1
#endif
// 1 = invertDisplay(true) after init (the two-USB CYD revision needs it).
#ifndef GAUGE_TFT_INVERT
#define GAUGE_TFT_INVERT 0
#endif

// RGB LED pins (-1 = no RGB LED). The CYD's LED is common-anode: a pin driven LOW lights its colour.
#ifndef GAUGE_RGB_LED_R
#define GAUGE_RGB_LED_R -1
#endif
#ifndef GAUGE_RGB_LED_G
#define GAUGE_RGB_LED_G -1
#endif
#ifndef GAUGE_RGB_LED_B
#define GAUGE_RGB_LED_B -1
#endif
#ifndef GAUGE_RGB_LED_ACTIVE_LOW
#define GAUGE_RGB_LED_ACTIVE_LOW 1
#endif

// Optional discrete lamp LEDs, one pin per lamp (-1 = not fitted), driven from Frame::discrete_mask.
#ifndef GAUGE_LED_HOT
#define GAUGE_LED_HOT -1
#endif
#ifndef GAUGE_LED_WARN
#define GAUGE_LED_WARN -1
#endif
#ifndef GAUGE_LED_STALL
#define GAUGE_LED_STALL -1
#endif
#ifndef GAUGE_LED_IDLE
#define GAUGE_LED_IDLE -1
#endif
#ifndef GAUGE_LED_NOSIG
#define GAUGE_LED_NOSIG -1
#endif
#ifndef GAUGE_LED_ATTN
#define GAUGE_LED_ATTN -1
#endif
#ifndef GAUGE_DISCRETE_LED_ACTIVE_LOW
#define GAUGE_DISCRETE_LED_ACTIVE_LOW 0
#endif

namespace gauge {
namespace esp32 {

constexpr const char* kBoardName = GAUGE_STR(GAUGE_BOARD_NAME);
constexpr const char* kFirmwareVersion = GAUGE_STR(GAUGE_FW_VERSION);
constexpr uint8_t kTftRotation = GAUGE_TFT_ROTATION;
constexpr bool kTftInvert = GAUGE_TFT_INVERT != 0;

constexpr int8_t kRgbLedPins[3] = {GAUGE_RGB_LED_R, GAUGE_RGB_LED_G, GAUGE_RGB_LED_B};
constexpr bool kRgbLedActiveLow = GAUGE_RGB_LED_ACTIVE_LOW != 0;
// Indexed by gauge::LampId (Hot, Warn, Stall, Idle, NoSignal, Attn).
constexpr int8_t kDiscreteLedPins[6] = {GAUGE_LED_HOT,  GAUGE_LED_WARN,  GAUGE_LED_STALL,
                                        GAUGE_LED_IDLE, GAUGE_LED_NOSIG, GAUGE_LED_ATTN};
constexpr bool kDiscreteLedActiveLow = GAUGE_DISCRETE_LED_ACTIVE_LOW != 0;

// LEDC (PWM) for the RGB LED: channels 0..2 at 5 kHz, 8-bit duty. 5 kHz is far above visible flicker and
// well inside what the 80 MHz APB clock gives at 8 bits.
constexpr uint8_t kRgbLedcFirstChannel = 0;
constexpr uint32_t kRgbLedcFreqHz = 5000;
constexpr uint8_t kRgbLedcBits = 8;

// The setup button: GPIO0, the BOOT button on the CYD and most DevKits (app_config.h: when it counts).
constexpr int8_t kSetupButtonPin = 0;

}  // namespace esp32
}  // namespace gauge
