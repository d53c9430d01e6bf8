// Native tests of the Arduino-free half of the ESP32 glue, linked against the real core. Run with
// `make -C firmware esp32-glue`. The Arduino half (main.cpp, poll_task.cpp, usage_json.cpp) is not built
// here; tft_canvas.h is, against TFT_eSPI's sources, in the virtual panel (platform/panel); see
// docs/firmware.md.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <algorithm>
#include <string>
#include <vector>

#include "app_config.h"
#include "board_config.h"
#include "device.h"
#include "http_body.h"
#include "http_response.h"
#include "led_output.h"
#include "poll_bridge.h"
#include "render_plan.h"
#include "serial_commands.h"
#include "state_line_gate.h"
#include "state_line.h"
#include "usage_feed.h"

using namespace gauge;
using namespace gauge::esp32;
using namespace gauge::draw;  // the drawing rules render_plan.h draws with (firmware/core/drawing.h)

namespace {

// ---- A canvas that records what it is asked to draw, in screen coordinates
struct Call {
    std::string op;
    int x, y, w, h;  // for lines: both ends (x, y) - (w, h); for text: position, size, length
    std::string text;
    Rect box;  // the screen area the call may paint (shape bounds, plus anti-aliasing for lines and arcs)
};

class Recorder : public Surface {
  public:
    // A surface of w x h pixels whose origin is at (ox, oy) on the screen while it is being composed; the
    // screen itself is a 320x240 recorder at (0, 0).
    explicit Recorder(int w = cfg::kScreenW, int h = cfg::kScreenH) : w_(w), h_(h) {}
    std::vector<Call> calls;
    struct Push {
        int x, y, w, h;
    };
    std::vector<Push> pushes;
    int ox = 0, oy = 0;  // set by the test from the last fillRect (a tile starts with one)

    int16_t width() const override { return static_cast<int16_t>(w_); }
    int16_t height() const override { return static_cast<int16_t>(h_); }
    void fillRect(int16_t x, int16_t y, int16_t w, int16_t h, uint16_t) override {
        add({"fillRect", x, y, w, h, "", Rect{x, y, w, h}});
    }
    void fillRoundRect(int16_t x, int16_t y, int16_t w, int16_t h, int16_t, uint16_t) override {
        add({"fillRoundRect", x, y, w, h, "", Rect{x, y, w, h}});
    }
    void fillCircle(int16_t x, int16_t y, int16_t r, uint16_t) override {
        add({"fillCircle", x, y, r, r, "",
             Rect{static_cast<int16_t>(x - r), static_cast<int16_t>(y - r), static_cast<int16_t>(2 * r + 1),
                  static_cast<int16_t>(2 * r + 1)}});
    }
    void drawArc(int16_t x, int16_t y, int16_t r, int16_t ir, uint16_t start, uint16_t end, uint16_t,
                 uint16_t) override {
        CHECK(start <= 360);
        CHECK(end <= 360);
        CHECK(ir <= r);
        // The whole circle bounds it; faceExtent() is held to the swept part by the virtual panel's pixels.
        add({"drawArc", x, y, start, end, "",
             Rect{static_cast<int16_t>(x - r - 1), static_cast<int16_t>(y - r - 1),
                  static_cast<int16_t>(2 * r + 3), static_cast<int16_t>(2 * r + 3)}});
    }
    void drawWideLine(float ax, float ay, float bx, float by, float w, uint16_t) override {
        add({"drawWideLine", static_cast<int>(ax), static_cast<int>(ay), static_cast<int>(bx),
             static_cast<int>(by), "", lineBox(ax, ay, bx, by, w / 2.0f)});
    }
    void drawWedgeLine(float ax, float ay, float bx, float by, float aw, float bw, uint16_t) override {
        widths.push_back(aw);
        widths.push_back(bw);
        add({"drawWedgeLine", static_cast<int>(lroundf(ax)), static_cast<int>(lroundf(ay)),
             static_cast<int>(lroundf(bx)), static_cast<int>(lroundf(by)), "",
             lineBox(ax, ay, bx, by, fmaxf(aw, bw) / 2.0f)});
    }
    void drawText(int16_t x, int16_t y, uint8_t size, uint16_t, uint16_t, const char* text,
                  uint8_t len) override {
        add({"drawText", x, y, size, len, std::string(text, len),
             Rect{x, y, static_cast<int16_t>(len * kGlyphW * size), static_cast<int16_t>(kGlyphH * size)}});
    }
    // A tile is composed at the surface's origin and pushed to where it belongs: the calls since the last
    // push, moved by the push position, are what the tile drew on the screen.
    void push(int16_t x, int16_t y, int16_t w, int16_t h) override {
        CHECK(w <= w_);
        CHECK(h <= h_);
        pushes.push_back({x, y, w, h});
        for (size_t i = pending_; i < calls.size(); ++i) {
            Call c = calls[i];
            c.box.x = static_cast<int16_t>(c.box.x + x);
            c.box.y = static_cast<int16_t>(c.box.y + y);
            screen_calls.push_back(c);
        }
        pending_ = calls.size();
    }
    std::vector<Call> screen_calls;
    int count(const char* op) const {
        int n = 0;
        for (const Call& c : calls) n += c.op == op;
        return n;
    }
    bool hasText(const std::string& t) const {
        for (const Call& c : calls)
            if (c.op == "drawText" && c.text == t) return true;
        return false;
    }
    long pushedPixels() const {
        long n = 0;
        for (const Push& p : pushes) n += static_cast<long>(p.w) * p.h;
        return n;
    }
    void clear() {
        calls.clear();
        pushes.clear();
        widths.clear();
        screen_calls.clear();
        pending_ = 0;
    }
    std::vector<float> widths;

