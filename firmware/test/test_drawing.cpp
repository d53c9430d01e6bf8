// How a Frame is drawn (drawing.h): text placement, tick marks and labels, needle shape, lamp corners, and
// planDrawing() giving exactly what the single functions give (the simulator draws from the former, the TFT
// from the latter).
#include <doctest/doctest.h>

#include <math.h>
#include <string.h>

#include "gauge.h"

using namespace gauge;
using namespace gauge::draw;

TEST_CASE("Geometry: polar points follow frame.h (cx + r sin a, cy - r cos a)") {
    PointF p = polarPoint(100, 100, 10, 0);
    CHECK(p.x == doctest::Approx(100));
    CHECK(p.y == doctest::Approx(90));
    p = polarPoint(100, 100, 10, 90);
    CHECK(p.x == doctest::Approx(110));
    CHECK(p.y == doctest::Approx(100));
    p = polarPoint(100, 100, 10, -90);
    CHECK(p.x == doctest::Approx(90));
    p = polarPoint(100, 100, 10, 180);
    CHECK(p.y == doctest::Approx(110));
}

TEST_CASE("Text: placement in its box for each alignment, vertically centred, cut to the box width") {
    TextBox t{10, 20, 60, 16, 1, Align::Left, 0xFFFFFF, "abcd", 1};
    TextPlacement p = placeText(t);
    CHECK(p.x == 10);
    CHECK(p.y == 24);  // (16 - 8) / 2
    CHECK(p.chars == 4);
    t.align = Align::Center;
    CHECK(placeText(t).x == 10 + (60 - 24) / 2);
    t.align = Align::Right;
    CHECK(placeText(t).x == 10 + 60 - 24);
    t.size = 2;  // 12 px per char: 5 fit in 60 px
    strcpy(t.text, "abcdefghij");
    t.align = Align::Left;
    p = placeText(t);
    CHECK(p.chars == 5);
    CHECK(p.y == 20);  // (16 - 16) / 2
    t.size = 0;        // treated as 1
    CHECK(placeText(t).chars == 10);
    t.w = 0;
    CHECK(placeText(t).chars == 0);
}

TEST_CASE(
    "Ticks: from the arc's inner edge inwards, long and wide when major; labels centred at label_radius") {
    Dial d;
    memset(&d, 0, sizeof d);
    d.cx = 100;
    d.cy = 120;
    d.radius = 50;
    d.arc_width = 6;
    d.label_radius = 30;
    Tick major{0.0f, 1, "10"};
    Tick minor{90.0f, 0, ""};
    CHECK(arcInnerRadius(d) == 44);
    TickMark m = tickMark(d, major);
    CHECK(m.outer.x == doctest::Approx(100));
    CHECK(m.outer.y == doctest::Approx(120 - 44));
    CHECK(m.inner.y == doctest::Approx(120 - 44 + kMajorTickLen));
    CHECK(m.width == kMajorTickWidth);
    m = tickMark(d, minor, 100, 20);  // on a canvas whose origin is at (100, 20)
    CHECK(m.outer.x == doctest::Approx(44));
    CHECK(m.outer.y == doctest::Approx(100));
    CHECK(m.inner.x == doctest::Approx(44 - kMinorTickLen));
    CHECK(m.width == kMinorTickWidth);
    const Rect r = tickLabelRect(d, major);  // "10": 12 x 8 centred on (100, 90)
    CHECK(r.x == 94);
    CHECK(r.y == 86);
    CHECK(r.w == 2 * kGlyphW);
    CHECK(r.h == kGlyphH);
    CHECK(tickLabelRect(d, minor).w == 0);
    const Tick lost{NAN, 1, "9"};
    CHECK(tickLabelRect(d, lost).w == 0);
    d.arc_width = 60;
    CHECK(arcInnerRadius(d) == 0);
}

