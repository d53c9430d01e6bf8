// How a Frame is drawn, in exact pixels: where each text goes and how much of it fits, the tick marks and
// their labels, the needle's shape, the lamps' corners. The Frame (frame.h) says WHAT is on the screen; this
// says the few things it leaves to the renderer, once for every renderer: the ESP32's TFT render plan
// (platform/esp32/host_tested/render_plan.h) draws with these functions, and the simulator's canvas draws
// from planDrawing()'s result, which the wasm module exports. How a shape is rasterised (anti-aliasing, the
// font's pixels) stays each renderer's own.
//
// Header + drawing.cpp; C headers only, no heap. Coordinates as in frame.h (screen pixels, angles clockwise
// from 12 o'clock).
#pragma once

#include <stdint.h>

#include "frame.h"
#include "lamps.h"

namespace gauge {
namespace draw {

// The built-in GLCD font: a 6x8 px cell per character at size 1, including spacing (TFT_eSPI::textWidth for
// font 1 is 6 px per char times the text size); size n scales the cell n times.
constexpr int16_t kGlyphW = 6;
constexpr int16_t kGlyphH = 8;
// Tick marks run from the arc's inner edge inwards.
constexpr int16_t kMajorTickLen = 8;
constexpr int16_t kMinorTickLen = 4;
constexpr float kMajorTickWidth = 2.0f;
constexpr float kMinorTickWidth = 1.0f;
// The needle is a wedge from the pivot to the tip.
constexpr float kNeedleBaseWidth = 5.0f;
constexpr float kNeedleTipWidth = 1.0f;
// How far past its scale a needle is drawn at most (the fuel needle pegs below E when over 100 %).
constexpr float kNeedleMarginDeg = 12.0f;
// Lamps are rounded rectangles.
constexpr int16_t kLampCornerRadius = 4;

struct Rect {
    int16_t x, y, w, h;
};

struct PointF {
    float x, y;
};

// frame.h: a point at angle `deg` and radius r from (cx, cy) is (cx + r sin a, cy - r cos a).
PointF polarPoint(float cx, float cy, float r, float deg);

// Where a TextBox's text goes: aligned horizontally in the box, vertically centred, in the GLCD font scaled
// by the box's size (0 counts as 1). Text wider than the box is cut to what fits (the core promises it fits;
// hostile input must not spill).
struct TextPlacement {
    int16_t x, y;   // top-left of the first glyph's cell
    uint8_t size;   // the font scale used (>= 1)
    uint8_t chars;  // how many bytes of the text are drawn
};
TextPlacement placeText(const TextBox& t);

// The arc's (and its zones') inner radius: radius - arc_width, never below 0.
int16_t arcInnerRadius(const Dial& d);

// A tick mark from the arc's inner edge inwards, on a canvas whose origin is at (ox, oy) on the screen.
struct TickMark {
    PointF outer, inner;
    float width;
};
TickMark tickMark(const Dial& d, const Tick& t, int16_t ox = 0, int16_t oy = 0);

// Where a tick label's text goes (size 1, centred on its point at label_radius); empty for an empty label or
// a tick at no finite angle.
Rect tickLabelRect(const Dial& d, const Tick& t);

// The needle angle actually drawn: within kNeedleMarginDeg of the scale (a non-finite end counts as 0); a
// non-finite angle is the start.
float clampNeedleDeg(const Dial& d, float deg);

// The needle at `deg` (clampNeedleDeg()'s) on a canvas whose origin is at (ox, oy): a wedge from the pivot
// (base_width wide) to the tip (tip_width wide); a filled hub of Dial::hub_radius goes over the pivot.
struct NeedleShape {
    PointF pivot, tip;
    float base_width, tip_width;
};
NeedleShape needleShape(const Dial& d, float deg, int16_t ox = 0, int16_t oy = 0);

// A lamp's corner radius: kLampCornerRadius, less when the lamp is too small for it.
int16_t lampCornerRadius(const LampView& l);
// A lamp's label as a text box over the whole lamp, centred, in the lamp's label colour.
TextBox lampLabelBox(const LampView& l);

// ---- Everything above for one frame, in screen coordinates (what the simulator draws from).
struct DialDrawing {
    TextPlacement label;
    TextPlacement value;
    int16_t arc_inner_radius;
    uint8_t tick_count;  // = the dial's tick_count, at most kMaxTicks
    TickMark ticks[kMaxTicks];
    Rect tick_labels[kMaxTicks];
    NeedleShape needle;
};

struct LampDrawing {
    int16_t corner_radius;
    TextPlacement label;
};

// At most this many text boxes of the Frame's own (frameTexts(): model, status, readouts added later).
constexpr int kMaxFrameTexts = 8;

struct Drawing {
    int16_t glyph_w, glyph_h;  // the font cell at size 1 (kGlyphW x kGlyphH)
    DialDrawing dials[kDialCount];
    LampDrawing lamps[kLampCount];
    uint8_t text_count;                   // how many of the Frame's own text boxes (frameTexts())
    TextPlacement texts[kMaxFrameTexts];  // their placements, in the Frame's declaration order
};

void planDrawing(const Frame& f, Drawing& out);

}  // namespace draw
}  // namespace gauge