  private:
    static Rect lineBox(float ax, float ay, float bx, float by, float r) {
        return boundsRect(fminf(ax, bx) - r, fminf(ay, by) - r, fmaxf(ax, bx) + r, fmaxf(ay, by) + r, 1);
    }
    void add(const Call& c) { calls.push_back(c); }
    int w_, h_;
    size_t pending_ = 0;
};

class Surfaces : public SurfaceProvider {
  public:
    Recorder scratch{kScratchW, kScratchH};
    bool refuse = false;
    int asked = 0;
    Surface* surface() override {
        ++asked;
        return refuse ? nullptr : &scratch;
    }
};

// The union of the areas pushed, as a 320x240 mask, and how often each pixel was pushed.
struct Coverage {
    std::vector<int> hits = std::vector<int>(cfg::kScreenW * cfg::kScreenH, 0);
    void add(const Recorder& r) {
        for (const Recorder::Push& p : r.pushes)
            for (int y = p.y; y < p.y + p.h; ++y)
                for (int x = p.x; x < p.x + p.w; ++x)
                    if (x >= 0 && y >= 0 && x < cfg::kScreenW && y < cfg::kScreenH)
                        ++hits[y * cfg::kScreenW + x];
    }
    bool covers(const Rect& r) const {
        const Rect c = clipToScreen(r);
        for (int y = c.y; y < c.y + c.h; ++y)
            for (int x = c.x; x < c.x + c.w; ++x)
                if (hits[y * cfg::kScreenW + x] == 0) return false;
        return true;
    }
    int maxHits() const {
        int m = 0;
        for (int h : hits) m = h > m ? h : m;
        return m;
    }
    long pixels() const {
        long n = 0;
        for (int h : hits) n += h > 0;
        return n;
    }
};

// A small hand-made frame: one tach-like dial and three small ones, lamps, texts.
Frame makeFrame() {
    Frame f;
    memset(&f, 0, sizeof f);
    f.seq = 1;
    f.layout_seq = 1;
    f.background = 0x000000;
    for (int i = 0; i < kDialCount; ++i) {
        Dial& d = f.dials[i];
        d.id = static_cast<DialId>(i);
        d.cx = static_cast<int16_t>(i == 0 ? 100 : 270);
        d.cy = static_cast<int16_t>(i == 0 ? 110 : 40 + 70 * (i - 1));
        d.radius = static_cast<int16_t>(i == 0 ? 90 : 30);
        d.arc_width = 5;
        d.label_radius = static_cast<int16_t>(d.radius - 18);
        d.needle_length = static_cast<int16_t>(d.radius - 6);
        d.hub_radius = 4;
        d.start_deg = -135.0f;
        d.end_deg = 135.0f;
        d.arc_color = 0x707070;
        d.tick_color = 0xFFFFFF;
        d.needle_color = 0xFF0000;
        d.zone_count = 1;
        d.zones[0] = Zone{90.0f, 135.0f, 0xFF0000};
        d.tick_count = 2;
        d.ticks[0] = Tick{-135.0f, 1, "0"};
        d.ticks[1] = Tick{135.0f, 1, "10"};
        d.label = TextBox{static_cast<int16_t>(d.cx - 30),
                          static_cast<int16_t>(d.cy - 20),
                          60,
                          10,
                          1,
                          Align::Center,
                          0xFFFFFF,
                          "LBL",
                          1};
        d.value = TextBox{static_cast<int16_t>(d.cx - 30),
                          static_cast<int16_t>(d.cy + 10),
                          60,
                          16,
                          2,
                          Align::Center,
                          0xFFFFFF,
                          "42",
                          1};
        d.needle_deg = 0.0f;
        d.face_seq = 1;
        d.needle_seq = 1;
    }
    for (int i = 0; i < kLampCount; ++i) {
        LampView& l = f.lamps[i];
        l.id = static_cast<LampId>(i);
        l.x = static_cast<int16_t>(4 + 53 * i);
        l.y = 223;
        l.w = 49;
        l.h = 16;
        l.label_size = 1;
        snprintf(l.label, sizeof l.label, "L%d", i);
        l.color = 0x202020;
        l.label_color = 0xFFFFFF;
        l.seq = 1;
    }
    f.model = TextBox{10, 190, 120, 16, 2, Align::Left, 0xFFFFFF, "opus-4.5", 1};
    f.status = TextBox{4, 2, 150, 10, 1, Align::Left, 0xFFFFFF, "LIVE", 1};
    f.basis = TextBox{247, 19, 48, 9, 1, Align::Center, 0xFFFFFF, "OFFICIAL", 1};
    f.week = TextBox{4, 212, 150, 10, 1, Align::Left, 0xFFFFFF, "WEEK 63% 2d4h", 1};
    f.pace = TextBox{166, 212, 150, 10, 1, Align::Right, 0xFFFFFF, "FULL IN 42m", 1};
    return f;
}

// A complete, valid payload as the feeder's lookup sees it.
struct FakeJson {
    struct Entry {
        const char* name;
        JsonValueView v;
    };
    std::vector<Entry> entries;
    JsonValueView operator()(const UsageFieldInfo& f) const {
        for (const Entry& e : entries)
            if (strcmp(e.name, f.name) == 0) return e.v;
        return jsonMissing();
    }
    void num(const char* n, double x) {
        entries.push_back({n, JsonValueView{JsonKind::Number, false, x, nullptr, 0}});
    }
    void boolean(const char* n, bool b) {
        entries.push_back({n, JsonValueView{JsonKind::Bool, b, 0.0, nullptr, 0}});
    }
    void str(const char* n, const char* s, size_t len) {
        entries.push_back({n, JsonValueView{JsonKind::String, false, 0.0, s, len}});
    }
    void null(const char* n) {
        entries.push_back({n, JsonValueView{JsonKind::Null, false, 0.0, nullptr, 0}});
    }
    void other(const char* n) {
        entries.push_back({n, JsonValueView{JsonKind::Other, false, 0.0, nullptr, 0}});
    }
};

FakeJson cruisingPayload() {
    FakeJson j;
    j.num("v", 1);
    j.num("ts", 1763776000000.0);
    j.num("rate_1m", 600000);
    j.num("rate_redline", 1000000);
    j.num("window_5h_tokens", 4000000);
    j.num("window_5h_pct", 0.4);
    j.num("window_5h_reset_in_s", 3600);
    j.num("thinking_ratio", 0.25);
    j.num("cache_hit_rate", 0.9);
    j.str("last_model", "claude-opus-4-5-20251101", 24);
    j.num("sessions_active", 1);
    j.boolean("hot", false);
    j.boolean("warn", false);
    j.boolean("stall", false);
    j.boolean("idle", false);
    j.boolean("stale", false);
    j.str("source", "jsonl", 5);
    j.num("quota_5h_pct", 0.4);
    j.num("quota_5h_resets_at", 1763779600);
    j.num("quota_7d_pct", 0.63);
    j.num("quota_7d_resets_at", 1763963200);
    j.num("quota_observed_at", 1763775970000.0);
    j.str("fuel_basis", "official", 8);
    j.num("pace_pct_at_reset", 0.7);
    j.num("minutes_to_full", 41.6);
    j.num("attention", 1);
    return j;
}

// A byte source for readBody(): serves `data` in `chunk`-sized pieces, then stays open or closes.
struct FakeSource {
    std::string data;
    size_t pos = 0;
    size_t chunk = 7;
    bool close_at_end = true;
    int available() {
        const size_t left = data.size() - pos;
        return static_cast<int>(left < chunk ? left : chunk);
    }
    int read(uint8_t* buf, size_t n) {
        const size_t left = data.size() - pos;
        if (n > left) n = left;
        memcpy(buf, data.data() + pos, n);
        pos += n;
        return static_cast<int>(n);
    }
    bool connected() { return !(close_at_end && pos == data.size()); }
};

struct FakeClock {
    uint32_t t = 5000;
};

}  // namespace

