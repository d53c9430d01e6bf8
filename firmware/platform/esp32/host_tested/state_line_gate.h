// Serial console of the ESP32 app, the output side: when the state line goes out (for the HIL runner and
// humans). Header only and Arduino-free; the native glue test drives it.
//
// Output. Every line the HIL runner parses starts with "GAUGE " (gauge::formatStateLine, grammar in
// state_line.h); it is printed whenever it changes and at least every kStateLineHeartbeatMs. Every other line
// the app prints starts with "# " -- its own messages and, routed through console_lines.h, the log text of
// ESP-IDF and the libraries -- so a parser can skip it. (The ESP32's ROM prints its boot banner before the
// app starts; nothing in the app can change that.)
#pragma once

#include <stdint.h>
#include <string.h>

namespace gauge {
namespace esp32 {

// Decides when the state line goes out: when its text (ignoring the leading "GAUGE t=<ms>" field, which
// changes every frame) differs from the last one printed -- but not more often than every min_gap_ms, so a
// sweeping needle cannot flood the 115200 baud link (a change held back is printed at the next call after the
// gap, so the final state is never lost) -- and at least every heartbeat_ms.
class StateLineGate {
  public:
    StateLineGate() : has_last_(false), last_ms_(0) { last_[0] = '\0'; }

    bool shouldPrint(const char* line, uint32_t now, uint32_t heartbeat_ms, uint32_t min_gap_ms) {
        const char* body = skipTime(line);
        const uint32_t since = static_cast<uint32_t>(now - last_ms_);
        const bool changed = !has_last_ || strcmp(body, last_) != 0;
        if ((changed && (!has_last_ || since >= min_gap_ms)) || since >= heartbeat_ms) {
            strncpy(last_, body, sizeof(last_) - 1);
            last_[sizeof(last_) - 1] = '\0';
            last_ms_ = now;
            has_last_ = true;
            return true;
        }
        return false;
    }
    void reset() { has_last_ = false; }

  private:
    // "GAUGE t=123 phase=..." -> "phase=..."; a line without that shape is compared whole.
    static const char* skipTime(const char* line) {
        if (strncmp(line, "GAUGE t=", 8) != 0) return line;
        const char* p = line + 8;
        while (*p && *p != ' ') ++p;
        return *p == ' ' ? p + 1 : p;
    }
    char last_[256];
    bool has_last_;
    uint32_t last_ms_;
};

}  // namespace esp32
}  // namespace gauge
