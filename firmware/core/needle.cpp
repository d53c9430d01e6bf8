#include "needle.h"

#include <math.h>

namespace gauge {

namespace {
// e^-x from basic float operations only, so every target (glibc, wasi-libc, picolibc, the ESP32's newlib)
// computes bit-identical needle positions. Halving until x is small, a 6-term series, then squaring back.
float expNeg(float x) {
    int halvings = 0;
    while (x > 0.125f && halvings < 30) {
        x *= 0.5f;
        ++halvings;
    }
    float r = 1.0f - x * (1.0f - x * (0.5f - x * (1.0f / 6.0f - x * (1.0f / 24.0f - x * (1.0f / 120.0f)))));
    for (int i = 0; i < halvings; ++i) r *= r;
    return r;
}
}  // namespace

void Needle::reset(float pos) {
    if (!isfinite(pos)) pos = 0.0f;
    pos_ = pos;
    vel_ = 0.0f;
}

void Needle::setTarget(float target) {
    if (isfinite(target)) target_ = target;
}

void Needle::step(float dt_s, float omega, float max_slew) {
    if (!(dt_s > 0.0f) || !(omega > 0.0f)) return;
    // Exact critically damped solution over dt: x(t) = target + (c1 + c2 t) e^{-w t}.
    const float c1 = pos_ - target_;
    const float c2 = vel_ + omega * c1;
    const float decay = expNeg(omega * dt_s);
    float next_pos = target_ + (c1 + c2 * dt_s) * decay;
    float next_vel = (c2 - omega * (c1 + c2 * dt_s)) * decay;
    if (max_slew > 0.0f) {
        const float max_move = max_slew * dt_s;
        const float move = next_pos - pos_;
        if (move > max_move) {
            next_pos = pos_ + max_move;
            if (next_vel > max_slew) next_vel = max_slew;
        } else if (move < -max_move) {
            next_pos = pos_ - max_move;
            if (next_vel < -max_slew) next_vel = -max_slew;
        }
    }
    pos_ = next_pos;
    vel_ = next_vel;
    // Snap when within float noise of rest so the frame stops changing once settled.
    if (fabsf(pos_ - target_) < 1e-5f && fabsf(vel_) < 1e-4f) {
        pos_ = target_;
        vel_ = 0.0f;
    }
}

}  // namespace gauge