// ---- Angles and geometry
TEST_CASE("Angles: frame degrees (0 = 12 o'clock) map to TFT_eSPI's (0 = 6 o'clock), clockwise") {
    CHECK(toTftArcDeg(0.0f) == 180);
    CHECK(toTftArcDeg(90.0f) == 270);
    CHECK(toTftArcDeg(-90.0f) == 90);
    CHECK(toTftArcDeg(180.0f) == 0);
    CHECK(toTftArcDeg(-180.0f) == 0);
    CHECK(toTftArcDeg(-135.0f) == 45);
    CHECK(toTftArcDeg(135.0f) == 315);
    CHECK(toTftArcDeg(359.6f) == 180);
    CHECK(toTftArcDeg(-720.0f) == 180);
    CHECK(toTftArcDeg(NAN) == 180);
}

TEST_CASE("Angles: arc spans keep their clockwise direction and drop the undrawable") {
    ArcSpan s = arcSpan(-135.0f, 135.0f);  // the tach: lower left, over the top, to lower right
    CHECK(s.visible);
    CHECK(s.start == 45);
    CHECK(s.end == 315);
    s = arcSpan(90.0f, 270.0f);  // 3 o'clock through 6 to 9: TFT 270 -> 90, passing 0 (drawArc splits it)
    CHECK(s.visible);
    CHECK(s.start == 270);
    CHECK(s.end == 90);
    s = arcSpan(-180.0f, 180.0f);
    CHECK(s.visible);
    CHECK(s.start == 0);
    CHECK(s.end == 360);
    CHECK_FALSE(arcSpan(10.0f, 10.0f).visible);
    CHECK_FALSE(arcSpan(20.0f, 10.0f).visible);
    CHECK_FALSE(arcSpan(10.0f, 10.3f).visible);
    CHECK_FALSE(arcSpan(NAN, 10.0f).visible);
    CHECK_FALSE(arcSpan(0.0f, INFINITY).visible);
}

// ---- The renderer
TEST_CASE("Renderer: the first frame composes the whole screen, tile by tile, each pixel once") {
    Recorder screen;
    Surfaces surfaces;
    FrameRenderer r;
    r.attach(&screen, &surfaces);
    const Frame f = makeFrame();
    const RenderStats st = r.render(f);
    CHECK(st.full == 1);
    CHECK(st.direct == 0);
    CHECK(st.regions == 1);
    CHECK(screen.calls.empty());  // nothing straight on the screen
    Coverage cov;
    cov.add(surfaces.scratch);
    CHECK(cov.covers(screenRect()));
    CHECK(cov.maxHits() == 1);
    CHECK(st.pixels == static_cast<uint32_t>(cfg::kScreenW) * cfg::kScreenH);
    CHECK(st.tiles == surfaces.scratch.pushes.size());
    // Every element was drawn somewhere: each dial's arcs, needle and hub, every lamp, every text.
    const Recorder& s = surfaces.scratch;
    CHECK(s.count("drawWedgeLine") >= kDialCount);
    CHECK(s.count("fillRoundRect") >= kLampCount);
    CHECK(s.hasText("opus-4.5"));
    CHECK(s.hasText("LIVE"));
    CHECK(s.hasText("OFFICIAL"));
    CHECK(s.hasText("WEEK 63% 2d4h"));
    CHECK(s.hasText("FULL IN 42m"));
    CHECK(s.hasText("42"));
    // Needle widths reach the canvas as widths (5 px at the pivot, 1 px at the tip), not radii.
    REQUIRE(s.widths.size() >= 2);
    CHECK(s.widths[0] == doctest::Approx(kNeedleBaseWidth));
    CHECK(s.widths[1] == doctest::Approx(kNeedleTipWidth));
    CHECK(kNeedleBaseWidth == doctest::Approx(5.0f));
    CHECK(kNeedleTipWidth == doctest::Approx(1.0f));
}

TEST_CASE("Renderer: an unchanged frame sends nothing; a moved needle resends only where it was and is") {
    Recorder screen;
    Surfaces surfaces;
    FrameRenderer r;
    r.attach(&screen, &surfaces);
    Frame f = makeFrame();
    r.render(f);
    surfaces.scratch.clear();

    RenderStats st = r.render(f);
    CHECK(st.drewNothing());
    CHECK(surfaces.scratch.pushes.empty());

    const int boost = static_cast<int>(DialId::Boost);
    Dial& d = f.dials[boost];
    const Rect before = needleExtent(d, d.needle_deg);
    d.needle_deg = 45.0f;
    d.needle_seq = 2;
    st = r.render(f);
    CHECK(st.regions == 1);
    Coverage cov;
    cov.add(surfaces.scratch);
    CHECK(cov.covers(before));
    CHECK(cov.covers(needleExtent(d, 45.0f)));
    CHECK(cov.pixels() == static_cast<long>(rectUnion(before, needleExtent(d, 45.0f)).w) *
                              rectUnion(before, needleExtent(d, 45.0f)).h);
    CHECK_FALSE(rectsIntersect(rectUnion(before, needleExtent(d, 45.0f)), faceExtent(f.dials[0])));
    // The needle points at 45 degrees from the dial's centre.
    bool found = false;
    for (const Call& c : surfaces.scratch.screen_calls) {
        if (c.op != "drawWedgeLine" || c.box.x > d.cx || c.box.x + c.box.w < d.cx) continue;
        const PointF tip = polarPoint(d.cx, d.cy, d.needle_length, 45.0f);
        CHECK(rectsIntersect(
            c.box, Rect{static_cast<int16_t>(lroundf(tip.x)), static_cast<int16_t>(lroundf(tip.y)), 1, 1}));
        found = true;
    }
    CHECK(found);
}

TEST_CASE("Renderer: a needle stays at its last published angle until its needle_seq changes") {
    Recorder screen;
    Surfaces surfaces;
    FrameRenderer r;
    r.attach(&screen, &surfaces);
    Frame f = makeFrame();
    r.render(f);
    const int tach = static_cast<int>(DialId::Tach);
    // The core moves needle_deg a little without a new needle_seq: nothing is redrawn...
    f.dials[tach].needle_deg = 0.2f;
    surfaces.scratch.clear();
    CHECK(r.render(f).drewNothing());
    CHECK(r.drawnNeedleDeg(tach) == doctest::Approx(0.0f));
    // ...and a text redrawn across the needle draws it where it still is on the rest of the screen.
    f.dials[tach].value.seq = 5;
    strcpy(f.dials[tach].value.text, "43");
    r.render(f);
    CHECK(r.drawnNeedleDeg(tach) == doctest::Approx(0.0f));
    f.dials[tach].needle_seq = 6;
    r.render(f);
    CHECK(r.drawnNeedleDeg(tach) == doctest::Approx(0.2f));
}

