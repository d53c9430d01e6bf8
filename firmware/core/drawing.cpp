#include "drawing.h"

#include <math.h>
#include <string.h>

#include "frame_layout.h"

namespace gauge {
namespace draw {

namespace {

// strlen within a fixed buffer (strnlen is POSIX, not in every C library the core builds with).
size_t boundedLen(const char* s, size_t cap) {
    size_t n = 0;
    while (n < cap && s[n] != '\0') ++n;
    return n;
}

}  // namespace

PointF polarPoint(float cx, float cy, float r, float deg) {
    const float a = deg * 0.017453292519943295f;
    return PointF{cx + r * sinf(a), cy - r * cosf(a)};
}

TextPlacement placeText(const TextBox& t) {
    const uint8_t size = t.size == 0 ? 1 : t.size;
    const int16_t glyph_w = static_cast<int16_t>(kGlyphW * size);
    const int16_t glyph_h = static_cast<int16_t>(kGlyphH * size);
    size_t len = boundedLen(t.text, sizeof(t.text));
    const int16_t fit = t.w > 0 ? static_cast<int16_t>(t.w / glyph_w) : 0;
    if (static_cast<int>(len) > fit) len = fit > 0 ? static_cast<size_t>(fit) : 0;
    const int16_t text_w = static_cast<int16_t>(len * glyph_w);
    int16_t x = t.x;
    if (t.align == Align::Center) x = static_cast<int16_t>(t.x + (t.w - text_w) / 2);
    if (t.align == Align::Right) x = static_cast<int16_t>(t.x + t.w - text_w);
    const int16_t y = static_cast<int16_t>(t.y + (t.h - glyph_h) / 2);
    return TextPlacement{x, y, size, static_cast<uint8_t>(len)};
}

int16_t arcInnerRadius(const Dial& d) {
    const int16_t ir = static_cast<int16_t>(d.radius - d.arc_width);
    return ir < 0 ? 0 : ir;
}

TickMark tickMark(const Dial& d, const Tick& t, int16_t ox, int16_t oy) {
    const int16_t cx = static_cast<int16_t>(d.cx - ox);
    const int16_t cy = static_cast<int16_t>(d.cy - oy);
    const float ir = static_cast<float>(arcInnerRadius(d));
    const float len = t.major ? kMajorTickLen : kMinorTickLen;
    return TickMark{polarPoint(cx, cy, ir, t.deg), polarPoint(cx, cy, ir - len, t.deg),
                    t.major ? kMajorTickWidth : kMinorTickWidth};
}

Rect tickLabelRect(const Dial& d, const Tick& t) {
    const size_t len = boundedLen(t.label, sizeof(t.label));
    if (len == 0 || !isfinite(t.deg)) return Rect{0, 0, 0, 0};
    const PointF p = polarPoint(d.cx, d.cy, static_cast<float>(d.label_radius), t.deg);
    const int16_t w = static_cast<int16_t>(len * kGlyphW);
    return Rect{static_cast<int16_t>(lroundf(p.x) - w / 2), static_cast<int16_t>(lroundf(p.y) - kGlyphH / 2),
                w, kGlyphH};
}

float clampNeedleDeg(const Dial& d, float deg) {
    const float lo = isfinite(d.start_deg) ? d.start_deg : 0.0f;
    const float hi = isfinite(d.end_deg) ? d.end_deg : 0.0f;
    if (!isfinite(deg)) return lo;
    if (deg < lo - kNeedleMarginDeg) return lo - kNeedleMarginDeg;
    if (deg > hi + kNeedleMarginDeg) return hi + kNeedleMarginDeg;
    return deg;
}

NeedleShape needleShape(const Dial& d, float deg, int16_t ox, int16_t oy) {
    const float cx = static_cast<float>(d.cx - ox);
    const float cy = static_cast<float>(d.cy - oy);
    return NeedleShape{PointF{cx, cy}, polarPoint(cx, cy, d.needle_length, deg), kNeedleBaseWidth,
                       kNeedleTipWidth};
}

int16_t lampCornerRadius(const LampView& l) {
    int16_t r = kLampCornerRadius;
    if (r * 2 > l.h) r = static_cast<int16_t>(l.h / 2);
    if (r * 2 > l.w) r = static_cast<int16_t>(l.w / 2);
    return r;
}

TextBox lampLabelBox(const LampView& l) {
    TextBox label;
    memset(&label, 0, sizeof(label));
    label.x = l.x;
    label.y = l.y;
    label.w = l.w;
    label.h = l.h;
    label.size = l.label_size;
    label.align = Align::Center;
    label.color = l.label_color;
    static_assert(sizeof(l.label) <= sizeof(label.text), "a lamp label fits a TextBox");
    memcpy(label.text, l.label, sizeof(l.label));
    label.text[sizeof(l.label) - 1] = '\0';
    return label;
}

void planDrawing(const Frame& f, Drawing& out) {
    memset(&out, 0, sizeof out);
    out.glyph_w = kGlyphW;
    out.glyph_h = kGlyphH;
    for (int i = 0; i < kDialCount; ++i) {
        const Dial& d = f.dials[i];
        DialDrawing& dd = out.dials[i];
        dd.label = placeText(d.label);
        dd.value = placeText(d.value);
        dd.arc_inner_radius = arcInnerRadius(d);
        dd.tick_count = d.tick_count > kMaxTicks ? kMaxTicks : d.tick_count;
        for (uint8_t k = 0; k < dd.tick_count; ++k) {
            dd.ticks[k] = tickMark(d, d.ticks[k]);
            dd.tick_labels[k] = tickLabelRect(d, d.ticks[k]);
        }
        dd.needle = needleShape(d, clampNeedleDeg(d, d.needle_deg));
    }
    for (int i = 0; i < kLampCount; ++i) {
        out.lamps[i].corner_radius = lampCornerRadius(f.lamps[i]);
        out.lamps[i].label = placeText(lampLabelBox(f.lamps[i]));
    }
    const TextBox* texts[kMaxFrameTexts];
    const size_t n = frameTexts(f, texts, kMaxFrameTexts);
    out.text_count = static_cast<uint8_t>(n < kMaxFrameTexts ? n : kMaxFrameTexts);
    for (uint8_t i = 0; i < out.text_count; ++i) out.texts[i] = placeText(*texts[i]);
}

}  // namespace draw
}  // namespace gauge
