// Payload -> gauge targets. Pure functions: every dial's needle target is a fraction of its scale
// (0 = start of the arc, 1 = end), computed from an already-decoded Usage. Defensive anyway: NaN, Inf or
// out-of-range inputs map to safe, finite fractions.
#pragma once

#include <stdint.h>

#include "usage.h"

namespace gauge {

// Needle targets, as fractions of each dial's scale.
struct DialTargets {
    float tach;   // rate_1m / tach_full_scale, 0..1
    float fuel;   // remaining = 1 - window_5h_pct, 0..1; cfg::kFuelOverPeg (below E) when over 100 %
    float temp;   // thinking_ratio, 0..1
    float boost;  // cache_hit_rate, 0..1
    float tach_full_scale;  // tokens/min at the end of the tach arc (a "nice" number)
    float tach_redline;     // fraction of the tach scale where the red zone starts (redline / full scale)
    bool fuel_over;         // more than 100 % of the 5 h window used
};

// Smallest "nice" number (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k) >= kTachHeadroom * redline. Redlines that
// are NaN, <= 0 or absurdly large fall back to sane values; the result is always finite and >= 10.
float tachFullScale(float redline);

// Clamps to lo..hi; NaN -> lo.
float clampFinite(float x, float lo, float hi);

DialTargets computeTargets(const Usage& u);

// Fraction of scale -> needle angle in degrees (clockwise from 12 o'clock, see frame.h). Not clamped, so
// the fuel needle can peg slightly below E; NaN -> start_deg.
float fractionToDeg(float fraction, float start_deg, float end_deg);

}  // namespace gauge
