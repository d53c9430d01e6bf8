// The slice of the Arduino API that TFT_eSPI 2.5.43 uses on its generic processor backend
// (Processors/TFT_eSPI_Generic.*), for the host build of the virtual panel. Written here, not taken from
// Arduino-ESP32: its Arduino.h pulls in FreeRTOS and ESP-IDF. Pins, delays and SPI go to the host bus
// (host_bus.h), where the virtual ILI9341 listens; time is virtual (delay() advances it, nothing sleeps).
#pragma once

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>

#include "Print.h"
#include "WString.h"

typedef uint8_t byte;
typedef bool boolean;

#define HIGH 0x1
#define LOW 0x0
#define INPUT 0x01
#define OUTPUT 0x03
#define INPUT_PULLUP 0x05

#define LSBFIRST 0
#define MSBFIRST 1

void pinMode(uint8_t pin, uint8_t mode);
void digitalWrite(uint8_t pin, uint8_t level);
int digitalRead(uint8_t pin);
void delay(uint32_t ms);
void delayMicroseconds(uint32_t us);
uint32_t millis();
uint32_t micros();
void yield();

// Arduino-ESP32 2.x's Arduino.h brings these into the global namespace too.
using std::max;
using std::min;

// Program memory is ordinary memory here (as on the ESP32, where PROGMEM data is memory-mapped flash).
#define PROGMEM
#define pgm_read_byte(addr) (*reinterpret_cast<const uint8_t*>(addr))
#define pgm_read_word(addr) (*reinterpret_cast<const uint16_t*>(addr))
#define pgm_read_dword(addr) (*reinterpret_cast<const uint32_t*>(addr))

// Arduino's random(max) / random(min, max) beside libc's random(); TFT_eSPI dithers alpha blends with it
// only when asked to (the gauge never is). Deterministic here.
long random(long howbig);
long random(long howsmall, long howbig);
// Arduino's (newlib's) integer-to-text helpers.
char* ltoa(long value, char* out, int base);
char* ultoa(unsigned long value, char* out, int base);

// Only TFT_eSPI's legacy bit masks (init() on non-ESP32 processors) use it; they are never read back.
#define digitalPinToBitMask(pin) (1UL << ((pin)&31))