TEST_CASE("Renderer: lamps and texts resend their own extent; a layout change redraws everything") {
    Recorder screen;
    Surfaces surfaces;
    FrameRenderer r;
    r.attach(&screen, &surfaces);
    Frame f = makeFrame();
    r.render(f);
    surfaces.scratch.clear();

    f.lamps[2].seq = 7;
    f.lamps[2].color = 0xFF0000;
    RenderStats st = r.render(f);
    CHECK(st.regions == 1);
    Coverage cov;
    cov.add(surfaces.scratch);
    CHECK(cov.covers(lampExtent(f.lamps[2])));
    CHECK(cov.pixels() == static_cast<long>(lampExtent(f.lamps[2]).w) * lampExtent(f.lamps[2]).h);
    CHECK(surfaces.scratch.count("fillRoundRect") == 1);

    surfaces.scratch.clear();
    strcpy(f.status.text, "NO SIGNAL");
    f.status.seq = 9;
    st = r.render(f);
    CHECK(st.regions == 1);
    CHECK(surfaces.scratch.hasText("NO SIGNAL"));

    surfaces.scratch.clear();
    f.layout_seq = 2;
    st = r.render(f);
    CHECK(st.full == 1);
    CHECK(st.pixels == static_cast<uint32_t>(cfg::kScreenW) * cfg::kScreenH);
}

TEST_CASE("Renderer: without a scratch surface a changed frame is drawn straight on the screen, in full") {
    Recorder screen;
    Surfaces surfaces;
    surfaces.refuse = true;
    FrameRenderer r;
    r.attach(&screen, &surfaces);
    Frame f = makeFrame();
    RenderStats st = r.render(f);
    CHECK(st.direct == 1);
    CHECK(st.tiles == 0);
    REQUIRE(!screen.calls.empty());
    CHECK(screen.calls[0].op == "fillRect");
    CHECK(screen.calls[0].w == cfg::kScreenW);
    CHECK(screen.calls[0].h == cfg::kScreenH);
    CHECK(screen.count("drawWedgeLine") == kDialCount);
    // Unchanged: nothing, and the surface is not even asked for.
    screen.clear();
    const int asked = surfaces.asked;
    CHECK(r.render(f).drewNothing());
    CHECK(surfaces.asked == asked);
    // A refused surface is asked for again on the next frame that draws, and used once it comes.
    surfaces.refuse = false;
    f.lamps[0].seq = 3;
    st = r.render(f);
    CHECK(st.direct == 0);
    CHECK(st.tiles >= 1);
    CHECK(screen.calls.empty());
}

TEST_CASE("Renderer: a hostile frame (huge counts, NaN needle and angles, text without NUL) is survived") {
    Recorder screen;
    Surfaces surfaces;
    FrameRenderer r;
    r.attach(&screen, &surfaces);
    Frame f = makeFrame();
    f.dials[0].zone_count = 200;
    f.dials[0].tick_count = 200;
    f.dials[0].needle_deg = NAN;
    f.dials[1].needle_deg = 1e30f;
    f.dials[2].start_deg = NAN;
    f.dials[3].needle_length = 32767;
    f.dials[3].radius = -5;
    f.dials[2].ticks[0].deg = INFINITY;
    memset(f.model.text, 'x', sizeof f.model.text);  // no terminator at all
    memset(f.lamps[0].label, 'y', sizeof f.lamps[0].label);
    f.lamps[1].label_size = 255;
    const RenderStats st = r.render(f);
    CHECK(st.full == 1);
    Coverage cov;
    cov.add(surfaces.scratch);
    CHECK(cov.maxHits() == 1);
    for (const Recorder::Push& p : surfaces.scratch.pushes)
        CHECK(rectsIntersect(Rect{static_cast<int16_t>(p.x), static_cast<int16_t>(p.y),
                                  static_cast<int16_t>(p.w), static_cast<int16_t>(p.h)},
                             screenRect()));
    for (int i = 0; i < kDialCount; ++i) {
        CHECK(isfinite(r.drawnNeedleDeg(i)));
        const Rect e = needleExtent(f.dials[i], r.drawnNeedleDeg(i));
        CHECK(e.x >= 0);
        CHECK(e.x + e.w <= cfg::kScreenW);
    }
}

TEST_CASE("Dirty rectangles: rectangles that meet merge until none do; clipped to the screen") {
    DirtyList d;
    d.add(Rect{0, 0, 10, 10});
    d.add(Rect{5, 5, 10, 10});
    d.add(Rect{100, 100, 5, 5});
    d.add(Rect{14, 14, 90, 90});    // meets the merged first two and the third
    d.add(Rect{-50, -50, 10, 10});  // off the screen: dropped
    d.merge();
    REQUIRE(d.size() == 1);
    CHECK(d[0].x == 0);
    CHECK(d[0].w == 105);
    DirtyList e;
    e.add(Rect{0, 0, 10, 10});
    e.add(Rect{10, 0, 10, 10});  // touching edges do not meet
    e.merge();
    CHECK(e.size() == 2);
    CHECK(kMaxDirty >= 4 * kDialCount + kLampCount + kMaxFrameTexts);
}

// ---- The renderer on the real core's layout
TEST_CASE("Renderer on the core's layout: every draw call stays inside the extent it was drawn for") {
    // Compose each element alone, in a screen-sized recorder, and hold every call to the element's extent
    // (the virtual panel holds the pixels to them too: a tile that skips an element must lose nothing).
    Device dev;
    dev.boot(0);
    for (uint32_t t = 0; t <= 700; t += 50) {
        dev.update(t);
        const Frame& f = dev.frame();
        const uint16_t bg = rgb565(f.background);
        for (int i = 0; i < kDialCount; ++i) {
            const Dial& d = f.dials[i];
            Recorder face;
            drawFace(face, 0, 0, d, bg);
            const Rect fe = faceExtent(d);
            for (const Call& c : face.calls)
                if (c.op != "drawArc") CHECK_MESSAGE(rectUnion(fe, c.box).w == fe.w, c.op);
            Recorder needle;
            const float deg = clampNeedleDeg(d, d.needle_deg);
            drawNeedle(needle, 0, 0, d, deg);
            const Rect ne = needleExtent(d, deg);
            for (const Call& c : needle.calls) {
                const Rect u = rectUnion(ne, clipToScreen(c.box));
                CHECK(u.x == ne.x);
                CHECK(u.y == ne.y);
                CHECK(u.w == ne.w);
                CHECK(u.h == ne.h);
            }
        }
    }
    const Frame& f = dev.frame();
    for (int i = 0; i < kLampCount; ++i) {
        Recorder lamp;
        drawLamp(lamp, 0, 0, f.lamps[i], 0);
        const Rect le = lampExtent(f.lamps[i]);
        for (const Call& c : lamp.calls) CHECK(rectUnion(le, c.box).w == le.w);
    }
    // Every extent lies on the screen; the scratch sprite fits a RAM budget far below the old per-dial ones.
    for (int i = 0; i < kDialCount; ++i) {
        const Rect e = faceExtent(f.dials[i]);
        CHECK(e.x >= 0);
        CHECK(e.y >= 0);
        CHECK(e.x + e.w <= cfg::kScreenW);
        CHECK(e.y + e.h <= cfg::kScreenH);
    }
    MESSAGE("16-bit scratch sprite: " << (kScratchW * kScratchH * 2) << " bytes");
    CHECK(kScratchW * kScratchH * 2 <= 32 * 1024);
}