TEST_CASE("Needle: clamped to the scale plus a margin; a wedge from the pivot") {
    Dial d;
    memset(&d, 0, sizeof d);
    d.cx = 50;
    d.cy = 60;
    d.needle_length = 40;
    d.start_deg = -120;
    d.end_deg = 120;
    CHECK(clampNeedleDeg(d, 0.0f) == 0.0f);
    CHECK(clampNeedleDeg(d, -200.0f) == -120 - kNeedleMarginDeg);
    CHECK(clampNeedleDeg(d, 200.0f) == 120 + kNeedleMarginDeg);
    CHECK(clampNeedleDeg(d, NAN) == -120);
    d.start_deg = NAN;
    CHECK(clampNeedleDeg(d, -200.0f) == -kNeedleMarginDeg);
    d.start_deg = -120;
    const NeedleShape n = needleShape(d, 90.0f, 10, 20);
    CHECK(n.pivot.x == 40);
    CHECK(n.pivot.y == 40);
    CHECK(n.tip.x == doctest::Approx(80));
    CHECK(n.tip.y == doctest::Approx(40));
    CHECK(n.base_width == kNeedleBaseWidth);
    CHECK(n.tip_width == kNeedleTipWidth);
}

TEST_CASE("Lamps: corner radius shrinks for small lamps; the label is centred over the lamp") {
    LampView l;
    memset(&l, 0, sizeof l);
    l.x = 4;
    l.y = 214;
    l.w = 58;
    l.h = 22;
    l.label_size = 1;
    l.label_color = 0x123456;
    strcpy(l.label, "NO SIG");
    CHECK(lampCornerRadius(l) == kLampCornerRadius);
    l.h = 6;
    CHECK(lampCornerRadius(l) == 3);
    l.w = 4;
    CHECK(lampCornerRadius(l) == 2);
    l.w = 58;
    l.h = 22;
    const TextBox b = lampLabelBox(l);
    CHECK(strcmp(b.text, "NO SIG") == 0);
    CHECK(b.align == Align::Center);
    CHECK(b.color == 0x123456u);
    const TextPlacement p = placeText(b);
    CHECK(p.x == 4 + (58 - 36) / 2);
    CHECK(p.y == 214 + (22 - 8) / 2);
}

TEST_CASE("planDrawing: the same numbers as the single functions, for a real frame") {
    Device dev;
    dev.boot(0);
    dev.update(700);  // mid self-test: every tick, label and lamp in use
    const Frame& f = dev.frame();
    Drawing dr;
    planDrawing(f, dr);
    CHECK(dr.glyph_w == kGlyphW);
    CHECK(dr.glyph_h == kGlyphH);
    for (int i = 0; i < kDialCount; ++i) {
        const Dial& d = f.dials[i];
        const DialDrawing& dd = dr.dials[i];
        CHECK(dd.tick_count == d.tick_count);
        CHECK(dd.arc_inner_radius == arcInnerRadius(d));
        CHECK(memcmp(&dd.label, &(const TextPlacement&)placeText(d.label), sizeof dd.label) == 0);
        for (int k = 0; k < dd.tick_count; ++k) {
            const TickMark m = tickMark(d, d.ticks[k]);
            CHECK(dd.ticks[k].inner.x == m.inner.x);
            CHECK(dd.ticks[k].outer.y == m.outer.y);
            CHECK(dd.tick_labels[k].x == tickLabelRect(d, d.ticks[k]).x);
        }
        CHECK(dd.needle.tip.x == needleShape(d, clampNeedleDeg(d, d.needle_deg)).tip.x);
    }
    for (int i = 0; i < kLampCount; ++i) {
        CHECK(dr.lamps[i].corner_radius == lampCornerRadius(f.lamps[i]));
        CHECK(dr.lamps[i].label.chars == strlen(f.lamps[i].label));
    }
    // The Frame's own texts, in declaration order: the model readout, the status line, the fuel's basis, the
    // weekly and the pace readouts.
    const TextBox* texts[kMaxFrameTexts];
    REQUIRE(frameTexts(f, texts, kMaxFrameTexts) == 5);
    CHECK(texts[0] == &f.model);
    CHECK(texts[1] == &f.status);
    CHECK(texts[2] == &f.basis);
    CHECK(texts[3] == &f.week);
    CHECK(texts[4] == &f.pace);
    REQUIRE(dr.text_count == 5);
    CHECK(dr.texts[4].x == placeText(f.pace).x);
    CHECK(dr.texts[0].chars == placeText(f.model).chars);
    CHECK(dr.texts[0].x == placeText(f.model).x);
    CHECK(dr.texts[1].x == placeText(f.status).x);
    CHECK(dr.texts[1].chars == placeText(f.status).chars);
}
