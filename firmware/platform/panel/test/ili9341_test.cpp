// The virtual ILI9341 on its own (no TFT_eSPI, no kit): driven byte by byte through the host bus, it must
// decode what the datasheet says and count what a real controller would not accept. Run with
// `make -C firmware panel-model`.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <stdint.h>

#include "host_bus.h"
#include "ili9341.h"

using panel::Bus;
using panel::Ili9341;
using panel::kGramH;
using panel::kGramW;

namespace {

constexpr int kCs = 15, kDc = 2, kRst = 4, kBl = 21;
constexpr uint64_t kMs = 1000000ull;
// TFT_eSPI 2.5.43's MADCTL for rotations 0..3 on an ILI9341 (TFT_Drivers/ILI9341_Rotation.h), BGR order.
constexpr uint8_t kMadctl[4] = {0x48, 0x28, 0x88, 0xE8};

// A panel on the bus, and the controller's side of TFT_eSPI's writecommand()/writedata().
struct Wire {
    Ili9341 lcd;
    explicit Wire(bool inverted_glass = false, uint32_t seed = 7)
        : lcd(panel::Wiring{kCs, kDc, kRst, kBl, 1}, inverted_glass, seed) {
        Bus::instance().attach(&lcd);
        pin(kCs, 1);
        pin(kDc, 1);
        pin(kRst, 1);
    }
    ~Wire() { Bus::instance().attach(nullptr); }
    void pin(int p, int level) {
        Bus::instance().pinWrite(static_cast<uint8_t>(p), static_cast<uint8_t>(level));
    }
    void wait(uint64_t ms) { Bus::instance().advanceNs(ms * kMs); }
    void cmd(uint8_t c) {
        pin(kDc, 0);
        Bus::instance().transfer(c);
        pin(kDc, 1);
    }
    uint8_t data(uint8_t b) { return Bus::instance().transfer(b); }
    void data16(uint16_t v) {
        data(static_cast<uint8_t>(v >> 8));
        data(static_cast<uint8_t>(v));
    }
    // Reset, wake, 16-bit pixels, the given MADCTL, display on, backlight on: what TFT_eSPI's init() does.
    void start(uint8_t madctl) {
        pin(kCs, 0);
        cmd(0x01);
        wait(150);
        cmd(0x3A);
        data(0x55);
        cmd(0x36);
        data(madctl);
        cmd(0x11);
        wait(120);
        cmd(0x29);
        pin(kBl, 1);
    }
    void window(int x0, int y0, int x1, int y1) {
        cmd(0x2A);
        data16(static_cast<uint16_t>(x0));
        data16(static_cast<uint16_t>(x1));
        cmd(0x2B);
        data16(static_cast<uint16_t>(y0));
        data16(static_cast<uint16_t>(y1));
    }
    void pixel(int x, int y, uint16_t color) {
        window(x, y, x, y);
        cmd(0x2C);
        data16(color);
    }
    uint16_t gram(int col, int row) const { return lcd.gram()[row * kGramW + col]; }
};

uint16_t viewAt(const Ili9341& lcd, int rotation, int x, int y) {
    static uint16_t px[kGramW * kGramH];
    int w = 0, h = 0;
    lcd.view(rotation, px, &w, &h);
    REQUIRE(x < w);
    REQUIRE(y < h);
    return px[y * w + x];
}

}  // namespace

TEST_CASE("A fresh panel shows nothing until reset, woken and switched on; its memory starts as noise") {
    Wire w;
    CHECK_FALSE(w.lcd.showing());
    CHECK(w.lcd.state().sleeping);
    int differing = 0;
    for (int i = 1; i < kGramW * kGramH; ++i) differing += w.lcd.gram()[i] != w.lcd.gram()[0];
    CHECK(differing > kGramW * kGramH / 2);
    {
        const Ili9341 other(panel::Wiring{kCs, kDc, kRst, kBl, 1}, false, 8);  // not on the bus
        CHECK(other.gram()[0] != w.lcd.gram()[0]);
    }
    w.start(kMadctl[1]);
    CHECK(w.lcd.showing());
    CHECK(w.lcd.state().madctl == 0x28);
    CHECK(w.lcd.state().colmod == 0x55);
    CHECK(w.lcd.state().reset_seen);
    CHECK(w.lcd.faultCount() == 0);
}

