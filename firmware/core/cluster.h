// The gauge cluster: needles, lamps and readouts, turned into a Frame. It knows nothing about HTTP; the
// Device (device.h) feeds it payloads and the link state. Use Device unless you need the pieces.
//
// Timing: every entry point takes `now` (uint32 ms, wrap-safe) and first advances the needle physics to
// `now` in fixed cfg::kPhysicsStepMs steps aligned to boot, so the frame at a given `now` is identical
// whether update() runs every 1 ms or every 33 ms. No heap, no exceptions, no clock reads.
//
// NO SIGNAL: the cluster goes NO SIGNAL when no good payload (onUsage / markGood) arrived for
// cfg::kNoSignalAfterMs -- from boot if none ever did -- evaluated at physics-step resolution so the needles
// start falling at the same step whatever the update rate. Poller::noSignal() uses the same rule and times.
#pragma once

#include <stdint.h>

#include "frame.h"
#include "lamps.h"
#include "needle.h"
#include "scale.h"
#include "usage.h"

namespace gauge {

// What the poll link is doing, for the status text (Device fills it from the Poller).
struct LinkState {
    uint32_t consecutive_failures;  // > 0 shows a RETRY tag while the signal is still good
    bool unauthorized;              // the last failure was 401/403: shows an AUTH tag
};

class Cluster {
  public:
    Cluster();
    // Starts the self-test sweep (cfg::kSelfTestMs): needles to full and back, all lamps lit, LED cycles.
    // Forgets any previous payload.
    void boot(uint32_t now);
    // A good, decoded payload: new needle targets, lamps and readouts.
    void onUsage(uint32_t now, const Usage& usage);
    // The link delivered a good answer without new data: keeps the last payload on screen.
    void markGood(uint32_t now);
    void setLink(uint32_t now, const LinkState& link);
    // Advances physics and blink phase to `now` and rebuilds the frame.
    void update(uint32_t now);
    const Frame& frame() const { return frame_; }
    Phase phase() const { return frame_.phase; }
    bool hasUsage() const { return has_usage_; }
    bool noSignal() const { return lost_; }
    const Usage& usage() const { return usage_; }  // the last good payload (defaults before the first)
    const DialTargets& targets() const { return targets_; }
    float needlePosition(DialId id) const { return needles_[static_cast<int>(id)].position(); }

  private:
    void advance(uint32_t now);
    bool signalLostAt(uint32_t t) const;
    void checkSignal(uint32_t t);
    void buildLayout();
    void buildTachFace();
    void rebuildTexts();
    void rebuildQuotaTexts(bool live);
    void updateQuota(bool showing_data);
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
    uint32_t last_good_ms_;
    uint32_t lamp_event_ms_;  // when the lamp inputs last changed (LampInputs::changed_at)
    uint32_t seq_counter_;
    float tach_face_full_scale_;
    bool has_usage_;
    bool booted_;
    bool self_test_;
    bool ever_good_;
    bool lost_;  // NO SIGNAL, latched until the next good payload (survives millis() wrap)
};

}  // namespace gauge
