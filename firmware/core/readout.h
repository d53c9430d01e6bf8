// Text readouts for a small screen: shortened model names and compact numbers. All functions write a
// NUL-terminated string into `out` (never more than `cap` bytes including the NUL; nothing when cap is 0)
// and return the length written. ASCII only in the output (the TFT fonts have no other glyphs).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace gauge {

// Model id -> short readout of at most min(cap - 1, cfg::kModelReadoutChars) characters:
//   claude-opus-4-5-20251101   -> opus-4.5        claude-3-5-sonnet-20241022 -> sonnet-3.5
//   claude-sonnet-4-20250514   -> sonnet-4        claude-3-opus-20240229     -> opus-3
//   claude-opus-4-6            -> opus-4.6        us.anthropic.claude-haiku-4-5-20251001-v1:0 -> haiku-4.5
//   claude-opus-4-5@20251101   -> opus-4.5        haiku                      -> haiku
// Anything else keeps its text minus a "claude-" prefix and a trailing -YYYYMMDD date, non-printable and
// non-ASCII bytes become '?', and when too long it is cut with a trailing '~'. Empty or null -> "".
size_t shortenModel(const char* model_id, char* out, size_t cap);

// Count for small screens, at most 5 characters: 0, 999, 1.2k, 412k, 1.0M, 12M, 412M, 1.2G, 999T, >999T.
// One decimal below 10 of a unit, none above; rounding never prints "1000k" (it becomes 1.0M).
// Negative -> 0, NaN -> "--", +Inf -> ">999T".
size_t formatCount(double value, char* out, size_t cap);

// Fraction as a whole percent: 0.423 -> "42%". Clamped to 0..999 %; NaN -> "--%".
size_t formatPercent(float fraction, char* out, size_t cap);

// Seconds as a short duration: 59 -> "59s", 754 -> "12m", 7980 -> "2h13m", from a day on days and hours:
// 187200 -> "2d4h" (minutes dropped).
size_t formatDuration(uint32_t seconds, char* out, size_t cap);

// Bounded string copy that always NUL-terminates (when cap > 0); returns the length copied.
size_t copyText(char* out, size_t cap, const char* text);

}  // namespace gauge
