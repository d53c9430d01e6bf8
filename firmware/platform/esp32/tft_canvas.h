// render_plan.h's Canvas bound to TFT_eSPI (the screen) and TFT_eSprite (one 8-bit sprite per dial).
// Every call below was checked against TFT_eSPI 2.5.43's TFT_eSPI.h / Extensions/Sprite.h (see the notes).
#pragma once

#include <TFT_eSPI.h>

#include "board_config.h"
#include "render_plan.h"

namespace gauge {
namespace esp32 {

// TFT_eSprite derives from TFT_eSPI, so one adapter serves both. T is TFT_eSPI or TFT_eSprite.
template <typename T>
class TftCanvasT : public DialSurface {
  public:
    explicit TftCanvasT(T& g) : g_(g) {}

    void fillRect(int16_t x, int16_t y, int16_t w, int16_t h, uint16_t color) override {
        g_.fillRect(x, y, w, h, color);
    }
    void fillRoundRect(int16_t x, int16_t y, int16_t w, int16_t h, int16_t r, uint16_t color) override {
        // TFT_eSPI::fillRoundRect(x, y, w, h, radius, color)
        g_.fillRoundRect(x, y, w, h, r, color);
    }
    void fillCircle(int16_t x, int16_t y, int16_t r, uint16_t color) override {
        g_.fillCircle(x, y, r, color);
    }
    void drawArc(int16_t x, int16_t y, int16_t r, int16_t ir, uint16_t start, uint16_t end, uint16_t fg,
                 uint16_t bg) override {
        // TFT_eSPI::drawArc(x, y, r, ir, startAngle, endAngle, fg, bg, smoothArc = true): angles from 6
        // o'clock, clockwise, 0..360; sides anti-aliased against bg; splits an arc through 6 o'clock itself.
        g_.drawArc(x, y, r, ir, start, end, fg, bg, true);
    }
    void drawWideLine(float ax, float ay, float bx, float by, float w, uint16_t color) override {
        // bg omitted (0x00FFFFFF): the anti-aliased edge blends with the pixels already there (readPixel on
        // the sprite's RAM), so ticks over a zone blend with the zone.
        g_.drawWideLine(ax, ay, bx, by, w, color);
    }
    void drawWedgeLine(float ax, float ay, float bx, float by, float aw, float bw, uint16_t color) override {
        g_.drawWedgeLine(ax, ay, bx, by, aw, bw, color);
    }
    void drawText(int16_t x, int16_t y, uint8_t size, uint16_t fg, uint16_t bg, const char* text,
                  uint8_t len) override {
        char buf[cfg::kTextMax];
        if (len >= sizeof(buf)) len = sizeof(buf) - 1;
        memcpy(buf, text, len);
        buf[len] = '\0';
        // Font 1 = the built-in 6x8 GLCD font (LOAD_GLCD); setTextColor(fg, bg) fills each glyph's
        // background; TL_DATUM makes (x, y) the top-left of the text.
        g_.setTextFont(1);
        g_.setTextSize(size);
        g_.setTextColor(fg, bg);
        g_.setTextDatum(TL_DATUM);
        g_.drawString(buf, x, y);
    }
    void push(int16_t x, int16_t y) override { pushTo(g_, x, y); }

  private:
    // Only a sprite can be pushed; for the screen itself push() never happens (it is never a dial surface).
    static void pushTo(TFT_eSprite& s, int16_t x, int16_t y) { s.pushSprite(x, y); }
    static void pushTo(TFT_eSPI&, int16_t, int16_t) {}
    T& g_;
};

// The display's start-up, once in setup() (and in the virtual panel): TFT_eSPI::init() resets the panel,
// sends the driver's init sequence and switches the backlight on (TFT_BL / TFT_BACKLIGHT_ON); then the
// board's rotation, its colour inversion where the panel needs it, and a black screen.
inline void beginDisplay(TFT_eSPI& tft) {
    tft.init();
    tft.setRotation(kTftRotation);
    if (kTftInvert) tft.invertDisplay(true);
    tft.fillScreen(TFT_BLACK);
}

using ScreenCanvas = TftCanvasT<TFT_eSPI>;
using SpriteCanvas = TftCanvasT<TFT_eSprite>;

// One 8-bit sprite per dial, created the first time the renderer asks (the size comes from the core's
// layout). 8-bit colour halves the RAM of 16-bit (TFT_eSprite::setColorDepth(8) before createSprite(); the
// sprite converts our RGB565 colours to RGB332 and back when pushed). On the core's layout the four
// sprites take ~60 kB; if the heap cannot give one, that dial is drawn straight on the screen.
class SpriteProvider : public SurfaceProvider {
  public:
    explicit SpriteProvider(TFT_eSPI& tft)
        : sprites_{TFT_eSprite(&tft), TFT_eSprite(&tft), TFT_eSprite(&tft), TFT_eSprite(&tft)},
          canvases_{SpriteCanvas(sprites_[0]), SpriteCanvas(sprites_[1]), SpriteCanvas(sprites_[2]),
                    SpriteCanvas(sprites_[3])},
          w_{0, 0, 0, 0},
          h_{0, 0, 0, 0},
          failed_{false, false, false, false} {}

    DialSurface* surfaceFor(int dial, int16_t w, int16_t h) override {
        if (dial < 0 || dial >= kDialCount || w <= 0 || h <= 0) return nullptr;
        TFT_eSprite& s = sprites_[dial];
        if (s.created() && w_[dial] == w && h_[dial] == h) return &canvases_[dial];
        if (failed_[dial] && w_[dial] == w && h_[dial] == h) return nullptr;  // do not retry every frame
        if (s.created()) s.deleteSprite();
        s.setColorDepth(8);
        w_[dial] = w;
        h_[dial] = h;
        // createSprite() returns nullptr when the allocation fails (Sprite.h).
        failed_[dial] = s.createSprite(w, h) == nullptr;
        return failed_[dial] ? nullptr : &canvases_[dial];
    }

    size_t bytesInUse() const {
        size_t n = 0;
        for (int i = 0; i < kDialCount; ++i)
            if (!failed_[i]) n += static_cast<size_t>(w_[i]) * static_cast<size_t>(h_[i]);
        return n;
    }
    int failedCount() const {
        int n = 0;
        for (int i = 0; i < kDialCount; ++i) n += failed_[i] ? 1 : 0;
        return n;
    }

  private:
    TFT_eSprite sprites_[kDialCount];
    SpriteCanvas canvases_[kDialCount];
    int16_t w_[kDialCount];
    int16_t h_[kDialCount];
    bool failed_[kDialCount];
};

}  // namespace esp32
}  // namespace gauge
