#include "ili9341.h"

#include <string.h>

namespace panel {

namespace {

constexpr uint8_t kMadMY = 0x80, kMadMX = 0x40, kMadMV = 0x20, kMadBGR = 0x08;
constexpr uint64_t kMs = 1000000ull;
constexpr uint64_t kResetPulseNs = 10000ull;  // RESX low for at least 10 us

// Settings the TFT_eSPI ILI9341 sequences send that change nothing this model shows: power control (C0h,
// C1h, CBh, CFh, EDh), VCOM (C5h, C7h), driver timing (E8h, EAh), pump ratio (F7h), frame rate (B1h), display
// function (B6h), 3-gamma (F2h), gamma set and curves (26h, E0h, E1h), and the undocumented EFh.
bool isSetting(uint8_t c) {
    switch (c) {
        case 0xB1:
        case 0xB6:
        case 0xC0:
        case 0xC1:
        case 0xC5:
        case 0xC7:
        case 0xCB:
        case 0xCF:
        case 0xE0:
        case 0xE1:
        case 0xE8:
        case 0xEA:
        case 0xED:
        case 0xEF:
        case 0xF2:
        case 0xF7:
        case 0x26:
            return true;
        default:
            return false;
    }
}

uint8_t paramsNeeded(uint8_t c) {
    switch (c) {
        case 0x2A:  // CASET: SC[15:8] SC[7:0] EC[15:8] EC[7:0]
        case 0x2B:  // PASET
            return 4;
        case 0x36:  // MADCTL
        case 0x3A:  // COLMOD
            return 1;
        default:
            return 0;
    }
}

// 16-bit to the 6 bits per colour a read returns (the low bit repeats the top one, as for 18-bit writes).
uint8_t six(uint8_t v5) {
    return static_cast<uint8_t>((v5 << 1) | (v5 >> 4));
}

}  // namespace

Ili9341::Ili9341(const Wiring& wiring, bool inverted_glass, uint32_t noise_seed)
    : wiring_(wiring),
      inverted_glass_(inverted_glass),
      counters_{0, 0, 0, 0, 0, 0},
      faults_{0, 0, 0, 0, 0, 0, 0, 0, 0},
      state_{true, false, false, wiring.bl < 0, 0, 0x66, false},
      cs_low_(wiring.cs < 0),
      dc_data_(true),
      rst_low_(false),
      rst_fall_ns_(0),
      mode_(Mode::Idle),
      cmd_(0),
      param_count_(0),
      params_needed_(0),
      sc_(0),
      ec_(kGramW - 1),
      sp_(0),
      ep_(kGramH - 1),
      px_(0),
      py_(0),
      pointer_valid_(false),
      pending_byte_(-1),
      read_pos_(-1),
      read_left_(0),
      ready_ns_(0),
      sleep_ready_ns_(0) {
    memset(params_, 0, sizeof params_);
    memset(read_queue_, 0, sizeof read_queue_);
    uint32_t x = noise_seed ? noise_seed : 0x9E3779B9u;
    for (uint16_t& p : gram_) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p = static_cast<uint16_t>(x >> 8);
    }
}

uint32_t Ili9341::faultCount() const {
    return faults_.unknown_command + faults_.too_early + faults_.bad_window + faults_.overflow +
           faults_.asleep_write + faults_.pixel_format + faults_.short_params + faults_.odd_pixel_byte;
}

void Ili9341::reset(uint64_t now_ns, bool hardware) {
    (void)hardware;
    endCommand();
    state_.sleeping = true;
    state_.display_on = false;
    state_.inverted = false;
    state_.madctl = 0;
    state_.colmod = 0x66;
    state_.reset_seen = true;
    sc_ = 0;
    ec_ = kGramW - 1;
    sp_ = 0;
    ep_ = kGramH - 1;
    pointer_valid_ = false;
    ready_ns_ = now_ns + 5 * kMs;
    sleep_ready_ns_ = now_ns + 120 * kMs;
}

