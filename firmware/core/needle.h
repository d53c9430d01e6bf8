// Needle dynamics: a critically damped spring with a slew limit, stepped with a fixed time step.
//
// Each step uses the exact solution of x'' = w^2 (target - x) - 2 w x' over dt, so it is unconditionally
// stable and, starting from rest, never overshoots a constant target (the quantity v + w (x - target) keeps
// its sign along the exact solution, and the slew clamp only moves it away from zero). Units are fractions of
// the dial scale; the caller maps them to degrees.
#pragma once

#include <stdint.h>

namespace gauge {

class Needle {
  public:
    Needle() : pos_(0.0f), vel_(0.0f), target_(0.0f) {}
    // Snaps the needle to `pos`, at rest, with the same target (used by the self-test sweep and at boot).
    void reset(float pos);
    // Target in scale fractions; NaN/Inf are ignored (the previous target stays).
    void setTarget(float target);
    // Advances one step of dt_s seconds with angular frequency omega (rad/s) and slew limit max_slew
    // (fractions of scale per second). Both come from gauge_config.h in normal use.
    void step(float dt_s, float omega, float max_slew);
    float position() const { return pos_; }
    float velocity() const { return vel_; }
    float target() const { return target_; }

  private:
    float pos_;
    float vel_;
    float target_;
};

}  // namespace gauge
