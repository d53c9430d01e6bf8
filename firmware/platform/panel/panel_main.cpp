// The virtual panel: the ESP32 app's drawing path on the host. render_plan.h and tft_canvas.h, compiled as
// for the device, draw the core's Frames through TFT_eSPI 2.5.43 (built from the ESP32 kit with its generic
// processor backend and the Arduino layer in arduino/), whose SPI bytes and pin changes drive a virtual
// ILI9341 (ili9341.h). Everything the env configures (driver, pins, rotation, inversion, SPI clock) comes
// from its platformio.ini build flags, passed to this build by firmware/platform/panel/rules.mk.
//
// It takes Frames, not payloads: the caller (test/lib/panel.mjs) runs the wasm core exactly as the simulator
// does and sends each Frame's bytes; `hello` reports this build's Frame layout so the caller can check that
// the bytes mean the same here.
//
// Protocol on stdin/stdout (one request line, one JSON answer line, some followed by raw bytes):
//   hello              {"frame_size":N,"layout":[...],"env":{...}}
//   boot SEED          the app's display start-up on a fresh panel whose memory is noise from SEED; answers
//                      the SPI it took
//   frame N            followed by N bytes (one Frame); renders it as loop() does; answers what went over
//                      the wire, what the renderer redrew, the angles its needles are drawn at, the panel's
//                      faults and the sprite RAM in use
//   sprites on|off     off: the renderer gets no sprite and draws straight on the screen (its fallback)
//   view               {"w":320,"h":240,"bytes":N} then N bytes: the glass as seen, RGB565 little-endian
//   gram               {"w":240,"h":320,"bytes":N} then N bytes: the frame memory as written
//   quit
// An unreadable request answers {"error":"..."} and the program exits 2.
#include <TFT_eSPI.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board_config.h"
#include "frame_layout.h"
#include "host_bus.h"
#include "ili9341.h"
#include "render_plan.h"
#include "tft_canvas.h"

#ifndef TFT_RST
#define TFT_RST -1
#endif
#ifndef TFT_BL
#define TFT_BL -1
#endif
#ifndef TFT_BACKLIGHT_ON
#define TFT_BACKLIGHT_ON HIGH
#endif
#if defined(ILI9341_2_DRIVER)
#define PANEL_DRIVER "ILI9341_2"
#elif defined(ILI9341_DRIVER)
#define PANEL_DRIVER "ILI9341"
#else
#error "the virtual panel models an ILI9341: the env must set ILI9341_DRIVER or ILI9341_2_DRIVER"
#endif

namespace {

using gauge::Frame;
using gauge::esp32::FrameRenderer;
using gauge::esp32::RenderStats;
using gauge::esp32::ScreenCanvas;
using gauge::esp32::SpriteProvider;

// The renderer's scratch sprite, or none when the test asks for the straight-to-screen fallback.
class SwitchableSurfaces : public gauge::esp32::SurfaceProvider {
  public:
    explicit SwitchableSurfaces(SpriteProvider& real) : real_(real) {}
    bool enabled = true;
    gauge::esp32::Surface* surface() override { return enabled ? real_.surface() : nullptr; }

  private:
    SpriteProvider& real_;
};

struct App {
    panel::Ili9341* lcd = nullptr;
    TFT_eSPI* tft = nullptr;
    ScreenCanvas* screen = nullptr;
    SpriteProvider* sprites = nullptr;
    SwitchableSurfaces* surfaces = nullptr;
    FrameRenderer* renderer = nullptr;