TEST_CASE("MADCTL: each rotation's pixel lands where the datasheet maps it and is seen upright at (x, y)") {
    for (int r = 0; r < 4; ++r) {
        CAPTURE(r);
        Wire w;
        w.start(kMadctl[r]);
        // Three pixels that tell a rotation from a mirror image.
        w.pixel(10, 20, 0xF800);
        w.pixel(11, 20, 0x07E0);
        w.pixel(10, 22, 0x001F);
        CHECK(w.lcd.faultCount() == 0);
        CHECK(viewAt(w.lcd, r, 10, 20) == 0xF800);
        CHECK(viewAt(w.lcd, r, 11, 20) == 0x07E0);
        CHECK(viewAt(w.lcd, r, 10, 22) == 0x001F);
    }
    // Where they sit in GRAM: MV exchanges x and y, then MX mirrors the column, MY the row.
    Wire w;
    w.start(kMadctl[1]);  // MV
    w.pixel(10, 20, 0x1234);
    CHECK(w.gram(20, 10) == 0x1234);
    Wire v;
    v.start(kMadctl[3]);  // MY | MX | MV
    v.pixel(10, 20, 0x4321);
    CHECK(v.gram(kGramW - 1 - 20, kGramH - 1 - 10) == 0x4321);
}

TEST_CASE(
    "Colours: BGR clear swaps red and blue on the BGR glass, INVON inverts, an inverted glass needs it") {
    Wire w;
    w.start(0x28);
    w.pixel(0, 0, 0xF800);
    CHECK(viewAt(w.lcd, 1, 0, 0) == 0xF800);
    w.cmd(0x36);
    w.data(0x20);  // MV without BGR
    CHECK(viewAt(w.lcd, 1, 0, 0) == 0x001F);
    w.cmd(0x36);
    w.data(0x28);
    w.cmd(0x21);  // INVON
    CHECK(w.lcd.state().inverted);
    CHECK(viewAt(w.lcd, 1, 0, 0) == static_cast<uint16_t>(~0xF800));
    w.cmd(0x20);
    CHECK(viewAt(w.lcd, 1, 0, 0) == 0xF800);

    Wire inv(true);
    inv.start(0x28);
    inv.pixel(0, 0, 0xF800);
    CHECK(viewAt(inv.lcd, 1, 0, 0) == static_cast<uint16_t>(~0xF800));
    inv.cmd(0x21);
    CHECK(viewAt(inv.lcd, 1, 0, 0) == 0xF800);
}

TEST_CASE(
    "Window: pixels fill it row by row; past its end is an overflow; outside the address range a fault") {
    Wire w;
    w.start(0x28);  // MV: columns 0..319, pages 0..239
    w.window(5, 5, 7, 6);
    w.cmd(0x2C);
    for (uint16_t i = 0; i < 6; ++i) w.data16(static_cast<uint16_t>(100 + i));
    CHECK(viewAt(w.lcd, 1, 5, 5) == 100);
    CHECK(viewAt(w.lcd, 1, 7, 5) == 102);
    CHECK(viewAt(w.lcd, 1, 5, 6) == 103);
    CHECK(viewAt(w.lcd, 1, 7, 6) == 105);
    CHECK(w.lcd.faultCount() == 0);
    w.data16(999);
    CHECK(w.lcd.faults().overflow == 1);
    CHECK(viewAt(w.lcd, 1, 5, 5) == 100);  // not written over

    w.window(0, 0, 319, 239);  // the whole landscape screen: fine with MV
    CHECK(w.lcd.faults().bad_window == 0);
    w.window(0, 0, 320, 10);  // one column too far
    CHECK(w.lcd.faults().bad_window == 1);
    w.window(10, 0, 5, 10);  // start after end
    CHECK(w.lcd.faults().bad_window == 2);
    w.cmd(0x36);
    w.data(0x08);            // portrait: columns 0..239
    w.window(0, 0, 300, 0);  // a landscape column range is now out of range
    CHECK(w.lcd.faults().bad_window == 3);
}

