// A virtual ILI9341 on the host bus: it decodes the SPI bytes and pin levels TFT_eSPI sends into the
// controller's state and its 240x320 RGB565 frame memory (GRAM), as the ILI9341 datasheet (v1.11) describes
// them, and shows what the glass would show. Anything the datasheet does not allow, or that this model does
// not cover, is counted as a fault instead of being guessed at, so a test can demand none.
//
// Modelled: hardware reset (RST low >= 10 us), SWRESET (01h), SLPIN/SLPOUT (10h/11h), NORON (13h),
// INVOFF/INVON (20h/21h), DISPOFF/DISPON (28h/29h), CASET (2Ah), PASET (2Bh), RAMWR (2Ch), RAMRD (2Eh, read
// back as 18-bit RGB after a dummy byte, as the datasheet's serial read), MADCTL (36h: MY, MX, MV, BGR),
// COLMOD (3Ah; memory writes only in 16-bit, 55h), the waits after reset and sleep-out (5 ms before the next
// command, 120 ms before SLPOUT/SLPIN), and the backlight pin. Accepted without effect on the picture:
// power, VCOM, frame rate, display function, gamma and interface settings, including the undocumented EFh the
// TFT_eSPI/Adafruit sequences send. Anything else (scrolling, partial mode, idle mode, reads other than
// RAMRD) is a fault.
//
// The glass: a common ILI9341 module (TFT_eSPI's portrait rotation 0 sets MX, so the module lights GRAM
// column c at glass column 239 - c) with a BGR colour filter (MADCTL.BGR = 1 shows colours as sent). A panel
// built with inverted_glass shows every colour inverted unless INVON is on (the two-USB CYD revision).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "host_bus.h"

namespace panel {

constexpr int kGramW = 240;  // columns
constexpr int kGramH = 320;  // rows (pages)

struct Wiring {
    int cs, dc, rst, bl;  // -1 = not connected (RST tied to EN: power-on reset only; BL always on)
    int bl_on_level;
};

struct PanelCounters {
    uint64_t command_bytes;  // bytes sent with DC low
    uint64_t param_bytes;    // parameter bytes of commands other than RAMWR/RAMRD
    uint64_t pixel_bytes;    // RAMWR data bytes
    uint64_t pixels;         // RAMWR pixels written
    uint64_t read_bytes;     // bytes answered during RAMRD (dummy included)
    uint32_t windows;        // RAMWR commands (one per window TFT_eSPI opens)
};

struct PanelFaults {
    uint32_t unknown_command;  // a command this model does not know (last one in last_unknown)
    uint32_t too_early;        // a command inside the wait after reset / sleep-out
    uint32_t bad_window;       // CASET/PASET start > end, or outside the address range for MADCTL.MV
    uint32_t overflow;         // pixel data past the end of the window
    uint32_t asleep_write;     // RAMWR before SLPOUT
    uint32_t pixel_format;     // RAMWR while COLMOD is not 16-bit
    uint32_t short_params;     // a command ended before all its parameters arrived
    uint32_t odd_pixel_byte;   // RAMWR ended (new command or CS high) halfway through a pixel
    uint8_t last_unknown;
};

struct PanelState {
    bool sleeping;
    bool display_on;
    bool inverted;  // INVON
    bool backlight;
    uint8_t madctl;
    uint8_t colmod;
    bool reset_seen;  // a hardware or software reset happened since power-on
};

class Ili9341 : public BusDevice {
  public:
    // noise_seed: the frame memory's power-on content is pseudo-random (real GRAM is undefined), so a pixel
    // the firmware never paints shows up, and two panels with different seeds disagree on it.
    Ili9341(const Wiring& wiring, bool inverted_glass, uint32_t noise_seed);

    void pinChanged(uint8_t pin, uint8_t level, uint64_t now_ns) override;
    uint8_t transfer(uint8_t mosi, uint64_t now_ns) override;

    const PanelCounters& counters() const { return counters_; }
    const PanelFaults& faults() const { return faults_; }
    const PanelState& state() const { return state_; }
    uint32_t faultCount() const;

    // GRAM, row-major: kGramH rows of kGramW RGB565 pixels, exactly as written.
    const uint16_t* gram() const { return gram_; }
    // What the glass shows at glass pixel (gx, gy), portrait, 0..239 x 0..319 (black when the display is off,
    // asleep or the backlight is dark).
    uint16_t glass(int gx, int gy) const;
    // The glass as seen with the board turned so TFT_eSPI rotation `rotation` (0..3) reads upright: 320x240
    // for 1 and 3, 240x320 for 0 and 2. `out` holds w*h pixels, row-major.
    void view(int rotation, uint16_t* out, int* w, int* h) const;
    bool showing() const;

  private:
    enum class Mode : uint8_t { Idle, Params, Write, Read };
    void reset(uint64_t now_ns, bool hardware);
    void command(uint8_t c, uint64_t now_ns);
    void endCommand();
    void param(uint8_t b);
    void writeByte(uint8_t b);
    uint8_t readByte();
    bool mapAddress(int x, int y, int* col, int* row) const;
    void advance();

    Wiring wiring_;
    bool inverted_glass_;
    uint16_t gram_[kGramH * kGramW];

    PanelCounters counters_;
    PanelFaults faults_;
    PanelState state_;
    bool cs_low_;
    bool dc_data_;
    bool rst_low_;
    uint64_t rst_fall_ns_;

    // Command in progress.
    Mode mode_;
    uint8_t cmd_;
    uint8_t params_[16];
    uint8_t param_count_;
    uint8_t params_needed_;

    // Address window and pointer (logical: x = column address, y = page address, before MADCTL mapping).
    int sc_, ec_, sp_, ep_;
    int px_, py_;
    bool pointer_valid_;
    int pending_byte_;  // first byte of a pixel, or -1
    uint8_t read_queue_[3];
    int read_pos_;  // -1: the dummy byte is next
    int read_left_;

    // Waits: no command before ready_ns_, no SLPOUT/SLPIN before sleep_ready_ns_.
    uint64_t ready_ns_;
    uint64_t sleep_ready_ns_;
};

}  // namespace panel