    void destroy() {
        delete renderer;
        delete surfaces;
        delete sprites;
        delete screen;
        delete tft;
        panel::Bus::instance().attach(nullptr);
        delete lcd;
        *this = App{};
    }
};

App g_app;
Frame g_frame;
bool g_sprites_enabled = true;  // kept across boots

[[noreturn]] void fail(const char* why) {
    printf("{\"error\":\"%s\"}\n", why);
    fflush(stdout);
    exit(2);
}

void printLayout() {
    namespace L = gauge::layout;
    printf("[");
    for (uint32_t s = 0; s < L::kStructCount; ++s) {
        const L::Struct& st = L::kStructs[s];
        printf("%s{\"name\":\"%s\",\"size\":%u,\"fields\":[", s ? "," : "", st.name, st.size);
        for (uint32_t f = 0; f < st.field_count; ++f) {
            const L::Field& fd = st.fields[f];
            printf(
                "%s{\"name\":\"%s\",\"offset\":%u,\"kind\":%u,\"count\":%u,\"stride\":%u,\"ref\":%u,"
                "\"countField\":",
                f ? "," : "", fd.name, fd.offset, fd.kind, fd.count, fd.stride, fd.ref);
            if (fd.count_field)
                printf("\"%s\"}", fd.count_field);
            else
                printf("null}");
        }
        printf("]}");
    }
    printf("]");
}

void hello() {
    printf("{\"frame_size\":%zu,\"frame_struct\":%u,\"layout\":", sizeof(Frame),
           static_cast<unsigned>(gauge::layout::kFrameS));
    printLayout();
    printf(
        ",\"env\":{\"board\":\"%s\",\"driver\":\"%s\",\"spi_hz\":%lu,\"read_hz\":%lu,\"rotation\":%u,"
        "\"invert\":%s,\"cs\":%d,\"dc\":%d,\"rst\":%d,\"bl\":%d}}\n",
        gauge::esp32::kBoardName, PANEL_DRIVER, static_cast<unsigned long>(SPI_FREQUENCY),
        static_cast<unsigned long>(SPI_READ_FREQUENCY), static_cast<unsigned>(gauge::esp32::kTftRotation),
        gauge::esp32::kTftInvert ? "true" : "false", TFT_CS, TFT_DC, TFT_RST, TFT_BL);
}

struct Snapshot {
    panel::BusCounters bus;
    panel::PanelCounters lcd;
};

Snapshot snapshot() {
    return Snapshot{panel::Bus::instance().counters(), g_app.lcd->counters()};
}

// What happened on the wire since `before`, and the panel's state now.
void printTraffic(const Snapshot& before) {
    const Snapshot now = snapshot();
    const panel::PanelFaults& f = g_app.lcd->faults();
    const panel::PanelState& s = g_app.lcd->state();
    printf(
        "\"spi\":{\"bytes\":%llu,\"wire_ns\":%llu,\"transactions\":%u,\"command_bytes\":%llu,"
        "\"param_bytes\":%llu,\"pixel_bytes\":%llu,\"pixels\":%llu,\"read_bytes\":%llu,\"windows\":%u},",
        static_cast<unsigned long long>(now.bus.bytes - before.bus.bytes),
        static_cast<unsigned long long>(now.bus.wire_ns - before.bus.wire_ns),
        now.bus.transactions - before.bus.transactions,
        static_cast<unsigned long long>(now.lcd.command_bytes - before.lcd.command_bytes),
        static_cast<unsigned long long>(now.lcd.param_bytes - before.lcd.param_bytes),
        static_cast<unsigned long long>(now.lcd.pixel_bytes - before.lcd.pixel_bytes),
        static_cast<unsigned long long>(now.lcd.pixels - before.lcd.pixels),
        static_cast<unsigned long long>(now.lcd.read_bytes - before.lcd.read_bytes),
        now.lcd.windows - before.lcd.windows);
    printf(
        "\"faults\":{\"total\":%u,\"unknown_command\":%u,\"last_unknown\":%u,\"too_early\":%u,"
        "\"bad_window\":%u,\"overflow\":%u,\"asleep_write\":%u,\"pixel_format\":%u,\"short_params\":%u,"
        "\"odd_pixel_byte\":%u},",
        g_app.lcd->faultCount(), f.unknown_command, f.last_unknown, f.too_early, f.bad_window, f.overflow,
        f.asleep_write, f.pixel_format, f.short_params, f.odd_pixel_byte);
    printf(
        "\"panel\":{\"showing\":%s,\"sleeping\":%s,\"display_on\":%s,\"inverted\":%s,\"backlight\":%s,"
        "\"madctl\":%u,\"colmod\":%u,\"reset_seen\":%s},",
        g_app.lcd->showing() ? "true" : "false", s.sleeping ? "true" : "false",
        s.display_on ? "true" : "false", s.inverted ? "true" : "false", s.backlight ? "true" : "false",
        s.madctl, s.colmod, s.reset_seen ? "true" : "false");
    printf("\"sprite_bytes\":%zu,\"sprite_failures\":%d,\"now_ns\":%llu", g_app.sprites->bytesInUse(),
           g_app.sprites->failedCount(), static_cast<unsigned long long>(panel::Bus::instance().nowNs()));
}

void boot(uint32_t seed) {
    g_app.destroy();
    panel::Bus::instance().resetCounters();
    const panel::Wiring wiring{TFT_CS, TFT_DC, TFT_RST, TFT_BL, TFT_BACKLIGHT_ON};
    // The env's inversion flag says the board's panel shows inverted colours unless told otherwise.
    g_app.lcd = new panel::Ili9341(wiring, gauge::esp32::kTftInvert, seed);
    panel::Bus::instance().attach(g_app.lcd);
    const Snapshot before = snapshot();
    g_app.tft = new TFT_eSPI();
    g_app.screen = new ScreenCanvas(*g_app.tft);
    g_app.sprites = new SpriteProvider(*g_app.tft);
    g_app.surfaces = new SwitchableSurfaces(*g_app.sprites);
    g_app.surfaces->enabled = g_sprites_enabled;
    g_app.renderer = new FrameRenderer();
    gauge::esp32::beginDisplay(*g_app.tft);
    g_app.renderer->attach(g_app.screen, g_app.surfaces);
    printf("{");
    printTraffic(before);
    printf("}\n");
}

void renderFrame(size_t n) {
    if (n != sizeof(Frame)) fail("frame size differs from this build's sizeof(Frame)");
    if (fread(&g_frame, 1, n, stdin) != n) fail("short frame");
    if (!g_app.renderer) fail("frame before boot");
    const Snapshot before = snapshot();
    const RenderStats st = g_app.renderer->render(g_frame);
    printf("{\"render\":{\"full\":%u,\"regions\":%u,\"tiles\":%u,\"pixels\":%u,\"direct\":%u},", st.full,
           st.regions, st.tiles, static_cast<unsigned>(st.pixels), st.direct);
    // The angles the needles are drawn at (render_plan.h: a needle moves on screen when its needle_seq does).
    printf("\"needles\":[");
    for (int i = 0; i < gauge::kDialCount; ++i)
        printf("%s%.9g", i ? "," : "", static_cast<double>(g_app.renderer->drawnNeedleDeg(i)));
    printf("],");
    printTraffic(before);
    printf("}\n");
}

void dumpPixels(const uint16_t* px, int w, int h) {
    printf("{\"w\":%d,\"h\":%d,\"bytes\":%d}\n", w, h, w * h * 2);
    for (int i = 0; i < w * h; ++i) {
        const uint8_t b[2] = {static_cast<uint8_t>(px[i]), static_cast<uint8_t>(px[i] >> 8)};
        fwrite(b, 1, 2, stdout);
    }
}

}  // namespace