void Ili9341::pinChanged(uint8_t pin, uint8_t level, uint64_t now_ns) {
    if (static_cast<int>(pin) == wiring_.cs) {
        const bool low = level == 0;
        if (!low && cs_low_ && pending_byte_ >= 0) {
            ++faults_.odd_pixel_byte;
            pending_byte_ = -1;
        }
        cs_low_ = low;
    }
    if (static_cast<int>(pin) == wiring_.dc) dc_data_ = level != 0;
    if (static_cast<int>(pin) == wiring_.bl)
        state_.backlight = static_cast<int>(level) == wiring_.bl_on_level;
    if (static_cast<int>(pin) == wiring_.rst) {
        if (level == 0 && !rst_low_) {
            rst_low_ = true;
            rst_fall_ns_ = now_ns;
        } else if (level != 0 && rst_low_) {
            rst_low_ = false;
            if (now_ns - rst_fall_ns_ >= kResetPulseNs) reset(now_ns, true);
        }
    }
}

uint8_t Ili9341::transfer(uint8_t mosi, uint64_t now_ns) {
    if (!cs_low_ || rst_low_) return 0xFF;
    if (!dc_data_) {
        ++counters_.command_bytes;
        command(mosi, now_ns);
        return 0xFF;
    }
    switch (mode_) {
        case Mode::Params:
            ++counters_.param_bytes;
            param(mosi);
            return 0xFF;
        case Mode::Write:
            ++counters_.pixel_bytes;
            writeByte(mosi);
            return 0xFF;
        case Mode::Read:
            ++counters_.read_bytes;
            return readByte();
        case Mode::Idle:
            ++counters_.param_bytes;
            return 0xFF;
    }
    return 0xFF;
}

void Ili9341::endCommand() {
    if (mode_ == Mode::Params && param_count_ < params_needed_) ++faults_.short_params;
    if (mode_ == Mode::Write && pending_byte_ >= 0) ++faults_.odd_pixel_byte;
    pending_byte_ = -1;
    mode_ = Mode::Idle;
}

void Ili9341::command(uint8_t c, uint64_t now_ns) {
    endCommand();
    cmd_ = c;
    param_count_ = 0;
    params_needed_ = paramsNeeded(c);
    if (now_ns < ready_ns_) ++faults_.too_early;
    switch (c) {
        case 0x00:  // NOP
            return;
        case 0x01:  // SWRESET
            reset(now_ns, false);
            return;
        case 0x10:  // SLPIN
        case 0x11:  // SLPOUT
            if (now_ns < sleep_ready_ns_) ++faults_.too_early;
            state_.sleeping = c == 0x10;
            ready_ns_ = now_ns + 5 * kMs;
            sleep_ready_ns_ = now_ns + 120 * kMs;
            return;
        case 0x13:  // NORON: normal display mode (the reset state)
            return;
        case 0x20:
        case 0x21:
            state_.inverted = c == 0x21;
            return;
        case 0x28:
        case 0x29:
            state_.display_on = c == 0x29;
            return;
        case 0x2A:
        case 0x2B:
        case 0x36:
        case 0x3A:
            mode_ = Mode::Params;
            return;
        case 0x2C:  // RAMWR: the pointer goes to the window's start
            ++counters_.windows;
            if (state_.sleeping) ++faults_.asleep_write;
            if ((state_.colmod & 0x07) != 0x05) ++faults_.pixel_format;
            px_ = sc_;
            py_ = sp_;
            pointer_valid_ = true;
            mode_ = Mode::Write;
            return;
        case 0x2E:  // RAMRD: a dummy byte, then 3 bytes (R, G, B in bits 7..2) per pixel
            px_ = sc_;
            py_ = sp_;
            pointer_valid_ = true;
            read_pos_ = -1;
            mode_ = Mode::Read;
            return;
        default:
            if (isSetting(c)) {
                mode_ = Mode::Params;
                return;
            }
            ++faults_.unknown_command;
            faults_.last_unknown = c;
            return;
    }
}

void Ili9341::param(uint8_t b) {
    if (param_count_ < sizeof params_) params_[param_count_] = b;
    ++param_count_;
    if (param_count_ != params_needed_) return;
    const bool mv = (state_.madctl & kMadMV) != 0;
    switch (cmd_) {
        case 0x2A:
        case 0x2B: {
            const int s = params_[0] << 8 | params_[1];
            const int e = params_[2] << 8 | params_[3];
            // The column range is 0..239 (0..319 with rows and columns exchanged), the page range the other.
            const bool columns = cmd_ == 0x2A;
            const int limit = (columns != mv ? kGramW : kGramH) - 1;
            if (s > e || e > limit) {
                ++faults_.bad_window;
                return;
            }
            if (columns) {
                sc_ = s;
                ec_ = e;
            } else {
                sp_ = s;
                ep_ = e;
            }
            return;
        }
        case 0x36:
            state_.madctl = b;
            return;
        case 0x3A:
            state_.colmod = b;
            return;
        default:
            return;
    }
}