TEST_CASE(
    "Renderer on the core's layout: the self-test sweep sends only the needles' sweep; idle sends nothing") {
    Device dev;
    dev.boot(0);
    Recorder screen;
    Surfaces surfaces;
    FrameRenderer r;
    r.attach(&screen, &surfaces);
    int needle_only_frames = 0;
    long worst = 0;
    Frame prev;
    memset(&prev, 0, sizeof prev);
    for (uint32_t t = 0; t <= cfg::kSelfTestMs + 500; t += 33) {
        dev.update(t);
        const Frame& f = dev.frame();
        surfaces.scratch.clear();
        const RenderStats st = r.render(f);
        CHECK(screen.calls.empty());  // never straight on the screen: no flicker
        bool others_same = t > 0 && f.layout_seq == prev.layout_seq && f.model.seq == prev.model.seq &&
                           f.status.seq == prev.status.seq;
        for (int i = 0; i < kLampCount; ++i) others_same = others_same && f.lamps[i].seq == prev.lamps[i].seq;
        for (int i = 0; i < kDialCount; ++i)
            others_same = others_same && f.dials[i].label.seq == prev.dials[i].label.seq &&
                          f.dials[i].value.seq == prev.dials[i].value.seq &&
                          f.dials[i].face_seq == prev.dials[i].face_seq;
        if (others_same && !st.drewNothing()) {
            ++needle_only_frames;
            Coverage cov;
            cov.add(surfaces.scratch);
            CHECK(cov.maxHits() == 1);
            // Only needle extents, old and new, were sent.
            for (int i = 0; i < kDialCount; ++i)
                if (f.dials[i].needle_seq != prev.dials[i].needle_seq)
                    CHECK(cov.covers(needleExtent(f.dials[i], r.drawnNeedleDeg(i))));
            worst = st.pixels > worst ? st.pixels : worst;
        }
        prev = f;
    }
    CHECK(needle_only_frames > 5);
    MESSAGE("worst needle-only frame: " << worst << " pixels");
    CHECK(worst < cfg::kScreenW * cfg::kScreenH / 4);
    // Well after the sweep, with no signal settled, frames stop sending anything.
    for (uint32_t t = 20000; t < 20100; t += 20) dev.update(t);
    r.render(dev.frame());
    dev.update(20120);
    CHECK(r.render(dev.frame()).drewNothing());
}

// ---- Feeding the decoder
TEST_CASE("Feed: a full payload walks every field of the table and decodes") {
    UsageDecoder dec;
    Usage u = usageDefaults();
    const FakeJson j = cruisingPayload();
    std::vector<std::string> asked;
    const DecodeStatus s = feedUsage(dec, u, [&](const UsageFieldInfo& f) {
        asked.push_back(f.name);
        return j(f);
    });
    CHECK(s == DecodeStatus::Ok);
    CHECK(asked.size() == kUsageFieldCount);
    CHECK(u.rate_1m == doctest::Approx(600000));
    CHECK(u.has_reset);
    CHECK(u.window_5h_reset_in_s == 3600);
    CHECK(strcmp(u.last_model, "claude-opus-4-5-20251101") == 0);
    CHECK(strcmp(u.source, "jsonl") == 0);
    CHECK(u.fuel_basis == FuelBasis::Official);
    CHECK(u.quota_7d_pct == doctest::Approx(0.63));
    CHECK(u.minutes_to_full == doctest::Approx(41.6));
    CHECK(u.attention == 1);
    CHECK(dec.report().present == kUsageFieldCount);
    CHECK(dec.report().accepted == kUsageFieldCount);
}

TEST_CASE("Feed: missing and null differ; wrong types are the decoder's business") {
    UsageDecoder dec;
    Usage u = usageDefaults();
    FakeJson j;
    j.num("rate_1m", 1000);
    j.null("window_5h_reset_in_s");  // valid null: no active block
    j.other("thinking_ratio");       // an array or object
    j.str("last_model", "a\0b", 3);  // embedded NUL is passed through with its length
    CHECK(feedUsage(dec, u, j) == DecodeStatus::Ok);
    CHECK_FALSE(u.has_reset);
    CHECK(u.thinking_ratio == 0.0f);
    CHECK(dec.report().defaulted >= 1);
    CHECK(strlen(u.last_model) == 3);  // the NUL became printable
    CHECK(dec.report().present == 4);
}

TEST_CASE("Feed: no known field, or a wrong version, is rejected and leaves the output alone") {
    UsageDecoder dec;
    Usage u = usageDefaults();
    u.rate_1m = 123.0f;
    FakeJson none;
    CHECK(feedUsage(dec, u, none) == DecodeStatus::NoKnownFields);
    CHECK(u.rate_1m == 123.0f);
    FakeJson v2 = cruisingPayload();
    v2.entries[0].v.number = 2;
    CHECK(feedUsage(dec, u, v2) == DecodeStatus::BadVersion);
    CHECK(u.rate_1m == 123.0f);
}

TEST_CASE("Feed + device: a decoded payload turns the state line LIVE with the model readout") {
    Device dev;
    dev.boot(0);
    for (uint32_t t = 0; t <= cfg::kSelfTestMs; t += 50) dev.update(t);
    UsageDecoder dec;
    Usage u = usageDefaults();
    const DecodeStatus s = feedUsage(dec, u, cruisingPayload());
    CHECK(dev.tick(1600) == PollAction::StartRequest);
    dev.onDecoded(1650, s, u);
    dev.update(1700);
    char line[kStateLineMax];
    formatStateLine(dev.frame(), line, sizeof line);
    CHECK(std::string(line).find("phase=LIVE") != std::string::npos);
    CHECK(std::string(line).find("model=opus-4.5") != std::string::npos);
    // The official quota and a session waiting for the user (attention 1).
    CHECK(std::string(line).find(" lamps=ATTN ") != std::string::npos);
    CHECK(std::string(line).find(" basis=official week=63% eta=42m") != std::string::npos);
    CHECK(std::string(dev.frame().week.text) == "WEEK 63% 2d4h");
}