int main() {
    char line[128];
    static uint16_t picture[panel::kGramW * panel::kGramH];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\r\n")] = '\0';
        unsigned long arg = 0;
        if (strcmp(line, "hello") == 0) {
            hello();
        } else if (sscanf(line, "boot %lu", &arg) == 1) {
            boot(static_cast<uint32_t>(arg));
        } else if (sscanf(line, "frame %lu", &arg) == 1) {
            renderFrame(arg);
        } else if (strcmp(line, "sprites on") == 0 || strcmp(line, "sprites off") == 0) {
            g_sprites_enabled = strcmp(line, "sprites on") == 0;
            if (g_app.surfaces) g_app.surfaces->enabled = g_sprites_enabled;
            printf("{\"sprites\":%s}\n", g_sprites_enabled ? "true" : "false");
        } else if (strcmp(line, "view") == 0 || strcmp(line, "gram") == 0) {
            if (!g_app.lcd) fail("no panel before boot");
            if (line[0] == 'v') {
                int w = 0, h = 0;
                g_app.lcd->view(gauge::esp32::kTftRotation, picture, &w, &h);
                dumpPixels(picture, w, h);
            } else {
                dumpPixels(g_app.lcd->gram(), panel::kGramW, panel::kGramH);
            }
        } else if (strcmp(line, "quit") == 0) {
            break;
        } else {
            fail("unknown request");
        }
        fflush(stdout);
    }
    g_app.destroy();
    return 0;
}
