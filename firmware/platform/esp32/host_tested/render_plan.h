// The TFT renderer's drawing plan, independent of TFT_eSPI: it turns a gauge::Frame into calls on a tiny
// abstract Canvas, redrawing only what changed. The ESP32 build binds Canvas to TFT_eSPI and one 16-bit
// TFT_eSprite (tft_canvas.h), and so does the virtual panel on the host (firmware/platform/panel); the native
// glue test binds it to a recorder and checks the calls. Header only, C headers only, no heap.
//
// How the picture is made:
//  - It is a fixed stack of layers, bottom to top: the background; every dial's face (base arc, zones, ticks,
//    tick labels); the text boxes (dial labels and values, the model readout, the status line); the lamps;
//    every dial's needle and hub. The simulator (simulator/src/render/cluster.ts) draws the same stack.
//  - Every element has an extent, the screen rectangle it can paint (the *Extent functions). When an element
//    changes (its seq; a needle's needle_seq; a face's face_seq) the rectangles it covered and covers now are
//    dirty. Dirty rectangles that meet are merged.
//  - Each dirty rectangle is recomposed off-screen, a tile at a time, in one small scratch sprite: the tile
//  is
//    cleared to the background, every element whose extent meets it is drawn in layer order, and the tile is
//    pushed. The screen only ever receives finished pixels (no flicker), an unchanged frame sends nothing,
//    and a moving needle sends only the area it left and the area it now covers.
//  - The scratch sprite holds RGB565, the screen's own format: an 8-bit sprite stores RGB332, so its colours
//    would not be the screen's (the arc grey turns olive, amber lamps shift) and its anti-aliasing is coarse.
//    It is kScratchW x kScratchH (24 kB); if the heap cannot give that, fewer rows are tried; with no sprite
//    at all, a changed frame is drawn straight on the screen in full (right, but it flickers) until the app
//    gets one (main.cpp retries on a backoff).
//  - A needle is drawn at the angle it had when its needle_seq last changed (the core changes needle_seq once
//    a needle has moved kNeedleRedrawDeg), so every tile shows the same needle.
//  - layout_seq changing (and the first frame) redraws the whole screen.
//
// All coordinates and colours come from the Frame, and what the Frame leaves to a renderer (text placement,
// tick marks and labels, the needle's shape, lamp corners, the GLCD cell) from the core's drawing rules
// (firmware/core/drawing.h), which the simulator draws with too; the only number of our own is the scratch
// sprite's size below.
#pragma once

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "drawing.h"
#include "frame.h"
#include "frame_layout.h"
#include "gauge_config.h"