TEST_CASE("Feed + device + LEDs: ATTN has its own pattern on the RGB LED and its own discrete pin") {
    Device dev;
    dev.boot(0);
    for (uint32_t t = 0; t <= cfg::kSelfTestMs; t += 50) dev.update(t);
    UsageDecoder dec;
    Usage u = usageDefaults();
    const DecodeStatus s = feedUsage(dec, u, cruisingPayload());
    CHECK(dev.tick(1600) == PollAction::StartRequest);
    dev.onDecoded(1650, s, u);
    // Violet, long on / short off (lamps.h: 1600 ms period, 1200 ms lit) from when ATTN turned active; what
    // the CYD's common-anode LED gets as duties.
    std::vector<uint32_t> colours;
    for (uint32_t t = 1700; t < 1700 + 3200; t += 100) {
        dev.update(t);
        colours.push_back(dev.frame().rgb_led);
        // Its discrete LED (GAUGE_LED_ATTN) blinks in the same pattern.
        CHECK(discreteLedLevel(dev.frame().discrete_mask, LampId::Attn, false) == (colours.back() != 0));
    }
    long lit = std::count(colours.begin(), colours.end(), 0xA000FFu);
    long dark = std::count(colours.begin(), colours.end(), 0x000000u);
    CHECK(lit + dark == static_cast<long>(colours.size()));
    CHECK(lit == 3 * dark);  // 1200 ms of every 1600
    const RgbDuty d = rgbLedDuty(0xA000FF, true);
    CHECK(d.r == 255 - 0xA0);
    CHECK(d.g == 255);
    CHECK(d.b == 0);
}

// ---- HTTP results
TEST_CASE("HTTP: response statuses map onto the core's outcomes") {
    CHECK(statusHasPayload(200));
    CHECK(statusHasPayload(204));  // 2xx: the body decides (a 204 has none: BadBody, see poll_session tests)
    CHECK(statusOutcome(401) == PollOutcome::Unauthorized);
    CHECK(statusOutcome(403) == PollOutcome::Unauthorized);
    CHECK(statusOutcome(404) == PollOutcome::HttpError);
    CHECK(statusOutcome(500) == PollOutcome::HttpError);
    CHECK(statusOutcome(302) == PollOutcome::HttpError);
    CHECK(statusOutcome(304) == PollOutcome::HttpError);
    CHECK(statusOutcome(101) == PollOutcome::HttpError);
    for (int code = 100; code <= 599; ++code) {
        CHECK(statusHasPayload(code) == (code >= 200 && code < 300));
        if (!statusHasPayload(code)) CHECK(statusOutcome(code) != PollOutcome::Ok);  // only a 2xx can be Ok
    }
}

TEST_CASE("Body: reads exactly the declared length in pieces and NUL-terminates") {
    FakeSource src;
    src.data = "{\"rate_1m\":1}";
    src.close_at_end = false;  // keep-alive: the length, not the close, ends the body
    FakeClock clk;
    char buf[64];
    size_t n = 0;
    const BodyStatus s = readBody(
        src, buf, sizeof buf, static_cast<long>(src.data.size()), 1500, [&] { return clk.t; },
        [&] { clk.t += 1; }, &n);
    CHECK(s == BodyStatus::Complete);
    CHECK(n == src.data.size());
    CHECK(std::string(buf) == src.data);
}

TEST_CASE("Body: too large, truncated, stalled and close-delimited bodies") {
    FakeClock clk;
    char buf[16];
    size_t n = 0;
    auto now = [&] { return clk.t; };
    auto idle = [&] { clk.t += 10; };

    FakeSource big;
    big.data = std::string(100, 'x');
    CHECK(readBody(big, buf, sizeof buf, 100, 1500, now, idle, &n) == BodyStatus::TooLarge);
    CHECK(big.pos == 0);  // refused before reading a byte

    FakeSource cut;
    cut.data = "{\"a\":";
    CHECK(readBody(cut, buf, sizeof buf, 12, 1500, now, idle, &n) == BodyStatus::Truncated);
    CHECK(bodyFailureOutcome(BodyStatus::Truncated) == PollOutcome::BadBody);

    FakeSource stall;
    stall.data = "{\"a\":";
    stall.close_at_end = false;  // headers came, then nothing: the deadline must fire
    const uint32_t t0 = clk.t;
    CHECK(readBody(stall, buf, sizeof buf, 12, 1500, now, idle, &n) == BodyStatus::TimedOut);
    CHECK(clk.t - t0 >= 1500);
    CHECK(clk.t - t0 < 1600);
    CHECK(bodyFailureOutcome(BodyStatus::TimedOut) == PollOutcome::Timeout);

    FakeSource closed;
    closed.data = "{\"v\":1}";
    CHECK(readBody(closed, buf, sizeof buf, -1, 1500, now, idle, &n) == BodyStatus::Complete);
    CHECK(std::string(buf) == "{\"v\":1}");

    FakeSource endless;
    endless.data = std::string(40, 'y');
    CHECK(readBody(endless, buf, sizeof buf, -1, 1500, now, idle, &n) == BodyStatus::TooLarge);
    CHECK(n <= sizeof buf - 1);

    FakeSource empty;
    empty.data = "";
    CHECK(readBody(empty, buf, sizeof buf, 0, 1500, now, idle, &n) == BodyStatus::Complete);
    CHECK(n == 0);
    CHECK(buf[0] == '\0');
}

TEST_CASE("Body: the deadline is wrap-safe across millis() overflow") {
    FakeClock clk;
    clk.t = 0xFFFFFF00u;
    FakeSource stall;
    stall.data = "{";
    stall.close_at_end = false;
    char buf[16];
    size_t n = 0;
    CHECK(readBody(
              stall, buf, sizeof buf, 5, 1000, [&] { return clk.t; }, [&] { clk.t += 10; }, &n) ==
          BodyStatus::TimedOut);
    CHECK(clk.t < 0x1000u);  // it wrapped and still stopped after ~1000 ms
}

