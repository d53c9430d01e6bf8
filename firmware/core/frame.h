// The frame description: everything there is to draw, with exact 320x240 coordinates. The TFT renderer
// (ESP32) and the browser simulator both draw from this struct and nothing else, so they show the same
// picture. Plain old data with fixed arrays; no pointers.
//
// Conventions:
//  - Coordinates are screen pixels, origin top-left, x right, y down (ILI9341 landscape, 320x240).
//  - Angles are DEGREES CLOCKWISE FROM 12 O'CLOCK: 0 = straight up, 90 = 3 o'clock, -90 = 9 o'clock.
//    A point at angle a and radius r from (cx, cy) is (cx + r sin a, cy - r cos a) with a in radians.
//    Arcs run from start_deg to end_deg clockwise (start_deg < end_deg).
//  - Colours are RGB888 (0xRRGGBB); rgb565() converts for the TFT.
//  - Change tracking: every element carries a `seq` that changes whenever what it shows changes. A renderer
//    keeps the last seq it drew per element and redraws only elements whose seq differs. Frame::layout_seq
//    changes when everything must be redrawn (first frame). A dial has separate seqs for its face (arc,
//    zones, ticks, label), its value text and its needle (needle_seq changes only when the needle moved at
//    least cfg::kNeedleRedrawDeg since the last change).
#pragma once

#include <stdint.h>

#include "gauge_config.h"
#include "lamps.h"
#include "usage.h"

namespace gauge {

// Each enum has one name per value, used wherever it is shown or printed: the state line, the wasm module's
// Frame, the simulator, the HIL runner (one vocabulary; lampName() is in state_line.h).
enum class Phase : uint8_t { SelfTest, Live, NoSignal };
const char* phaseName(Phase p);  // "SELFTEST", "LIVE", "NOSIGNAL"

enum class DialId : uint8_t { Tach, Fuel, Temp, Boost, Count };
constexpr int kDialCount = static_cast<int>(DialId::Count);
const char* dialName(DialId id);  // "tach", "fuel", "temp", "boost" (also the dials' state-line keys)

enum class Align : uint8_t { Left, Center, Right };
const char* alignName(Align a);  // "left", "center", "right"

// What the pace readout says: nothing known, full in Frame::eta_min minutes, or the 5 h window lasts (it
// resets before it is full at the current rate).
enum class Eta : uint8_t { Unknown, Full, Lasts };
const char* etaName(Eta e);  // "unknown", "full", "lasts"

constexpr int kMaxZones = 3;
constexpr int kMaxTicks = 11;
constexpr int kTickLabelMax = 6;  // including the NUL

inline uint16_t rgb565(uint32_t rgb888) {
    return static_cast<uint16_t>(((rgb888 >> 8) & 0xF800u) | ((rgb888 >> 5) & 0x07E0u) |
                                 ((rgb888 >> 3) & 0x001Fu));
}

// A line of text in a box. The renderer clears the box with Frame::background, then draws `text` with the
// built-in font scaled by `size` (1 = 6x8 px per char, 2 = 12x16, 3 = 18x24, 4 = 24x32), aligned horizontally
// in the box and vertically centred. Text always fits the box's width at that size.
struct TextBox {
    int16_t x, y, w, h;
    uint8_t size;
    Align align;
    uint32_t color;
    char text[cfg::kTextMax];
    uint32_t seq;
};

// A coloured band drawn along the outer edge of the dial arc.
struct Zone {
    float from_deg, to_deg;
    uint32_t color;
};

// A tick mark on the arc, with an optional label drawn inside the arc (label_radius from the centre).
struct Tick {
    float deg;
    uint8_t major;              // 1 = long tick, 0 = short
    char label[kTickLabelMax];  // may be empty
};

struct Dial {
    DialId id;
    int16_t cx, cy, radius;  // the arc's outer radius
    uint8_t arc_width;       // thickness of the arc and of the zones, inward from radius
    int16_t label_radius;    // where tick labels are centred
    int16_t needle_length;   // from the centre
    int16_t hub_radius;      // filled circle over the needle's pivot
    float start_deg, end_deg;
    uint32_t arc_color;
    uint32_t tick_color;
    uint32_t needle_color;
    uint8_t zone_count;
    Zone zones[kMaxZones];
    uint8_t tick_count;
    Tick ticks[kMaxTicks];
    TextBox label;        // e.g. "TOKENS/MIN"
    TextBox value;        // e.g. "412k"
    float needle_deg;     // current needle angle (physics, not rounded)
    uint32_t face_seq;    // arc, zones, ticks, label changed
    uint32_t needle_seq;  // needle moved visibly
};

struct LampView {
    LampId id;
    int16_t x, y, w, h;  // a rounded rectangle; the label is centred in it at size 1 or 2
    uint8_t label_size;
    char label[8];
    bool active;  // logical state
    bool lit;     // lit right now (blink phase applied)
    uint32_t on_color;
    uint32_t off_color;
    uint32_t color;        // what to fill with now: lit ? on_color : off_color
    uint32_t label_color;  // text colour on top of `color`
    uint32_t seq;
};

struct Frame {
    uint32_t t_ms;        // `now` of the last Cluster::update()
    uint32_t seq;         // changes whenever any element's seq (or phase, flags, LED, mask) changed
    uint32_t layout_seq;  // changes when the whole screen must be redrawn
    Phase phase;
    bool stale;                  // the daemon reports its source as stale (shown as a status tag)
    bool fuel_over;              // more than 100 % of the 5 h window used
    uint32_t background;         // screen background colour
    Dial dials[kDialCount];      // indexed by DialId
    LampView lamps[kLampCount];  // indexed by LampId
    TextBox model;               // shortened model id, "--" when none
    TextBox status;              // SELF TEST / CONNECTING / NO SIGNAL / STALE + sessions and reset time
    TextBox basis;          // in the fuel dial: OFFICIAL or EST (what the fuel shows); empty without data
    TextBox week;           // WEEK 63% 2d4h: the official 7-day quota and its reset; WEEK -- when unknown
    TextBox pace;           // FULL IN 42m, FULL NOW, LASTS (the window resets first); FULL IN -- unknown
    uint32_t rgb_led;       // RGB888 the board's RGB LED shows now
    uint8_t discrete_mask;  // bit (1 << LampId) = that lamp's discrete LED is on now
    // What the readouts above say, as values (the state line prints these).
    FuelBasis fuel_basis;  // Official only while showing a payload whose basis is official
    int16_t week_pct;      // the weekly percentage shown, whole percent 0..999; -1 when none (--)
    Eta eta;               // what the pace readout says
    uint16_t eta_min;      // with Eta::Full: whole minutes to full (0 = full now)
};

}  // namespace gauge
