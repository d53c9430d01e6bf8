// What the ESP32 app writes on its serial port, besides the core's state lines: every other line starts with
// "# " (serial_commands.h). Library and ESP-IDF log text is turned into such lines here (the glue routes
// esp_log through it), and the health figures get one format shared by `info` and the periodic `# heap`
// line. Header only and Arduino-free (tested natively by esp32-glue).
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "state_line.h"

namespace gauge {
namespace esp32 {

// Longest console line, including "# " and excluding CRLF.
constexpr size_t kConsoleLineMax = 248;
static_assert(kConsoleLineMax >= kStateLineMax, "a state line must fit a console line");

// Room a line buffer needs: the line and its CRLF.
constexpr size_t kConsoleLineBuffer = kConsoleLineMax + 3;

// Turns arbitrary log text -- several lines, ANSI colour codes, control or non-ASCII bytes, no final
// newline -- into protocol lines: each non-empty line becomes "# log <text>" (cut at kConsoleLineMax),
// built in the caller's buffer `line` (kConsoleLineBuffer bytes, so no stack is needed: the ESP-IDF tasks
// that log have small ones) and handed to emit(char* line, size_t len) without line ending; emit may
// write the CRLF into line[len], line[len + 1].
template <typename Emit>
void forEachLogLine(const char* text, size_t n, char (&line)[kConsoleLineBuffer], Emit emit) {
    static const char kPrefix[] = "# log ";
    size_t len = 0;
    size_t content = 0;  // characters after the prefix
    auto flush = [&]() {
        while (content > 0 && line[len - 1] == ' ') {
            --len;
            --content;
        }
        if (content > 0) {
            line[len] = '\0';
            emit(line, len);
        }
        len = content = 0;
    };
    for (size_t i = 0; i < n; ++i) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        if (c == '\n' || c == '\r') {
            flush();
            continue;
        }
        if (c == 0x1B) {  // ESC [ ... letter: a colour code (CONFIG_LOG_COLORS, ARDUHAL_LOG_COLORS)
            if (i + 1 < n && text[i + 1] == '[') {
                i += 2;
                while (i < n && !((text[i] >= 'A' && text[i] <= 'Z') || (text[i] >= 'a' && text[i] <= 'z')))
                    ++i;
            }
            continue;
        }
        if (len == 0) {
            if (c == ' ' || c == '\t') continue;  // leading blanks
            memcpy(line, kPrefix, sizeof kPrefix - 1);
            len = sizeof kPrefix - 1;
        }
        if (len >= kConsoleLineMax) continue;  // the rest of an overlong line is dropped
        line[len++] = (c >= 0x20 && c < 0x7F) ? static_cast<char>(c) : (c == '\t' ? ' ' : '?');
        ++content;
    }
    flush();
}

// The figures a bench board logs over days (all bytes; stack figures are the high-water marks: the least
// free stack the task ever had).
struct HealthStats {
    uint32_t uptime_s;
    uint32_t heap_free;        // heap_caps_get_free_size(MALLOC_CAP_8BIT)
    uint32_t heap_min;         // heap_caps_get_minimum_free_size: the lowest since boot
    uint32_t heap_largest;     // heap_caps_get_largest_free_block: what one allocation can still get
    uint32_t poll_stack_free;  // uxTaskGetStackHighWaterMark(poll task)
    uint32_t loop_stack_free;  // uxTaskGetStackHighWaterMark(loop task)
    uint32_t wifi_drops;
    uint32_t wifi_attempts;
};

// "uptime_s=… heap_free=… heap_min=… heap_largest=… poll_stack_free=… loop_stack_free=… wifi_drops=…
// wifi_attempts=…": the same keys in `info` and in `# heap`.
inline int formatHealthFields(char* out, size_t cap, const HealthStats& h) {
    return snprintf(out, cap,
                    "uptime_s=%lu heap_free=%lu heap_min=%lu heap_largest=%lu poll_stack_free=%lu "
                    "loop_stack_free=%lu wifi_drops=%lu wifi_attempts=%lu",
                    static_cast<unsigned long>(h.uptime_s), static_cast<unsigned long>(h.heap_free),
                    static_cast<unsigned long>(h.heap_min), static_cast<unsigned long>(h.heap_largest),
                    static_cast<unsigned long>(h.poll_stack_free),
                    static_cast<unsigned long>(h.loop_stack_free), static_cast<unsigned long>(h.wifi_drops),
                    static_cast<unsigned long>(h.wifi_attempts));
}

// "# heap <fields>"
inline int formatHeapLine(char* out, size_t cap, const HealthStats& h) {
    static const char kPrefix[] = "# heap ";
    if (cap < sizeof kPrefix) return -1;
    memcpy(out, kPrefix, sizeof kPrefix);
    const int n = formatHealthFields(out + sizeof kPrefix - 1, cap - (sizeof kPrefix - 1), h);
    return n < 0 ? n : n + static_cast<int>(sizeof kPrefix - 1);
}

}  // namespace esp32
}  // namespace gauge