TEST_CASE("Chunked body: chunks, extensions and trailers are de-chunked under the same cap and deadline") {
    FakeClock clk;
    auto now = [&] { return clk.t; };
    auto idle = [&] { clk.t += 10; };
    char buf[64];
    size_t n = 0;

    FakeSource ok;
    ok.data = "7\r\n{\"v\":1,\r\nd;name=x\r\n\"rate_1m\":42}\r\n0\r\nX-Trailer: 1\r\n\r\n";
    ok.chunk = 3;  // arrives in 3-byte pieces: lines and data split everywhere
    ok.close_at_end = false;
    CHECK(readChunkedBody(ok, buf, sizeof buf, 1500, now, idle, &n) == BodyStatus::Complete);
    CHECK(std::string(buf, n) == "{\"v\":1,\"rate_1m\":42}");
    CHECK(ok.pos == ok.data.size());  // the whole message was consumed: the connection can be reused

    FakeSource upper;
    upper.data = "A\r\n0123456789\r\n0\r\n\r\n";
    CHECK(readChunkedBody(upper, buf, sizeof buf, 1500, now, idle, &n) == BodyStatus::Complete);
    CHECK(n == 10);

    FakeSource big;
    big.data = "40\r\n" + std::string(64, 'x') + "\r\n0\r\n\r\n";
    CHECK(readChunkedBody(big, buf, sizeof buf, 1500, now, idle, &n) == BodyStatus::TooLarge);

    FakeSource huge;
    huge.data = "ffffffffff\r\n";
    CHECK(readChunkedBody(huge, buf, sizeof buf, 1500, now, idle, &n) == BodyStatus::Malformed);

    FakeSource bad_hex;
    bad_hex.data = "zz\r\nhello\r\n0\r\n\r\n";
    CHECK(readChunkedBody(bad_hex, buf, sizeof buf, 1500, now, idle, &n) == BodyStatus::Malformed);
    CHECK(bodyFailureOutcome(BodyStatus::Malformed) == PollOutcome::BadBody);

    FakeSource no_crlf;
    no_crlf.data = "3\r\nabcXYZ\r\n0\r\n\r\n";
    CHECK(readChunkedBody(no_crlf, buf, sizeof buf, 1500, now, idle, &n) == BodyStatus::Malformed);

    FakeSource cut;
    cut.data = "10\r\n{\"v\":1";
    CHECK(readChunkedBody(cut, buf, sizeof buf, 1500, now, idle, &n) == BodyStatus::Truncated);

    FakeSource no_last_chunk;
    no_last_chunk.data = "2\r\n{}\r\n";
    CHECK(readChunkedBody(no_last_chunk, buf, sizeof buf, 1500, now, idle, &n) == BodyStatus::Truncated);

    FakeSource stall;
    stall.data = "10\r\n{\"v\"";
    stall.close_at_end = false;
    const uint32_t t0 = clk.t;
    CHECK(readChunkedBody(stall, buf, sizeof buf, 1500, now, idle, &n) == BodyStatus::TimedOut);
    CHECK(clk.t - t0 >= 1500);
    CHECK(clk.t - t0 < 1600);

    FakeSource long_line;
    long_line.data = "1" + std::string(100, ';') + "\r\nx\r\n0\r\n\r\n";
    CHECK(readChunkedBody(long_line, buf, sizeof buf, 1500, now, idle, &n) == BodyStatus::Malformed);
}

TEST_CASE("Chunked body: the exact framing Node 20's http server sends (captured bytes after the headers)") {
    // writeHead(200, {...}) then end(body): one chunk. write() then end(): two. Captured from Node 20.20.
    const char* const one =
        "3e\r\n{\"v\":1,\"rate_1m\":1234,\"last_model\":\"claude-opus-4-5-20251101\"}\r\n0\r\n\r\n";
    const char* const two =
        "a\r\n{\"v\":1,\"ra\r\n34\r\nte_1m\":1234,\"last_model\":\"claude-opus-4-5-20251101\"}\r\n0\r\n\r\n";
    for (const char* raw : {one, two}) {
        FakeClock clk;
        FakeSource src;
        src.data = raw;
        char buf[cfg::kMaxBodyBytes + 1];
        size_t n = 0;
        REQUIRE(readChunkedBody(
                    src, buf, sizeof buf, 1500, [&] { return clk.t; }, [&] { clk.t += 1; }, &n) ==
                BodyStatus::Complete);
        CHECK(std::string(buf, n) ==
              "{\"v\":1,\"rate_1m\":1234,\"last_model\":\"claude-opus-4-5-20251101\"}");
    }
}

TEST_CASE("Chunked body: recognised from the Transfer-Encoding value") {
    CHECK(isChunked("chunked"));
    CHECK(isChunked("Chunked"));
    CHECK(isChunked("gzip, chunked"));
    CHECK(isChunked("chunked  "));
    CHECK_FALSE(isChunked(""));
    CHECK_FALSE(isChunked(nullptr));
    CHECK_FALSE(isChunked("identity"));
    CHECK_FALSE(isChunked("xchunked"));
    CHECK_FALSE(isChunked("chunked, gzip"));
}

// ---- Poll bridge (core <-> poll task)
namespace {
Usage cruisingUsage() {
    UsageDecoder dec;
    Usage u = usageDefaults();
    REQUIRE(feedUsage(dec, u, cruisingPayload()) == DecodeStatus::Ok);
    return u;
}
}  // namespace

TEST_CASE("Bridge: a started request's answer reaches the core once") {
    Device dev;
    dev.boot(0);
    PollBridge b;
    const Usage u = cruisingUsage();
    REQUIRE(dev.tick(0) == PollAction::StartRequest);
    b.started(dev, 0, 7);
    CHECK(b.pendingId() == 7);
    CHECK(b.finished(dev, 300, 7, PollOutcome::Ok, u));
    CHECK(b.pendingId() == 0);
    CHECK(dev.poller().stats().ok == 1);
    CHECK_FALSE(dev.poller().inFlight());
    // The same result delivered twice is not counted twice.
    CHECK(b.finished(dev, 310, 7, PollOutcome::Ok, u));  // stale Ok with nothing in flight: a late refresh
    CHECK(dev.poller().stats().ok == 1);
    CHECK(dev.poller().stats().late == 1);
}

TEST_CASE(
    "Bridge: a busy poll task is a Timeout for the core, and its late answer never answers a newer request") {
    Device dev;
    dev.boot(0);
    PollBridge b;
    const Usage u = cruisingUsage();
    REQUIRE(dev.tick(0) == PollAction::StartRequest);
    b.started(dev, 0, 1);  // request 1 hangs in the task
    // The core gives up on it by itself after its hard timeout...
    uint32_t t = 0;
    while (dev.poller().inFlight() && t < 10000) dev.tick(t += 10);
    CHECK(dev.poller().stats().failures == 1);
    // ...and asks again; the task is still busy, so that request cannot start: one more Timeout, at once.
    while (dev.tick(t += 10) != PollAction::StartRequest && t < 20000) {
    }
    b.started(dev, t, 0);
    CHECK(b.refused() == 1);
    CHECK(dev.poller().stats().failures == 2);
    CHECK_FALSE(dev.poller().inFlight());
    // A third request starts (the task is free again)...
    while (dev.tick(t += 10) != PollAction::StartRequest && t < 30000) {
    }
    b.started(dev, t, 2);
    REQUIRE(dev.poller().inFlight());
    // ...and only now request 1's answer turns up: it must not be taken for request 2's.
    CHECK_FALSE(b.finished(dev, t + 5, 1, PollOutcome::Ok, u));
    CHECK(b.dropped() == 1);
    CHECK(dev.poller().inFlight());
    CHECK(dev.poller().stats().ok == 0);
    // Request 2's own answer closes it.
    CHECK(b.finished(dev, t + 20, 2, PollOutcome::Ok, u));
    CHECK(dev.poller().stats().ok == 1);
    CHECK_FALSE(dev.poller().inFlight());
}