TEST_CASE("Timing: commands inside the waits after reset and sleep-out are faults; RST needs 10 us low") {
    Wire w;
    w.pin(kCs, 0);
    w.cmd(0x01);
    w.cmd(0x3A);  // 0 ms after SWRESET
    CHECK(w.lcd.faults().too_early == 1);
    w.data(0x55);
    w.wait(10);
    w.cmd(0x11);  // SLPOUT 10 ms after SWRESET: needs 120
    CHECK(w.lcd.faults().too_early == 2);
    w.wait(2);
    w.cmd(0x29);  // 2 ms after SLPOUT: needs 5
    CHECK(w.lcd.faults().too_early == 3);
    w.wait(200);
    w.cmd(0x10);  // SLPIN long after: fine
    CHECK(w.lcd.faults().too_early == 3);

    Wire r;
    r.pin(kCs, 0);
    r.start(0x28);
    r.pin(kRst, 0);
    Bus::instance().advanceNs(2000);  // a 2 us glitch: no reset
    r.pin(kRst, 1);
    CHECK_FALSE(r.lcd.state().sleeping);
    r.pin(kRst, 0);
    Bus::instance().advanceNs(20000);
    r.pin(kRst, 1);
    CHECK(r.lcd.state().sleeping);
    CHECK(r.lcd.state().madctl == 0);
    CHECK_FALSE(r.lcd.showing());
}

TEST_CASE("Faults: pixels before SLPOUT or not in 16-bit mode, unknown commands, a pixel cut by CS") {
    Wire w;
    w.pin(kCs, 0);
    w.cmd(0x01);
    w.wait(150);
    w.cmd(0x2C);  // still asleep, and COLMOD is the reset default 66h (18-bit)
    CHECK(w.lcd.faults().asleep_write == 1);
    CHECK(w.lcd.faults().pixel_format == 1);
    w.cmd(0x33);  // vertical scrolling: not modelled
    CHECK(w.lcd.faults().unknown_command == 1);
    CHECK(w.lcd.faults().last_unknown == 0x33);
    w.cmd(0x2A);
    w.data(0);
    w.cmd(0x00);  // CASET cut short
    CHECK(w.lcd.faults().short_params == 1);

    Wire c;
    c.start(0x28);
    c.window(0, 0, 9, 0);
    c.cmd(0x2C);
    c.data(0xAB);
    c.pin(kCs, 1);
    CHECK(c.lcd.faults().odd_pixel_byte == 1);
    const uint64_t before = c.lcd.counters().pixel_bytes;
    c.data(0x12);  // CS high: not for this panel
    CHECK(c.lcd.counters().pixel_bytes == before);
}

TEST_CASE("RAMRD: a dummy byte, then each pixel as 6 bits per colour in bits 7..2") {
    Wire w;
    w.start(0x28);
    w.pixel(3, 4, 0xF81F);  // red 31, green 0, blue 31
    w.pixel(4, 4, 0x07E0);  // green 63
    w.window(3, 4, 4, 4);
    w.cmd(0x2E);
    w.data(0);  // dummy
    CHECK(w.data(0) == 0xFC);
    CHECK(w.data(0) == 0x00);
    CHECK(w.data(0) == 0xFC);
    CHECK(w.data(0) == 0x00);
    CHECK(w.data(0) == 0xFC);
    CHECK(w.data(0) == 0x00);
    CHECK(w.lcd.counters().read_bytes == 7);
    // TFT_eSPI's readPixel turns the bytes back into the RGB565 that was written.
    CHECK(w.lcd.faultCount() == 0);
}

TEST_CASE("Backlight: the glass stays dark until the backlight pin is at its on level") {
    Wire w;
    w.start(0x28);
    w.pixel(0, 0, 0xFFFF);
    CHECK(viewAt(w.lcd, 1, 0, 0) == 0xFFFF);
    w.pin(kBl, 0);
    CHECK_FALSE(w.lcd.showing());
    CHECK(viewAt(w.lcd, 1, 0, 0) == 0);
    w.pin(kBl, 1);
    w.cmd(0x28);  // DISPOFF
    CHECK(viewAt(w.lcd, 1, 0, 0) == 0);
}
