// The Arduino layer of the virtual panel (arduino/*.h): pins, virtual time and SPI, all routed to the host
// bus. Nothing here knows the panel or the env.
#include <Arduino.h>
#include <SPI.h>

#include "host_bus.h"

namespace panel {

Bus& Bus::instance() {
    static Bus bus;
    return bus;
}

void Bus::pinWrite(uint8_t pin, uint8_t level) {
    if (pin < sizeof levels_) levels_[pin] = level ? 1 : 0;
    if (device_) device_->pinChanged(pin, level ? 1 : 0, now_ns_);
}

uint8_t Bus::pinRead(uint8_t pin) const {
    return pin < sizeof levels_ ? levels_[pin] : 0;
}

void Bus::beginTransaction(uint32_t clock_hz) {
    clock_hz_ = clock_hz > 0 ? clock_hz : 1;
    ++counters_.transactions;
}

void Bus::endTransaction() {}

uint8_t Bus::transfer(uint8_t mosi) {
    const uint64_t ns = (8ull * 1000000000ull + clock_hz_ / 2) / clock_hz_;
    ++counters_.bytes;
    counters_.wire_ns += ns;
    now_ns_ += ns;
    return device_ ? device_->transfer(mosi, now_ns_) : 0xFF;
}

}  // namespace panel

using panel::Bus;

void pinMode(uint8_t, uint8_t) {}
void digitalWrite(uint8_t pin, uint8_t level) {
    Bus::instance().pinWrite(pin, level);
}
int digitalRead(uint8_t pin) {
    return Bus::instance().pinRead(pin);
}
void delay(uint32_t ms) {
    Bus::instance().advanceNs(static_cast<uint64_t>(ms) * 1000000ull);
}
void delayMicroseconds(uint32_t us) {
    Bus::instance().advanceNs(static_cast<uint64_t>(us) * 1000ull);
}
uint32_t millis() {
    return static_cast<uint32_t>(Bus::instance().nowNs() / 1000000ull);
}
uint32_t micros() {
    return static_cast<uint32_t>(Bus::instance().nowNs() / 1000ull);
}
void yield() {}

SPIClass SPI;

void SPIClass::begin() {}
void SPIClass::end() {}
void SPIClass::beginTransaction(SPISettings settings) {
    Bus::instance().beginTransaction(settings.clock);
}
void SPIClass::endTransaction() {
    Bus::instance().endTransaction();
}
uint8_t SPIClass::transfer(uint8_t data) {
    return Bus::instance().transfer(data);
}
uint16_t SPIClass::transfer16(uint16_t data) {
    const uint8_t hi = Bus::instance().transfer(static_cast<uint8_t>(data >> 8));
    const uint8_t lo = Bus::instance().transfer(static_cast<uint8_t>(data));
    return static_cast<uint16_t>(hi << 8 | lo);
}
void SPIClass::transfer(void* data, uint32_t size) {
    uint8_t* p = static_cast<uint8_t*>(data);
    for (uint32_t i = 0; i < size; ++i) p[i] = Bus::instance().transfer(p[i]);
}

long random(long howbig) {
    return howbig <= 0 ? 0 : random() % howbig;
}
long random(long howsmall, long howbig) {
    return howsmall >= howbig ? howsmall : howsmall + random(howbig - howsmall);
}

char* ultoa(unsigned long value, char* out, int base) {
    char tmp[sizeof(unsigned long) * 8 + 1];
    int n = 0;
    if (base < 2 || base > 36) base = 10;
    do {
        const unsigned long d = value % static_cast<unsigned long>(base);
        tmp[n++] = static_cast<char>(d < 10 ? '0' + d : 'a' + d - 10);
        value /= static_cast<unsigned long>(base);
    } while (value != 0);
    for (int i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
    out[n] = '\0';
    return out;
}

char* ltoa(long value, char* out, int base) {
    if (value < 0 && base == 10) {
        out[0] = '-';
        ultoa(0ul - static_cast<unsigned long>(value), out + 1, base);
        return out;
    }
    return ultoa(static_cast<unsigned long>(value), out, base);
}
