// Arduino's SPI class as TFT_eSPI 2.5.43's generic backend drives it: transactions (the clock comes from
// SPISettings), 8- and 16-bit transfers, MSB first. Every byte goes to the host bus (host_bus.h) and comes
// back with what the device on the bus answers (MISO). Host build of the virtual panel.
#pragma once

#include <stddef.h>
#include <stdint.h>

// Transactions exist (TFT_eSPI then brackets every access with beginTransaction/endTransaction).
#define SPI_HAS_TRANSACTION

#define SPI_MODE0 0x00
#define SPI_MODE1 0x01
#define SPI_MODE2 0x02
#define SPI_MODE3 0x03

class SPISettings {
  public:
    SPISettings() : clock(1000000), bitOrder(1), dataMode(SPI_MODE0) {}
    SPISettings(uint32_t clock_hz, uint8_t bit_order, uint8_t data_mode)
        : clock(clock_hz), bitOrder(bit_order), dataMode(data_mode) {}
    uint32_t clock;
    uint8_t bitOrder;
    uint8_t dataMode;
};

class SPIClass {
  public:
    void begin();
    void end();
    void beginTransaction(SPISettings settings);
    void endTransaction();
    uint8_t transfer(uint8_t data);
    uint16_t transfer16(uint16_t data);
    void transfer(void* data, uint32_t size);
};

extern SPIClass SPI;
