#include "scale.h"

#include <math.h>

namespace gauge {

float clampFinite(float x, float lo, float hi) {
    if (!(x >= lo)) return lo;  // also catches NaN
    if (x > hi) return hi;
    return x;
}

float tachFullScale(float redline) {
    float r = redline;
    if (!isfinite(r) || r <= 0.0f) r = 1000000.0f;  // the schema default
    if (r > static_cast<float>(cfg::kMaxRatePerMin)) r = static_cast<float>(cfg::kMaxRatePerMin);
    float want = r * cfg::kTachHeadroom;
    if (want < 10.0f) want = 10.0f;
    static const float kSteps[] = {1.0f, 1.5f, 2.0f, 2.5f, 3.0f, 4.0f, 5.0f, 6.0f, 8.0f, 10.0f};
    // Plain multiplication instead of log10/pow: identical on every libm (native, wasm, rv32, ESP32).
    float decade = 1.0f;
    while (decade * 10.0f <= want) decade *= 10.0f;
    for (float step : kSteps) {
        const float candidate = step * decade;
        // Relative tolerance: 1.25e6 must not become 1.5e6 because float rounding made a product a hair low.
        if (candidate >= want * (1.0f - 1e-6f)) return candidate;
    }
    return 10.0f * decade;
}

DialTargets computeTargets(const Usage& u) {
    DialTargets t;
    t.tach_full_scale = tachFullScale(u.rate_redline);
    float redline = u.rate_redline;
    if (!isfinite(redline) || redline <= 0.0f) redline = 1000000.0f;
    t.tach_redline = clampFinite(redline / t.tach_full_scale, 0.0f, 1.0f);
    t.tach = clampFinite(u.rate_1m / t.tach_full_scale, 0.0f, 1.0f);

    const float used = isfinite(u.window_5h_pct) ? u.window_5h_pct : 0.0f;
    t.fuel_over = used > 1.0f;
    t.fuel = t.fuel_over ? cfg::kFuelOverPeg : clampFinite(1.0f - used, 0.0f, 1.0f);

    t.temp = clampFinite(u.thinking_ratio, 0.0f, 1.0f);
    t.boost = clampFinite(u.cache_hit_rate, 0.0f, 1.0f);
    return t;
}

float fractionToDeg(float fraction, float start_deg, float end_deg) {
    if (!isfinite(fraction)) return start_deg;
    return start_deg + fraction * (end_deg - start_deg);
}

}  // namespace gauge
