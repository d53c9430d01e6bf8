// The TFT renderer's drawing plan, independent of TFT_eSPI: it turns a gauge::Frame into calls on a tiny
// abstract Canvas, redrawing only what the frame marks as changed. The ESP32 build binds Canvas to TFT_eSPI
// and TFT_eSprite (tft_canvas.h); the native glue test binds it to a recorder and checks the calls. Header
// only, C headers only, no heap.
//
// What is drawn where (all coordinates and colours come from the Frame; the only constants of our own are
// the tick lengths, the needle's widths and the lamps' corner radius below, which the Frame does not carry):
//  - Each dial is composed off-screen in its own sprite (flicker-free needle): background, the base arc,
//    the zones over it, the ticks and their labels, the dial's label and value text when they overlap the
//    dial's square, the needle, the hub. Then the sprite is pushed in one go. A dial is recomposed when its
//    face_seq or needle_seq changes, or the seq of a text drawn inside it.
//  - Lamps, the model readout, the status line and dial texts outside their dial's square are drawn straight
//    on the screen when their seq changes (or when a pushed sprite overlapped them).
//  - layout_seq changing clears the screen and redraws everything.
#pragma once

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "frame.h"
#include "gauge_config.h"

namespace gauge {
namespace esp32 {

struct Rect {
    int16_t x, y, w, h;
};

inline bool rectEmpty(const Rect& r) {
    return r.w <= 0 || r.h <= 0;
}

inline bool rectsIntersect(const Rect& a, const Rect& b) {
    if (rectEmpty(a) || rectEmpty(b)) return false;
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

inline Rect rectUnion(const Rect& a, const Rect& b) {
    if (rectEmpty(a)) return b;
    if (rectEmpty(b)) return a;
    const int x0 = a.x < b.x ? a.x : b.x;
    const int y0 = a.y < b.y ? a.y : b.y;
    const int x1 = (a.x + a.w) > (b.x + b.w) ? (a.x + a.w) : (b.x + b.w);
    const int y1 = (a.y + a.h) > (b.y + b.h) ? (a.y + a.h) : (b.y + b.h);
    return Rect{static_cast<int16_t>(x0), static_cast<int16_t>(y0), static_cast<int16_t>(x1 - x0),
                static_cast<int16_t>(y1 - y0)};
}

inline Rect clipToScreen(const Rect& r) {
    int x0 = r.x < 0 ? 0 : r.x;
    int y0 = r.y < 0 ? 0 : r.y;
    int x1 = r.x + r.w;
    int y1 = r.y + r.h;
    if (x1 > cfg::kScreenW) x1 = cfg::kScreenW;
    if (y1 > cfg::kScreenH) y1 = cfg::kScreenH;
    if (x1 <= x0 || y1 <= y0) return Rect{0, 0, 0, 0};
    return Rect{static_cast<int16_t>(x0), static_cast<int16_t>(y0), static_cast<int16_t>(x1 - x0),
                static_cast<int16_t>(y1 - y0)};
}

inline Rect textBoxRect(const TextBox& t) {
    return Rect{t.x, t.y, t.w, t.h};
}

// ---- Angles
// The Frame measures degrees clockwise from 12 o'clock (frame.h). TFT_eSPI's drawArc()/drawSmoothArc()
// measure degrees clockwise from 6 o'clock, integers 0..360 (TFT_eSPI.h, comment on drawSmoothArc: "Angle = 0
// is at 6 o'clock position, 90 at 9 o'clock etc."). So tft = frame + 180, wrapped into 0..359.
inline uint16_t toTftArcDeg(float frame_deg) {
    if (!isfinite(frame_deg)) return 180;
    float d = fmodf(frame_deg + 180.0f, 360.0f);
    if (d < 0.0f) d += 360.0f;
    int r = static_cast<int>(lroundf(d));
    if (r >= 360) r -= 360;
    return static_cast<uint16_t>(r);
}

// A clockwise arc in TFT_eSPI's convention. drawArc() draws start..end clockwise and handles end < start
// (through 6 o'clock) itself; start == end draws nothing, so a full circle is 0..360.
struct ArcSpan {
    uint16_t start;
    uint16_t end;
    bool visible;
};

inline ArcSpan arcSpan(float from_deg, float to_deg) {
    if (!isfinite(from_deg) || !isfinite(to_deg) || to_deg <= from_deg) return ArcSpan{0, 0, false};
    if (to_deg - from_deg >= 359.5f) return ArcSpan{0, 360, true};
    const uint16_t s = toTftArcDeg(from_deg);
    const uint16_t e = toTftArcDeg(to_deg);
    if (s == e) return ArcSpan{s, e, false};  // narrower than a degree: nothing TFT_eSPI can draw
    return ArcSpan{s, e, true};
}

struct PointF {
    float x, y;
};

// frame.h: a point at angle a and radius r from (cx, cy) is (cx + r sin a, cy - r cos a).
inline PointF polarPoint(float cx, float cy, float r, float deg) {
    const float a = deg * 0.017453292519943295f;
    return PointF{cx + r * sinf(a), cy - r * cosf(a)};
}

// ---- Our own geometry (the Frame does not carry these)
constexpr int16_t kMajorTickLen = 8;  // from the arc's inner edge inwards
constexpr int16_t kMinorTickLen = 4;
constexpr float kMajorTickWidth = 2.0f;
constexpr float kMinorTickWidth = 1.0f;
constexpr float kNeedleBaseWidth = 5.0f;  // at the pivot
constexpr float kNeedleTipWidth = 1.0f;
constexpr int16_t kLampCornerRadius = 4;
// The built-in GLCD font: 6x8 px per character at size 1 including spacing (TFT_eSPI::textWidth for font 1
// is 6 px per char times the text size).
constexpr int16_t kGlyphW = 6;
constexpr int16_t kGlyphH = 8;

// ---- Text
struct TextPlacement {
    int16_t x, y;   // top-left of the first glyph
    uint8_t chars;  // how many bytes of the text fit the box's width
};

// Frame TextBox rule: aligned horizontally in the box, vertically centred, built-in font scaled by size.
// Text wider than the box is cut to what fits (the core promises it fits; hostile input must not spill).
inline TextPlacement placeText(const TextBox& t) {
    const uint8_t size = t.size == 0 ? 1 : t.size;
    const int16_t glyph_w = static_cast<int16_t>(kGlyphW * size);
    const int16_t glyph_h = static_cast<int16_t>(kGlyphH * size);
    size_t len = strnlen(t.text, sizeof(t.text));
    const int16_t fit = t.w > 0 ? static_cast<int16_t>(t.w / glyph_w) : 0;
    if (static_cast<int>(len) > fit) len = fit > 0 ? static_cast<size_t>(fit) : 0;
    const int16_t text_w = static_cast<int16_t>(len * glyph_w);
    int16_t x = t.x;
    if (t.align == Align::Center) x = static_cast<int16_t>(t.x + (t.w - text_w) / 2);
    if (t.align == Align::Right) x = static_cast<int16_t>(t.x + t.w - text_w);
    const int16_t y = static_cast<int16_t>(t.y + (t.h - glyph_h) / 2);
    return TextPlacement{x, y, static_cast<uint8_t>(len)};
}

// ---- The canvas
// Colours are RGB565 (what TFT_eSPI takes; 8-bit sprites convert them). Arc angles are TFT_eSPI's.
class Canvas {
  public:
    virtual ~Canvas() {}
    virtual void fillRect(int16_t x, int16_t y, int16_t w, int16_t h, uint16_t color) = 0;
    virtual void fillRoundRect(int16_t x, int16_t y, int16_t w, int16_t h, int16_t r, uint16_t color) = 0;
    virtual void fillCircle(int16_t x, int16_t y, int16_t r, uint16_t color) = 0;
    // Arc between outer radius r and inner radius ir, clockwise from start to end (TFT_eSPI angles),
    // anti-aliased against bg.
    virtual void drawArc(int16_t x, int16_t y, int16_t r, int16_t ir, uint16_t start, uint16_t end,
                         uint16_t fg, uint16_t bg) = 0;
    // Anti-aliased line of width w.
    virtual void drawWideLine(float ax, float ay, float bx, float by, float w, uint16_t color) = 0;
    // Anti-aliased tapered line (width aw at a, bw at b).
    virtual void drawWedgeLine(float ax, float ay, float bx, float by, float aw, float bw,
                               uint16_t color) = 0;
    // `len` bytes of `text` in the GLCD font at `size`, top-left at (x, y), background filled with bg.
    virtual void drawText(int16_t x, int16_t y, uint8_t size, uint16_t fg, uint16_t bg, const char* text,
                          uint8_t len) = 0;
};

// An off-screen canvas (a sprite) that is pushed to the screen in one go.
class DialSurface : public Canvas {
  public:
    virtual void push(int16_t x, int16_t y) = 0;
};

// Hands out one surface per dial, w x h pixels; null when it cannot (out of memory): the dial is then drawn
// straight on the screen, which works but flickers.
class SurfaceProvider {
  public:
    virtual ~SurfaceProvider() {}
    virtual DialSurface* surfaceFor(int dial, int16_t w, int16_t h) = 0;
};

// ---- Element drawing (ox, oy = where the canvas's origin is on the screen)
inline void drawTextBox(Canvas& c, int16_t ox, int16_t oy, const TextBox& t, uint16_t bg) {
    c.fillRect(static_cast<int16_t>(t.x - ox), static_cast<int16_t>(t.y - oy), t.w, t.h, bg);
    const TextPlacement p = placeText(t);
    if (p.chars == 0) return;
    c.drawText(static_cast<int16_t>(p.x - ox), static_cast<int16_t>(p.y - oy), t.size == 0 ? 1 : t.size,
               rgb565(t.color), bg, t.text, p.chars);
}

inline void drawLamp(Canvas& c, int16_t ox, int16_t oy, const LampView& l, uint16_t bg) {
    const int16_t x = static_cast<int16_t>(l.x - ox);
    const int16_t y = static_cast<int16_t>(l.y - oy);
    c.fillRect(x, y, l.w, l.h, bg);
    int16_t r = kLampCornerRadius;
    if (r * 2 > l.h) r = static_cast<int16_t>(l.h / 2);
    if (r * 2 > l.w) r = static_cast<int16_t>(l.w / 2);
    const uint16_t fill = rgb565(l.color);
    c.fillRoundRect(x, y, l.w, l.h, r, fill);
    TextBox label;
    memset(&label, 0, sizeof(label));
    label.x = x;
    label.y = y;
    label.w = l.w;
    label.h = l.h;
    label.size = l.label_size;
    label.align = Align::Center;
    label.color = l.label_color;
    static_assert(sizeof(l.label) <= sizeof(label.text), "lamp label fits a TextBox");
    memcpy(label.text, l.label, sizeof(l.label));
    label.text[sizeof(l.label) - 1] = '\0';
    const TextPlacement p = placeText(label);
    if (p.chars > 0)
        c.drawText(p.x, p.y, label.size == 0 ? 1 : label.size, rgb565(l.label_color), fill, label.text,
                   p.chars);
}

struct DialLayout {
    Rect rect;          // the dial's sprite: everything the dial can ever draw, clipped to the screen
    bool label_inside;  // Dial::label is drawn in the sprite
    bool value_inside;  // Dial::value is drawn in the sprite
    // Screen elements that intersect the sprite (kOverlay* bits): they are painted into the sprite too, so
    // pushing it never blanks them (no flicker), and a change to one of them recomposes the sprite.
    uint8_t overlays;
};

constexpr uint8_t kOverlayModel = 1u << 0;
constexpr uint8_t kOverlayStatus = 1u << 1;
constexpr uint8_t overlayLamp(int lamp) {
    return static_cast<uint8_t>(1u << (2 + lamp));
}
static_assert(2 + kLampCount <= 8, "overlay bits fit a byte");

// How far past its scale a needle may be drawn (the fuel needle pegs below E when over 100 %); the needle is
// clamped to this so it never leaves the sprite.
constexpr float kNeedleMarginDeg = 12.0f;

inline Rect pointsBox(const PointF* pts, int n, int pad) {
    float x0 = pts[0].x, x1 = pts[0].x, y0 = pts[0].y, y1 = pts[0].y;
    for (int i = 1; i < n; ++i) {
        if (pts[i].x < x0) x0 = pts[i].x;
        if (pts[i].x > x1) x1 = pts[i].x;
        if (pts[i].y < y0) y0 = pts[i].y;
        if (pts[i].y > y1) y1 = pts[i].y;
    }
    const int ix0 = static_cast<int>(floorf(x0)) - pad;
    const int iy0 = static_cast<int>(floorf(y0)) - pad;
    const int ix1 = static_cast<int>(ceilf(x1)) + pad;
    const int iy1 = static_cast<int>(ceilf(y1)) + pad;
    return Rect{static_cast<int16_t>(ix0), static_cast<int16_t>(iy0), static_cast<int16_t>(ix1 - ix0 + 1),
                static_cast<int16_t>(iy1 - iy0 + 1)};
}

// Bounding box of the ring sector between angles a0..a1 (frame convention) out to radius r, plus the centre.
inline Rect sweepBox(float cx, float cy, float r, float a0, float a1, int pad) {
    PointF pts[8];
    int n = 0;
    pts[n++] = PointF{cx, cy};
    pts[n++] = polarPoint(cx, cy, r, a0);
    pts[n++] = polarPoint(cx, cy, r, a1);
    // Every 12/3/6/9 o'clock direction inside the sweep is an extreme of the arc.
    for (int k = -4; k <= 4 && n < 8; ++k) {
        const float a = 90.0f * static_cast<float>(k);
        if (a > a0 && a < a1) pts[n++] = polarPoint(cx, cy, r, a);
    }
    return pointsBox(pts, n, pad);
}

// Where a tick label's text goes (centred on its point at label_radius).
inline Rect tickLabelRect(const Dial& d, const Tick& t) {
    const size_t len = strnlen(t.label, sizeof(t.label));
    if (len == 0) return Rect{0, 0, 0, 0};
    const PointF p = polarPoint(d.cx, d.cy, static_cast<float>(d.label_radius), t.deg);
    const int16_t w = static_cast<int16_t>(len * kGlyphW);
    return Rect{static_cast<int16_t>(lroundf(p.x) - w / 2), static_cast<int16_t>(lroundf(p.y) - kGlyphH / 2),
                w, kGlyphH};
}

inline float clampNeedleDeg(const Dial& d, float deg) {
    if (!isfinite(deg)) return d.start_deg;
    if (deg < d.start_deg - kNeedleMarginDeg) return d.start_deg - kNeedleMarginDeg;
    if (deg > d.end_deg + kNeedleMarginDeg) return d.end_deg + kNeedleMarginDeg;
    return deg;
}

// The dial's sprite rectangle: the arc over its sweep (widened by the needle margin), the hub, the tick
// labels, and the dial's own texts when they fall within that area -- and nothing more, so it never covers a
// neighbour (the tach's square would reach into the lamp row; its drawn part does not).
inline DialLayout dialLayout(const Dial& d) {
    const float reach = static_cast<float>(d.radius > d.needle_length ? d.radius : d.needle_length);
    Rect area = sweepBox(d.cx, d.cy, reach, d.start_deg - kNeedleMarginDeg, d.end_deg + kNeedleMarginDeg, 2);
    const int16_t hub = static_cast<int16_t>((d.hub_radius > 3 ? d.hub_radius : 3) + 2);
    area = rectUnion(area, Rect{static_cast<int16_t>(d.cx - hub), static_cast<int16_t>(d.cy - hub),
                                static_cast<int16_t>(2 * hub + 1), static_cast<int16_t>(2 * hub + 1)});
    const uint8_t ticks = d.tick_count > kMaxTicks ? kMaxTicks : d.tick_count;
    for (uint8_t i = 0; i < ticks; ++i) area = rectUnion(area, tickLabelRect(d, d.ticks[i]));
    area = clipToScreen(area);
    DialLayout out{area, false, false, 0};
    const Rect label = textBoxRect(d.label);
    const Rect value = textBoxRect(d.value);
    if (rectsIntersect(area, label)) {
        out.label_inside = true;
        out.rect = rectUnion(out.rect, label);
    }
    if (rectsIntersect(area, value)) {
        out.value_inside = true;
        out.rect = rectUnion(out.rect, value);
    }
    out.rect = clipToScreen(out.rect);
    return out;
}

inline uint8_t overlaysOf(const Frame& f, const Rect& rect) {
    uint8_t mask = 0;
    if (rectsIntersect(rect, textBoxRect(f.model))) mask |= kOverlayModel;
    if (rectsIntersect(rect, textBoxRect(f.status))) mask |= kOverlayStatus;
    for (int i = 0; i < kLampCount; ++i) {
        const LampView& l = f.lamps[i];
        if (rectsIntersect(rect, Rect{l.x, l.y, l.w, l.h})) mask |= overlayLamp(i);
    }
    return mask;
}

// The whole dial `index` of frame f on canvas c whose origin sits at (ox, oy) on the screen. Overlapping
// screen elements go under the needle, as on a real dial.
inline void drawDial(Canvas& c, int16_t ox, int16_t oy, const Frame& f, int index, const DialLayout& lay,
                     uint16_t bg) {
    const Dial& d = f.dials[index];
    c.fillRect(static_cast<int16_t>(lay.rect.x - ox), static_cast<int16_t>(lay.rect.y - oy), lay.rect.w,
               lay.rect.h, bg);
    const int16_t cx = static_cast<int16_t>(d.cx - ox);
    const int16_t cy = static_cast<int16_t>(d.cy - oy);
    const int16_t r = d.radius;
    int16_t ir = static_cast<int16_t>(d.radius - d.arc_width);
    if (ir < 0) ir = 0;

    const ArcSpan base = arcSpan(d.start_deg, d.end_deg);
    if (base.visible) c.drawArc(cx, cy, r, ir, base.start, base.end, rgb565(d.arc_color), bg);
    const uint8_t zones = d.zone_count > kMaxZones ? kMaxZones : d.zone_count;
    for (uint8_t i = 0; i < zones; ++i) {
        const Zone& z = d.zones[i];
        const ArcSpan span = arcSpan(z.from_deg, z.to_deg);
        if (span.visible) c.drawArc(cx, cy, r, ir, span.start, span.end, rgb565(z.color), bg);
    }

    const uint16_t tick_color = rgb565(d.tick_color);
    const uint8_t ticks = d.tick_count > kMaxTicks ? kMaxTicks : d.tick_count;
    for (uint8_t i = 0; i < ticks; ++i) {
        const Tick& t = d.ticks[i];
        const float len = t.major ? kMajorTickLen : kMinorTickLen;
        const PointF a = polarPoint(cx, cy, static_cast<float>(ir), t.deg);
        const PointF b = polarPoint(cx, cy, static_cast<float>(ir) - len, t.deg);
        c.drawWideLine(a.x, a.y, b.x, b.y, t.major ? kMajorTickWidth : kMinorTickWidth, tick_color);
        const Rect lr = tickLabelRect(d, t);
        if (!rectEmpty(lr))
            c.drawText(static_cast<int16_t>(lr.x - ox), static_cast<int16_t>(lr.y - oy), 1, tick_color, bg,
                       t.label, static_cast<uint8_t>(lr.w / kGlyphW));
    }

    if (lay.label_inside) drawTextBox(c, ox, oy, d.label, bg);
    if (lay.value_inside) drawTextBox(c, ox, oy, d.value, bg);
    if (lay.overlays & kOverlayModel) drawTextBox(c, ox, oy, f.model, bg);
    if (lay.overlays & kOverlayStatus) drawTextBox(c, ox, oy, f.status, bg);
    for (int i = 0; i < kLampCount; ++i)
        if (lay.overlays & overlayLamp(i)) drawLamp(c, ox, oy, f.lamps[i], bg);

    const PointF tip = polarPoint(cx, cy, d.needle_length, clampNeedleDeg(d, d.needle_deg));
    const uint16_t needle = rgb565(d.needle_color);
    c.drawWedgeLine(cx, cy, tip.x, tip.y, kNeedleBaseWidth, kNeedleTipWidth, needle);
    if (d.hub_radius > 0) c.fillCircle(cx, cy, d.hub_radius, needle);
}

// What one render() call redrew (for the serial stats and the tests).
struct RenderStats {
    uint8_t full;     // 1 when the screen was cleared (layout change)
    uint8_t dials;    // dials recomposed
    uint8_t sprites;  // of which pushed from a sprite
    uint8_t texts;    // text boxes drawn on the screen
    uint8_t lamps;    // lamps drawn
};

class FrameRenderer {
  public:
    FrameRenderer() : screen_(nullptr), surfaces_(nullptr) { invalidate(); }

    void attach(Canvas* screen, SurfaceProvider* surfaces) {
        screen_ = screen;
        surfaces_ = surfaces;
        invalidate();
    }

    // Forget what is on the screen: the next render() redraws everything.
    void invalidate() {
        has_drawn_ = false;
        last_layout_seq_ = 0;
        memset(last_dial_, 0, sizeof(last_dial_));
        memset(last_lamp_seq_, 0, sizeof(last_lamp_seq_));
        last_model_seq_ = 0;
        last_status_seq_ = 0;
        for (int i = 0; i < kDialCount; ++i) layouts_[i] = DialLayout{Rect{0, 0, 0, 0}, false, false, 0};
    }

    const DialLayout& layout(int dial) const { return layouts_[dial]; }

    RenderStats render(const Frame& f) {
        RenderStats st{0, 0, 0, 0, 0};
        if (!screen_) return st;
        const uint16_t bg = rgb565(f.background);
        const bool full = !has_drawn_ || f.layout_seq != last_layout_seq_;
        if (full) {
            screen_->fillRect(0, 0, cfg::kScreenW, cfg::kScreenH, bg);
            for (int i = 0; i < kDialCount; ++i) {
                layouts_[i] = dialLayout(f.dials[i]);
                layouts_[i].overlays = overlaysOf(f, layouts_[i].rect);
            }
            st.full = 1;
        }
        // What changed among the screen elements, before any dial is composed (a dial that carries one of
        // them as an overlay must be recomposed too).
        const bool model_changed = full || f.model.seq != last_model_seq_;
        const bool status_changed = full || f.status.seq != last_status_seq_;
        uint8_t overlay_changes = (model_changed ? kOverlayModel : 0) | (status_changed ? kOverlayStatus : 0);
        bool lamp_changed[kLampCount];
        for (int i = 0; i < kLampCount; ++i) {
            lamp_changed[i] = full || f.lamps[i].seq != last_lamp_seq_[i];
            if (lamp_changed[i]) overlay_changes |= overlayLamp(i);
        }

        Rect pushed[kDialCount];
        int pushed_count = 0;
        for (int i = 0; i < kDialCount; ++i) {
            const Dial& d = f.dials[i];
            const DialLayout& lay = layouts_[i];
            DialSeqs& last = last_dial_[i];
            const bool dirty = full || d.face_seq != last.face || d.needle_seq != last.needle ||
                               (lay.label_inside && d.label.seq != last.label) ||
                               (lay.value_inside && d.value.seq != last.value) ||
                               (lay.overlays & overlay_changes) != 0;
            if (dirty && !rectEmpty(lay.rect)) {
                DialSurface* s = surfaces_ ? surfaces_->surfaceFor(i, lay.rect.w, lay.rect.h) : nullptr;
                if (s) {
                    drawDial(*s, lay.rect.x, lay.rect.y, f, i, lay, bg);
                    s->push(lay.rect.x, lay.rect.y);
                    ++st.sprites;
                } else {
                    drawDial(*screen_, 0, 0, f, i, lay, bg);
                }
                pushed[pushed_count++] = lay.rect;
                ++st.dials;
            }
            last.face = d.face_seq;
            last.needle = d.needle_seq;
            if (lay.label_inside) last.label = d.label.seq;
            if (lay.value_inside) last.value = d.value.seq;
        }

        // Everything drawn straight on the screen, after the sprites. Lamps, model and status are also in any
        // sprite they overlap, so a push never needs them redrawn; dial texts outside their own sprite are
        // redrawn when another dial's push covered them.
        for (int i = 0; i < kDialCount; ++i) {
            const Dial& d = f.dials[i];
            const DialLayout& lay = layouts_[i];
            DialSeqs& last = last_dial_[i];
            if (!lay.label_inside &&
                (full || d.label.seq != last.label || overlaps(d.label, pushed, pushed_count))) {
                drawTextBox(*screen_, 0, 0, d.label, bg);
                last.label = d.label.seq;
                ++st.texts;
            }
            if (!lay.value_inside &&
                (full || d.value.seq != last.value || overlaps(d.value, pushed, pushed_count))) {
                drawTextBox(*screen_, 0, 0, d.value, bg);
                last.value = d.value.seq;
                ++st.texts;
            }
        }
        for (int i = 0; i < kLampCount; ++i) {
            const LampView& l = f.lamps[i];
            if (lamp_changed[i]) {
                drawLamp(*screen_, 0, 0, l, bg);
                last_lamp_seq_[i] = l.seq;
                ++st.lamps;
            }
        }
        if (model_changed) {
            drawTextBox(*screen_, 0, 0, f.model, bg);
            last_model_seq_ = f.model.seq;
            ++st.texts;
        }
        if (status_changed) {
            drawTextBox(*screen_, 0, 0, f.status, bg);
            last_status_seq_ = f.status.seq;
            ++st.texts;
        }
        has_drawn_ = true;
        last_layout_seq_ = f.layout_seq;
        return st;
    }

  private:
    struct DialSeqs {
        uint32_t face, needle, label, value;
    };

    static bool overlapsRect(const Rect& r, const Rect* rects, int n) {
        for (int i = 0; i < n; ++i)
            if (rectsIntersect(r, rects[i])) return true;
        return false;
    }
    static bool overlaps(const TextBox& t, const Rect* rects, int n) {
        return overlapsRect(textBoxRect(t), rects, n);
    }

    Canvas* screen_;
    SurfaceProvider* surfaces_;
    bool has_drawn_;
    uint32_t last_layout_seq_;
    DialSeqs last_dial_[kDialCount];
    uint32_t last_lamp_seq_[kLampCount];
    uint32_t last_model_seq_;
    uint32_t last_status_seq_;
    DialLayout layouts_[kDialCount];
};

}  // namespace esp32
}  // namespace gauge