// Logical address (x = column counter, y = page counter) to GRAM, per MADCTL: MV exchanges the two, then MX
// mirrors the column and MY the row.
bool Ili9341::mapAddress(int x, int y, int* col, int* row) const {
    const uint8_t m = state_.madctl;
    int c = x, r = y;
    if (m & kMadMV) {
        c = y;
        r = x;
    }
    if (m & kMadMX) c = kGramW - 1 - c;
    if (m & kMadMY) r = kGramH - 1 - r;
    if (c < 0 || c >= kGramW || r < 0 || r >= kGramH) return false;
    *col = c;
    *row = r;
    return true;
}

void Ili9341::advance() {
    if (++px_ <= ec_) return;
    px_ = sc_;
    if (++py_ <= ep_) return;
    // Past the window's last pixel: the datasheet leaves the rest undefined; count it and stop writing.
    pointer_valid_ = false;
}

void Ili9341::writeByte(uint8_t b) {
    if (pending_byte_ < 0) {
        pending_byte_ = b;
        return;
    }
    const uint16_t pixel = static_cast<uint16_t>(pending_byte_ << 8 | b);
    pending_byte_ = -1;
    ++counters_.pixels;
    if (!pointer_valid_) {
        ++faults_.overflow;
        return;
    }
    int col = 0, row = 0;
    if (mapAddress(px_, py_, &col, &row)) gram_[row * kGramW + col] = pixel;
    advance();
}

uint8_t Ili9341::readByte() {
    if (read_pos_ < 0) {  // dummy byte
        read_pos_ = 0;
        read_left_ = 0;
        return 0x00;
    }
    if (read_left_ == 0) {
        uint16_t p = 0;
        int col = 0, row = 0;
        if (pointer_valid_ && mapAddress(px_, py_, &col, &row)) p = gram_[row * kGramW + col];
        if (pointer_valid_) advance();
        read_queue_[0] = static_cast<uint8_t>(six(static_cast<uint8_t>(p >> 11)) << 2);
        read_queue_[1] = static_cast<uint8_t>(((p >> 5) & 0x3F) << 2);
        read_queue_[2] = static_cast<uint8_t>(six(static_cast<uint8_t>(p & 0x1F)) << 2);
        read_pos_ = 0;
        read_left_ = 3;
    }
    --read_left_;
    return read_queue_[read_pos_++];
}

bool Ili9341::showing() const {
    return !state_.sleeping && state_.display_on && state_.backlight;
}

uint16_t Ili9341::glass(int gx, int gy) const {
    if (!showing() || gx < 0 || gx >= kGramW || gy < 0 || gy >= kGramH) return 0;
    uint16_t p = gram_[gy * kGramW + (kGramW - 1 - gx)];
    // The filter is BGR: with MADCTL.BGR clear the controller sends red to the blue subpixels.
    if (!(state_.madctl & kMadBGR)) p = static_cast<uint16_t>((p & 0x07E0) | (p >> 11) | ((p & 0x1F) << 11));
    if (state_.inverted != inverted_glass_) p = static_cast<uint16_t>(~p);
    return p;
}

void Ili9341::view(int rotation, uint16_t* out, int* w, int* h) const {
    const int r = rotation & 3;
    const bool landscape = r & 1;
    *w = landscape ? kGramH : kGramW;
    *h = landscape ? kGramW : kGramH;
    for (int y = 0; y < *h; ++y) {
        for (int x = 0; x < *w; ++x) {
            int gx = x, gy = y;
            switch (r) {
                case 1:  // turned a quarter clockwise: the glass's left column is the picture's top row
                    gx = kGramW - 1 - y;
                    gy = x;
                    break;
                case 2:
                    gx = kGramW - 1 - x;
                    gy = kGramH - 1 - y;
                    break;
                case 3:
                    gx = y;
                    gy = kGramH - 1 - x;
                    break;
                default:
                    break;
            }
            out[y * *w + x] = glass(gx, gy);
        }
    }
}

}  // namespace panel