namespace gauge {
namespace esp32 {

using draw::kGlyphH;
using draw::kGlyphW;
using draw::PointF;
using draw::polarPoint;
using draw::Rect;
using draw::TextPlacement;

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

// ---- The canvas
// Colours are RGB565. Arc angles are TFT_eSPI's. Line widths are full widths in pixels.
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
    // Anti-aliased line w pixels wide, blended with the pixels under it.
    virtual void drawWideLine(float ax, float ay, float bx, float by, float w, uint16_t color) = 0;
    // Anti-aliased tapered line, aw pixels wide at a and bw pixels wide at b (widths, not radii), blended
    // with the pixels under it.
    virtual void drawWedgeLine(float ax, float ay, float bx, float by, float aw, float bw,
                               uint16_t color) = 0;
    // `len` bytes of `text` in the GLCD font at `size`, top-left at (x, y), background filled with bg.
    virtual void drawText(int16_t x, int16_t y, uint8_t size, uint16_t fg, uint16_t bg, const char* text,
                          uint8_t len) = 0;
};

// The off-screen canvas (the scratch sprite): drawn on, then part of it copied to the screen.
class Surface : public Canvas {
  public:
    virtual int16_t width() const = 0;
    virtual int16_t height() const = 0;
    // Copies the surface's top-left w x h pixels to the screen with their top-left at (x, y).
    virtual void push(int16_t x, int16_t y, int16_t w, int16_t h) = 0;
};

// Hands out the scratch surface; null when it cannot (out of memory). Asked on every frame that draws.
class SurfaceProvider {
  public:
    virtual ~SurfaceProvider() {}
    virtual Surface* surface() = 0;
};

// The scratch sprite's size: a tile. 128 x 96 x 2 bytes = 24 kB, enough for the tach's needle sweep at 30 fps
// in one tile; the whole screen is 9 tiles. Fewer rows (down to kScratchMinH) when the heap is short.
constexpr int16_t kScratchW = 128;
constexpr int16_t kScratchH = 96;
constexpr int16_t kScratchMinH = 12;

// ---- Element drawing (ox, oy = where the canvas's origin is on the screen)
inline void drawTextBox(Canvas& c, int16_t ox, int16_t oy, const TextBox& t, uint16_t bg) {
    c.fillRect(static_cast<int16_t>(t.x - ox), static_cast<int16_t>(t.y - oy), t.w, t.h, bg);
    const TextPlacement p = draw::placeText(t);
    if (p.chars == 0) return;
    c.drawText(static_cast<int16_t>(p.x - ox), static_cast<int16_t>(p.y - oy), p.size, rgb565(t.color), bg,
               t.text, p.chars);
}

inline void drawLamp(Canvas& c, int16_t ox, int16_t oy, const LampView& l, uint16_t bg) {
    const int16_t x = static_cast<int16_t>(l.x - ox);
    const int16_t y = static_cast<int16_t>(l.y - oy);
    c.fillRect(x, y, l.w, l.h, bg);
    const uint16_t fill = rgb565(l.color);
    c.fillRoundRect(x, y, l.w, l.h, draw::lampCornerRadius(l), fill);
    const TextBox label = draw::lampLabelBox(l);
    const TextPlacement p = draw::placeText(label);
    if (p.chars > 0)
        c.drawText(static_cast<int16_t>(p.x - ox), static_cast<int16_t>(p.y - oy), p.size,
                   rgb565(l.label_color), fill, label.text, p.chars);
}

// A rectangle from inclusive float bounds, padded, kept within int16_t (hostile frames carry any number).
inline Rect boundsRect(float x0, float y0, float x1, float y1, int pad) {
    const float lim = 8192.0f;
    auto clampf = [lim](float v) { return v < -lim ? -lim : (v > lim ? lim : v); };
    if (!isfinite(x0) || !isfinite(y0) || !isfinite(x1) || !isfinite(y1)) return Rect{0, 0, 0, 0};
    const int ix0 = static_cast<int>(floorf(clampf(x0))) - pad;
    const int iy0 = static_cast<int>(floorf(clampf(y0))) - pad;
    const int ix1 = static_cast<int>(ceilf(clampf(x1))) + pad;
    const int iy1 = static_cast<int>(ceilf(clampf(y1))) + pad;
    return Rect{static_cast<int16_t>(ix0), static_cast<int16_t>(iy0), static_cast<int16_t>(ix1 - ix0 + 1),
                static_cast<int16_t>(iy1 - iy0 + 1)};
}

inline Rect pointsBox(const PointF* pts, int n, int pad) {
    float x0 = pts[0].x, x1 = pts[0].x, y0 = pts[0].y, y1 = pts[0].y;
    for (int i = 1; i < n; ++i) {
        x0 = fminf(x0, pts[i].x);
        x1 = fmaxf(x1, pts[i].x);
        y0 = fminf(y0, pts[i].y);
        y1 = fmaxf(y1, pts[i].y);
    }
    return boundsRect(x0, y0, x1, y1, pad);
}

// Bounding box of the ring sector between angles a0..a1 (frame convention) out to radius r, plus the centre.
inline Rect sweepBox(float cx, float cy, float r, float a0, float a1, int pad) {
    if (!isfinite(a0) || !isfinite(a1) || a1 - a0 >= 360.0f)
        return boundsRect(cx - r, cy - r, cx + r, cy + r, pad);
    PointF pts[12];
    int n = 0;
    pts[n++] = PointF{cx, cy};
    pts[n++] = polarPoint(cx, cy, r, a0);
    pts[n++] = polarPoint(cx, cy, r, a1);
    // Every 12/3/6/9 o'clock direction inside the sweep is an extreme of the arc.
    for (int k = -8; k <= 8 && n < 12; ++k) {
        const float a = 90.0f * static_cast<float>(k);
        if (a > a0 && a < a1) pts[n++] = polarPoint(cx, cy, r, a);
    }
    return pointsBox(pts, n, pad);
}

// ---- Extents: everything an element can paint, on the screen. Anti-aliased edges reach a pixel or so past
// the geometry; kAaPad covers them (the virtual panel's tests hold the renderer to these bounds).
constexpr int kAaPad = 2;

inline Rect screenRect() {
    return Rect{0, 0, cfg::kScreenW, cfg::kScreenH};
}

inline uint8_t tickCount(const Dial& d) {
    return d.tick_count > kMaxTicks ? kMaxTicks : d.tick_count;
}

// The face: the arc and its zones over the sweep (angles are rounded to whole degrees for TFT_eSPI, and
// its arc ends are anti-aliased: one degree more each side), the ticks inside it, the tick labels.
inline Rect faceExtent(const Dial& d) {
    const float r = static_cast<float>(d.radius > 0 ? d.radius : 0);
    Rect area = sweepBox(d.cx, d.cy, r, d.start_deg - 1.0f, d.end_deg + 1.0f, kAaPad);
    const uint8_t ticks = tickCount(d);
    for (uint8_t i = 0; i < ticks; ++i) area = rectUnion(area, draw::tickLabelRect(d, d.ticks[i]));
    return clipToScreen(area);
}

// A text box: its box, and its glyphs where they stick out of a box lower than the font.
inline Rect textExtent(const TextBox& t) {
    Rect area = textBoxRect(t);
    const TextPlacement p = draw::placeText(t);
    if (p.chars > 0)
        area = rectUnion(area, Rect{p.x, p.y, static_cast<int16_t>(p.chars * kGlyphW * p.size),
                                    static_cast<int16_t>(kGlyphH * p.size)});
    return clipToScreen(area);
}

inline Rect lampExtent(const LampView& l) {
    return clipToScreen(rectUnion(Rect{l.x, l.y, l.w, l.h}, textExtent(draw::lampLabelBox(l))));
}

// The needle at angle deg (already clamped) and its hub.
inline Rect needleExtent(const Dial& d, float deg) {
    const PointF pts[2] = {PointF{static_cast<float>(d.cx), static_cast<float>(d.cy)},
                           polarPoint(d.cx, d.cy, d.needle_length, deg)};
    Rect area = pointsBox(pts, 2, static_cast<int>(ceilf(draw::kNeedleBaseWidth / 2.0f)) + kAaPad);
    if (d.hub_radius > 0) {
        const float h = static_cast<float>(d.hub_radius);
        area = rectUnion(area, boundsRect(d.cx - h, d.cy - h, d.cx + h, d.cy + h, kAaPad));
    }
    return clipToScreen(area);
}

// ---- Layers
inline void drawFace(Canvas& c, int16_t ox, int16_t oy, const Dial& d, uint16_t bg) {
    const int16_t cx = static_cast<int16_t>(d.cx - ox);
    const int16_t cy = static_cast<int16_t>(d.cy - oy);
    const int16_t r = d.radius;
    const int16_t ir = draw::arcInnerRadius(d);

    const ArcSpan base = arcSpan(d.start_deg, d.end_deg);
    if (base.visible && r > 0) c.drawArc(cx, cy, r, ir, base.start, base.end, rgb565(d.arc_color), bg);
    const uint8_t zones = r > 0 ? (d.zone_count > kMaxZones ? kMaxZones : d.zone_count) : 0;
    for (uint8_t i = 0; i < zones; ++i) {
        const Zone& z = d.zones[i];
        const ArcSpan span = arcSpan(z.from_deg, z.to_deg);
        if (span.visible) c.drawArc(cx, cy, r, ir, span.start, span.end, rgb565(z.color), bg);
    }

    const uint16_t tick_color = rgb565(d.tick_color);
    const uint8_t ticks = tickCount(d);
    for (uint8_t i = 0; i < ticks; ++i) {
        const Tick& t = d.ticks[i];
        if (!isfinite(t.deg)) continue;
        const draw::TickMark m = draw::tickMark(d, t, ox, oy);
        c.drawWideLine(m.outer.x, m.outer.y, m.inner.x, m.inner.y, m.width, tick_color);
        const Rect lr = draw::tickLabelRect(d, t);
        if (!rectEmpty(lr))
            c.drawText(static_cast<int16_t>(lr.x - ox), static_cast<int16_t>(lr.y - oy), 1, tick_color, bg,
                       t.label, static_cast<uint8_t>(lr.w / kGlyphW));
    }
}

inline void drawNeedle(Canvas& c, int16_t ox, int16_t oy, const Dial& d, float deg) {
    const draw::NeedleShape n = draw::needleShape(d, deg, ox, oy);
    const uint16_t needle = rgb565(d.needle_color);
    c.drawWedgeLine(n.pivot.x, n.pivot.y, n.tip.x, n.tip.y, n.base_width, n.tip_width, needle);
    if (d.hub_radius > 0)
        c.fillCircle(static_cast<int16_t>(d.cx - ox), static_cast<int16_t>(d.cy - oy), d.hub_radius, needle);
}

// The screen's `region` of frame f, with needle i at needle_deg[i], drawn on canvas c whose origin sits at
// (ox, oy) on the screen: cleared to the background, then every element that reaches into the region, layer
// by layer. Elements are drawn whole; the canvas's edges clip them.
inline void composeRegion(Canvas& c, int16_t ox, int16_t oy, const Rect& region, const Frame& f,
                          const float* needle_deg) {
    const uint16_t bg = rgb565(f.background);
    c.fillRect(static_cast<int16_t>(region.x - ox), static_cast<int16_t>(region.y - oy), region.w, region.h,
               bg);
    for (int i = 0; i < kDialCount; ++i)
        if (rectsIntersect(faceExtent(f.dials[i]), region)) drawFace(c, ox, oy, f.dials[i], bg);
    for (int i = 0; i < kDialCount; ++i) {
        const Dial& d = f.dials[i];
        if (rectsIntersect(textExtent(d.label), region)) drawTextBox(c, ox, oy, d.label, bg);
        if (rectsIntersect(textExtent(d.value), region)) drawTextBox(c, ox, oy, d.value, bg);
    }
    // The Frame's own texts (model, status, the quota readouts, any added later), as the core lists them.
    const TextBox* texts[draw::kMaxFrameTexts];
    const size_t text_count = frameTexts(f, texts, draw::kMaxFrameTexts);
    for (size_t i = 0; i < text_count; ++i)
        if (rectsIntersect(textExtent(*texts[i]), region)) drawTextBox(c, ox, oy, *texts[i], bg);
    for (int i = 0; i < kLampCount; ++i)
        if (rectsIntersect(lampExtent(f.lamps[i]), region)) drawLamp(c, ox, oy, f.lamps[i], bg);
    for (int i = 0; i < kDialCount; ++i)
        if (rectsIntersect(needleExtent(f.dials[i], needle_deg[i]), region))
            drawNeedle(c, ox, oy, f.dials[i], needle_deg[i]);
}

// ---- Dirty rectangles
// At most one per element and needle (old and new extents merged), so a fixed array holds them all.
constexpr int kMaxDirty = 4 * kDialCount + kLampCount + draw::kMaxFrameTexts;

class DirtyList {
  public:
    DirtyList() : rects_(), n_(0) {}
    void add(const Rect& r) {
        const Rect c = clipToScreen(r);
        if (rectEmpty(c)) return;
        if (n_ < kMaxDirty) {
            rects_[n_++] = c;
        } else {  // cannot happen with kMaxDirty sized as above; stay correct anyway
            rects_[n_ - 1] = rectUnion(rects_[n_ - 1], c);
        }
    }
    // Rectangles that meet become their union, until none meet (a pixel is never composed twice).
    void merge() {
        bool merged = true;
        while (merged) {
            merged = false;
            for (int i = 0; i < n_ && !merged; ++i)
                for (int j = i + 1; j < n_ && !merged; ++j)
                    if (rectsIntersect(rects_[i], rects_[j])) {
                        rects_[i] = rectUnion(rects_[i], rects_[j]);
                        rects_[j] = rects_[--n_];
                        merged = true;
                    }
        }
    }
    int size() const { return n_; }
    const Rect& operator[](int i) const { return rects_[i]; }

