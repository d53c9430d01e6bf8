// render_plan.h's Canvas bound to TFT_eSPI (the screen) and one 16-bit TFT_eSprite (the scratch surface).
// Every call below was checked against TFT_eSPI 2.5.43's TFT_eSPI.h / Extensions/Sprite.h (see the notes).
#pragma once

#include <TFT_eSPI.h>

#include "board_config.h"
#include "render_plan.h"

namespace gauge {
namespace esp32 {

// TFT_eSprite derives from TFT_eSPI, so one adapter serves both. T is TFT_eSPI or TFT_eSprite; Base is Canvas
// (the screen) or Surface (the scratch sprite).
template <typename T, typename Base>
class TftCanvasT : public Base {
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
        // TFT_eSPI::drawWideLine(ax, ay, bx, by, width, fg, bg): takes the width (it passes width / 2 on to
        // drawWedgeLine). bg omitted (0x00FFFFFF): the anti-aliased edge blends with the pixels already there
        // (readPixel), so ticks over a zone blend with the zone.
        g_.drawWideLine(ax, ay, bx, by, w, color);
    }
    void drawWedgeLine(float ax, float ay, float bx, float by, float aw, float bw, uint16_t color) override {
        // TFT_eSPI 2.5.43's drawWedgeLine(ax, ay, bx, by, ar, br, fg, bg) takes the RADII at each end (round
        // caps of those radii; drawWideLine calls it with wd / 2): the Canvas passes widths, so halve them.
        g_.drawWedgeLine(ax, ay, bx, by, aw / 2.0f, bw / 2.0f, color);
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

  protected:
    T& g_;
};

using ScreenCanvas = TftCanvasT<TFT_eSPI, Canvas>;

// The display's start-up, once in setup() (and in the virtual panel): TFT_eSPI::init() resets the panel,
// sends the driver's init sequence and switches the backlight on (TFT_BL / TFT_BACKLIGHT_ON); then the
// board's rotation, its colour inversion where the panel needs it, and a black screen.
inline void beginDisplay(TFT_eSPI& tft) {
    tft.init();
    tft.setRotation(kTftRotation);
    if (kTftInvert) tft.invertDisplay(true);
    tft.fillScreen(TFT_BLACK);
}

// The scratch sprite as the renderer's Surface.
class SpriteSurface : public TftCanvasT<TFT_eSprite, Surface> {
  public:
    explicit SpriteSurface(TFT_eSprite& s) : TftCanvasT<TFT_eSprite, Surface>(s) {}
    int16_t width() const override { return static_cast<int16_t>(g_.width()); }
    int16_t height() const override { return static_cast<int16_t>(g_.height()); }
    void push(int16_t x, int16_t y, int16_t w, int16_t h) override {
        // TFT_eSprite::pushSprite(tx, ty, sx, sy, sw, sh): the sprite's window (sx, sy, sw, sh) to the screen
        // at (tx, ty); one block when sw is the sprite's width, else row by row (Sprite.cpp).
        g_.pushSprite(x, y, 0, 0, w, h);
    }
};

// The renderer's one scratch sprite: 16 bits per pixel (TFT_eSprite::setColorDepth(16), RGB565 like the
// screen, so every colour and blend is the screen's), kScratchW x kScratchH, created the first time the
// renderer asks. If the heap cannot give it, half the rows are tried, down to kScratchMinH; if none fits, the
// provider answers null from then on (the renderer draws straight on the screen) and never retries by
// itself: main.cpp builds a new provider on a backoff (retrySprites()), as failedCount() asks.
class SpriteProvider : public SurfaceProvider {
  public:
    explicit SpriteProvider(TFT_eSPI& tft) : sprite_(&tft), surface_(sprite_), bytes_(0), failed_(false) {}

    Surface* surface() override {
        if (sprite_.created()) return &surface_;
        if (failed_) return nullptr;
        sprite_.setColorDepth(16);
        for (int16_t h = kScratchH; h >= kScratchMinH; h = static_cast<int16_t>(h / 2)) {
            // createSprite() returns nullptr when the allocation fails (Sprite.h). It allocates w * h + 1
            // pixels of 2 bytes (Sprite.cpp, callocSprite).
            if (sprite_.createSprite(kScratchW, h) != nullptr) {
                bytes_ = (static_cast<size_t>(kScratchW) * static_cast<size_t>(h) + 1) * 2;
                return &surface_;
            }
        }
        failed_ = true;
        return nullptr;
    }

    // Heap the sprite holds (0 before the first frame, or when none could be had).
    size_t bytesInUse() const { return bytes_; }
    // Sprites the renderer wanted and the heap refused: 1 when there is none, else 0.
    int failedCount() const { return failed_ ? 1 : 0; }

  private:
    TFT_eSprite sprite_;
    SpriteSurface surface_;
    size_t bytes_;
    bool failed_;
};

}  // namespace esp32
}  // namespace gauge
