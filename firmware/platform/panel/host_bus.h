// The host side of the virtual panel's wiring: what TFT_eSPI's pin and SPI calls (arduino/*.h) reach. One
// device sits on the bus (the virtual ILI9341); it sees every pin change and every byte, and answers each
// byte with its MISO byte. The bus also keeps the virtual clock (delay() and every SPI byte at the
// transaction's clock advance it; nothing sleeps) and counts the bytes that went over the wire.
#pragma once

#include <stdint.h>

namespace panel {

class BusDevice {
  public:
    virtual ~BusDevice() {}
    virtual void pinChanged(uint8_t pin, uint8_t level, uint64_t now_ns) = 0;
    // One byte clocked out on MOSI; returns the byte clocked in on MISO at the same time.
    virtual uint8_t transfer(uint8_t mosi, uint64_t now_ns) = 0;
};

struct BusCounters {
    uint64_t bytes;         // every byte clocked, reads included
    uint64_t wire_ns;       // time on the wire: 8 bits per byte at the clock of its transaction
    uint32_t transactions;  // beginTransaction() calls
};

class Bus {
  public:
    static Bus& instance();
    void attach(BusDevice* device) { device_ = device; }
    BusCounters counters() const { return counters_; }
    void resetCounters() { counters_ = BusCounters{0, 0, 0}; }
    uint64_t nowNs() const { return now_ns_; }
    void advanceNs(uint64_t ns) { now_ns_ += ns; }

    // Called by the Arduino layer.
    void pinWrite(uint8_t pin, uint8_t level);
    uint8_t pinRead(uint8_t pin) const;
    void beginTransaction(uint32_t clock_hz);
    void endTransaction();
    uint8_t transfer(uint8_t mosi);

  private:
    Bus() = default;
    BusDevice* device_ = nullptr;
    BusCounters counters_{0, 0, 0};
    uint64_t now_ns_ = 0;
    uint32_t clock_hz_ = 1000000;
    uint8_t levels_[64] = {};
};

}  // namespace panel