  private:
    Rect rects_[kMaxDirty];
    int n_;
};

// What one render() call sent (for the serial stats, the tests and the bench).
struct RenderStats {
    uint8_t full;     // 1 when the whole screen was redrawn (first frame, layout change)
    uint8_t regions;  // dirty rectangles after merging
    uint16_t tiles;   // tiles composed and pushed
    uint32_t pixels;  // pixels sent to the screen in tiles (or the whole screen when drawn straight)
    uint8_t direct;   // 1 when drawn straight on the screen (no scratch sprite)
    bool drewNothing() const { return tiles == 0 && direct == 0; }
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
        memset(last_text_seq_, 0, sizeof(last_text_seq_));
        for (int i = 0; i < kDialCount; ++i) {
            drawn_deg_[i] = 0.0f;
            last_face_[i] = Rect{0, 0, 0, 0};
        }
    }

    // The angle needle `dial` is drawn at (see the header: it moves in kNeedleRedrawDeg steps).
    float drawnNeedleDeg(int dial) const { return drawn_deg_[dial]; }

    RenderStats render(const Frame& f) {
        RenderStats st{0, 0, 0, 0, 0};
        if (!screen_) return st;
        DirtyList dirty;
        const bool full = !has_drawn_ || f.layout_seq != last_layout_seq_;
        if (full) {
            dirty.add(screenRect());
            st.full = 1;
        }
        for (int i = 0; i < kDialCount; ++i) {
            const Dial& d = f.dials[i];
            DialSeqs& last = last_dial_[i];
            const Rect face = faceExtent(d);
            if (!full && d.face_seq != last.face) dirty.add(rectUnion(last_face_[i], face));
            if (!full && d.label.seq != last.label) dirty.add(textExtent(d.label));
            if (!full && d.value.seq != last.value) dirty.add(textExtent(d.value));
            const float deg = draw::clampNeedleDeg(d, d.needle_deg);
            if (!full && d.needle_seq != last.needle)
                dirty.add(rectUnion(needleExtent(d, drawn_deg_[i]), needleExtent(d, deg)));
            if (full || d.needle_seq != last.needle) drawn_deg_[i] = deg;
            last = DialSeqs{d.face_seq, d.needle_seq, d.label.seq, d.value.seq};
            last_face_[i] = face;
        }
        for (int i = 0; i < kLampCount; ++i) {
            if (!full && f.lamps[i].seq != last_lamp_seq_[i]) dirty.add(lampExtent(f.lamps[i]));
            last_lamp_seq_[i] = f.lamps[i].seq;
        }
        const TextBox* texts[draw::kMaxFrameTexts];
        const size_t text_count = frameTexts(f, texts, draw::kMaxFrameTexts);
        for (size_t i = 0; i < text_count; ++i) {
            if (!full && texts[i]->seq != last_text_seq_[i]) dirty.add(textExtent(*texts[i]));
            last_text_seq_[i] = texts[i]->seq;
        }
        has_drawn_ = true;
        last_layout_seq_ = f.layout_seq;

        dirty.merge();
        st.regions = static_cast<uint8_t>(dirty.size());
        if (dirty.size() == 0) return st;
        Surface* s = surfaces_ ? surfaces_->surface() : nullptr;
        if (!s || s->width() <= 0 || s->height() <= 0) {
            // No off-screen memory: the whole screen, straight (a part alone would need clipping that
            // anti-aliased lines do not honour), layer by layer as the tiles would be.
            composeRegion(*screen_, 0, 0, screenRect(), f, drawn_deg_);
            st.direct = 1;
            st.pixels = static_cast<uint32_t>(cfg::kScreenW) * cfg::kScreenH;
            return st;
        }
        const int16_t tw = s->width(), th = s->height();
        for (int k = 0; k < dirty.size(); ++k) {
            const Rect& r = dirty[k];
            for (int16_t y = r.y; y < r.y + r.h; y = static_cast<int16_t>(y + th)) {
                for (int16_t x = r.x; x < r.x + r.w; x = static_cast<int16_t>(x + tw)) {
                    const int16_t w = static_cast<int16_t>(r.x + r.w - x < tw ? r.x + r.w - x : tw);
                    const int16_t h = static_cast<int16_t>(r.y + r.h - y < th ? r.y + r.h - y : th);
                    composeRegion(*s, x, y, Rect{x, y, w, h}, f, drawn_deg_);
                    s->push(x, y, w, h);
                    ++st.tiles;
                    st.pixels += static_cast<uint32_t>(w) * static_cast<uint32_t>(h);
                }
            }
        }
        return st;
    }

  private:
    struct DialSeqs {
        uint32_t face, needle, label, value;
    };

    Canvas* screen_;
    SurfaceProvider* surfaces_;
    bool has_drawn_;
    uint32_t last_layout_seq_;
    DialSeqs last_dial_[kDialCount];
    uint32_t last_lamp_seq_[kLampCount];
    uint32_t last_text_seq_[draw::kMaxFrameTexts];  // the Frame's own texts, in frameTexts() order
    float drawn_deg_[kDialCount];
    Rect last_face_[kDialCount];
};

}  // namespace esp32
}  // namespace gauge
