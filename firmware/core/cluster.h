// The gauge cluster: needles, lamps and readouts, turned into a Frame. It knows nothing about HTTP; the
// Device (device.h) feeds it payloads and the link state. Use Device unless you need the pieces.
//
// Timing: every entry point takes `now` (uint32 ms, wrap-safe) and first advances the needle physics to
// `now` in fixed cfg::kPhysicsStepMs steps, so the frame at a given `now` is identical whether update() runs
// every 1 ms or every 33 ms. No heap, no exceptions, no clock reads.
#pragma once

#include <stdint.h>

#include "frame.h"
#include "lamps.h"
#include "needle.h"
#include "scale.h"
#include "usage.h"

namespace gauge {

// What the link is doing, for the status text and NO SIGNAL (Device fills it from the Poller).
struct LinkState {
    bool no_signal;                 // show NO SIGNAL: needles fall to rest, only NOSIG lit
    bool ever_good;                 // a good payload has arrived since boot
    uint32_t consecutive_failures;  // shown as a hint while the signal is still good
};

class Cluster {
  public:
    Cluster();
    // Starts the self-test sweep (cfg::kSelfTestMs): needles to full and back, all lamps lit, LED cycles.
    // Forgets any previous payload.
    void boot(uint32_t now);
    // A good, decoded payload: new needle targets, lamps and readouts.
    void onUsage(uint32_t now, const Usage& usage);
    void setLink(uint32_t now, const LinkState& link);
    // Advances physics and blink phase to `now` and rebuilds the frame.
    void update(uint32_t now);
    const Frame& frame() const { return frame_; }
    Phase phase() const { return frame_.phase; }
    bool hasUsage() const { return has_usage_; }
    const Usage& usage() const { return usage_; }  // the last good payload (defaults before the first)
    const DialTargets& targets() const { return targets_; }
    float needlePosition(DialId id) const { return needles_[static_cast<int>(id)].position(); }

  private:
    void advance(uint32_t now);
    void buildLayout();
    void buildTachFace();
    void rebuildTexts();
    void setText(TextBox& box, const char* text);
    uint32_t nextSeq() { return ++seq_counter_; }

    Frame frame_;
    Needle needles_[kDialCount];
    float published_deg_[kDialCount];
    Lamps lamps_;
    Usage usage_;
    DialTargets targets_;
    LinkState link_;
    uint32_t boot_ms_;
    uint32_t physics_ms_;  // time the physics has been advanced to
    uint32_t seq_counter_;
    float tach_face_full_scale_;
    bool has_usage_;
    bool booted_;
    bool self_test_;
};

}  // namespace gauge
