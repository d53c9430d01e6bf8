// One line describing the frame, printed on serial by the ESP32 (for hardware-in-the-loop tests) and on
// stdout by the native virtual device. Others parse it; the grammar is fixed:
//
//   line   := "GAUGE" (" " key "=" value)*
//   keys, in this order:
//     t      uint32 ms of the frame (Frame::t_ms), decimal
//     phase  SELFTEST | LIVE | NOSIGNAL
//     tach fuel temp boost
//            needle angle in degrees clockwise from 12 o'clock, fixed one decimal, e.g. -42.3 or 10.0
//     lamps  active (logical, not blink phase) lamps in priority order, comma-separated, from
//            NOSIG,ATTN,HOT,WARN,STALL,IDLE; "-" when none
//     rgb    the RGB LED colour right now, 6 upper-case hex digits, e.g. FF0000
//     model  the shortened model readout; "-" when none
//     stale  0 | 1 (the daemon's stale flag)
//     over   0 | 1 (more than 100 % of the 5 h window used)
//     basis  official | estimate (what the fuel gauge shows: Frame::fuel_basis)
//     week   the weekly readout's percentage, e.g. 63%; "--" when none (Frame::week_pct)
//     eta    the pace readout: minutes to full, e.g. 42m (0m = full now); "lasts" when the 5 h window resets
//            first; "--" when unknown (Frame::eta, Frame::eta_min)
//   Values never contain spaces or '=' (any would be replaced by '_'). Parsers must ignore keys they do
//   not know: new keys may be appended at the end, existing ones never change meaning or order.
// Example:
//   GAUGE t=12345 phase=LIVE tach=-42.3 fuel=10.0 temp=-30.1 boost=55.0 lamps=HOT,WARN rgb=FF0000
//   model=opus-4.5 stale=0 over=0 basis=official week=63% eta=42m
#pragma once

#include <stddef.h>

#include "frame.h"

namespace gauge {

// The keys, in the order they are printed: the one list every parser reads (the wasm module exports it, the
// TypeScript side gets it from firmware/platform/wasm/core.generated.ts).
enum class StateLineKey : uint8_t {
    T,
    Phase,
    Tach,
    Fuel,
    Temp,
    Boost,
    Lamps,
    Rgb,
    Model,
    Stale,
    Over,
    Basis,
    Week,
    Eta,
    Count
};
constexpr size_t kStateLineKeyCount = static_cast<size_t>(StateLineKey::Count);
const char* stateLineKeyName(StateLineKey k);  // "t", "phase", "tach", ... (the dials' are dialName())

// Longest line formatStateLine() can produce, plus the NUL.
constexpr size_t kStateLineMax = 240;

// Writes the line (no newline) into buf; always NUL-terminated when cap > 0, truncated if cap is too small.
// Returns the length written.
size_t formatStateLine(const Frame& frame, char* buf, size_t cap);

// Short lamp name used in the state line: "HOT", "WARN", "STALL", "IDLE", "NOSIG", "ATTN".
const char* lampName(LampId id);

}  // namespace gauge