TEST_CASE("Bridge: failures are passed through; a stale failure is dropped; selftest forgets the request") {
    Device dev;
    dev.boot(0);
    PollBridge b;
    const Usage u = usageDefaults();
    REQUIRE(dev.tick(0) == PollAction::StartRequest);
    b.started(dev, 0, 3);
    CHECK(b.finished(dev, 100, 3, PollOutcome::Unauthorized, u));
    CHECK(dev.poller().lastOutcome() == PollOutcome::Unauthorized);
    CHECK(dev.poller().consecutiveFailures() == 1);
    CHECK_FALSE(b.finished(dev, 120, 3, PollOutcome::HttpError, u));  // stale: not counted again
    CHECK(dev.poller().consecutiveFailures() == 1);

    uint32_t t = 100;
    while (dev.tick(t += 10) != PollAction::StartRequest && t < 10000) {
    }
    b.started(dev, t, 4);
    dev.boot(t + 1);  // the `selftest` command
    b.reset();
    CHECK(b.pendingId() == 0);
    CHECK_FALSE(b.finished(dev, t + 50, 4, PollOutcome::ConnectFailed, u));
    CHECK(dev.poller().stats().failures == 0);
}

// ---- LEDs
TEST_CASE("LEDs: the CYD's active-low RGB LED gets inverted duties; active-high passes through") {
    RgbDuty d = rgbLedDuty(0xFF0000, true);
    CHECK(d.r == 0);
    CHECK(d.g == 255);
    CHECK(d.b == 255);
    d = rgbLedDuty(0x001000, true);  // the core's dim green "all clear"
    CHECK(d.r == 255);
    CHECK(d.g == 255 - 0x10);
    CHECK(d.b == 255);
    d = rgbLedDuty(0x123456, false);
    CHECK(d.r == 0x12);
    CHECK(d.g == 0x34);
    CHECK(d.b == 0x56);
    d = rgbLedDuty(0xFF000000u, true);  // bits above RGB888 are ignored: off
    CHECK(d.r == 255);
}

TEST_CASE("LEDs: discrete lamp pins follow the frame's mask and polarity") {
    const uint8_t mask = lampBit(LampId::Hot) | lampBit(LampId::NoSignal);
    CHECK(discreteLedLevel(mask, LampId::Hot, false));
    CHECK_FALSE(discreteLedLevel(mask, LampId::Warn, false));
    CHECK(discreteLedLevel(mask, LampId::NoSignal, false));
    CHECK_FALSE(discreteLedLevel(mask, LampId::Hot, true));
    CHECK(discreteLedLevel(mask, LampId::Idle, true));
    // The board table is indexed by LampId.
    CHECK(sizeof(kDiscreteLedPins) / sizeof(kDiscreteLedPins[0]) == static_cast<size_t>(kLampCount));
}

// ---- Serial
TEST_CASE("Serial: lines end at CR, LF or CRLF; NULs are ignored; overlong lines are dropped whole") {
    LineReader r;
    std::vector<std::string> lines;
    auto feed = [&](const std::string& s) {
        for (char c : s)
            if (r.push(c)) lines.push_back(r.line());
    };
    feed("state\r\ninfo\nhelp\r");
    feed(std::string("sel\0ftest\n", 10));
    REQUIRE(lines.size() == 4);
    CHECK(lines[0] == "state");
    CHECK(lines[1] == "info");
    CHECK(lines[2] == "help");
    CHECK(lines[3] == "selftest");
    lines.clear();
    feed(std::string(5000, 'z') + "\nstate\n");
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == "state");
}

TEST_CASE("Serial: commands parse with their arguments; bad ones are reported") {
    char a[] = "  url   http://desk-pc.local:8787/usage  ";
    Command c = parseCommand(a);
    CHECK(c.kind == CommandKind::Url);
    CHECK(std::string(c.arg) == "http://desk-pc.local:8787/usage");
    char b[] = "token -";
    c = parseCommand(b);
    CHECK(c.kind == CommandKind::Token);
    CHECK(std::string(c.arg) == "-");
    char e[] = "url";
    CHECK(parseCommand(e).kind == CommandKind::BadArg);
    char f[] = "reboot now";
    CHECK(parseCommand(f).kind == CommandKind::BadArg);
    char g[] = "fly";
    CHECK(parseCommand(g).kind == CommandKind::Unknown);
    char h[] = "   ";
    CHECK(parseCommand(h).kind == CommandKind::None);
    char i[] = "STATE";
    CHECK(parseCommand(i).kind == CommandKind::Unknown);
    for (const char* name : {"state", "info", "rediscover", "selftest", "reboot", "help"}) {
        char buf[32];
        strcpy(buf, name);
        CHECK(parseCommand(buf).kind != CommandKind::Unknown);
    }
}

TEST_CASE("Serial: daemon URLs must be plain http with a host and no spaces") {
    CHECK(plausibleDaemonUrl("http://desk-pc.local:8787/usage"));
    CHECK(plausibleDaemonUrl("http://studio.local:8787/usage"));
    CHECK_FALSE(plausibleDaemonUrl("https://x/usage"));
    CHECK_FALSE(plausibleDaemonUrl("http://"));
    CHECK_FALSE(plausibleDaemonUrl("http:///usage"));
    CHECK_FALSE(plausibleDaemonUrl("http://a b/usage"));
    CHECK_FALSE(plausibleDaemonUrl("ftp://x"));
    CHECK_FALSE(plausibleDaemonUrl(("http://" + std::string(300, 'a')).c_str()));
}

TEST_CASE("Serial: the state line goes out on change (rate-limited) and at least every second") {
    StateLineGate g;
    CHECK(g.shouldPrint("GAUGE t=0 phase=SELFTEST tach=0.0", 0, 1000, 100));
    CHECK_FALSE(g.shouldPrint("GAUGE t=16 phase=SELFTEST tach=0.0", 16, 1000, 100));  // only t changed
    CHECK_FALSE(g.shouldPrint("GAUGE t=50 phase=SELFTEST tach=5.0", 50, 1000, 100));  // changed, too soon
    CHECK(g.shouldPrint("GAUGE t=100 phase=SELFTEST tach=5.0", 100, 1000, 100));      // held change goes out
    CHECK_FALSE(g.shouldPrint("GAUGE t=900 phase=SELFTEST tach=5.0", 900, 1000, 100));
    CHECK(g.shouldPrint("GAUGE t=1100 phase=SELFTEST tach=5.0", 1100, 1000, 100));  // heartbeat
    // Across the uint32 millis wrap.
    StateLineGate w;
    CHECK(w.shouldPrint("GAUGE t=1 phase=LIVE", 0xFFFFFFF0u, 1000, 100));
    CHECK_FALSE(w.shouldPrint("GAUGE t=2 phase=LIVE", 0x10u, 1000, 100));
    CHECK(w.shouldPrint("GAUGE t=3 phase=LIVE", 0x400u, 1000, 100));
}

TEST_CASE("Board config: defaults describe a board without LEDs unless the build flags say otherwise") {
    CHECK(std::string(kBoardName) == "unknown");
    for (int8_t p : kRgbLedPins) CHECK(p == -1);
    for (int8_t p : kDiscreteLedPins) CHECK(p == -1);
    CHECK(cfg::kMaxBodyBytes >= 2048);
    CHECK(kStateLineHeartbeatMs <= 1000);
}
