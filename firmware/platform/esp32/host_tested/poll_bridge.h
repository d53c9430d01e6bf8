// Between the core's Poller (one outcome per StartRequest) and the poll task (which may still be busy with
// an earlier request the core has already given up on). Arduino-free so the native glue test drives it
// with the real Device.
//
//   - A StartRequest the task cannot take (still busy) is reported to the core at once as a Timeout: the
//     HTTP side is stuck, and the core must get exactly one outcome per request.
//   - A result whose id is the one the core is waiting for is reported normally.
//   - Any other result is stale. A stale Ok still carries a valid payload: it is handed to the core when no
//     request is in flight (the core then counts it as late and refreshes the signal, poll.h); while another
//     request is in flight it is dropped, so it can never be taken for that request's answer.
#pragma once

#include <stdint.h>

#include "device.h"

namespace gauge {
namespace esp32 {

class PollBridge {
  public:
    // After Device::tick() returned StartRequest; started_id = PollClient::requestPoll() (0 = not started).
    void started(Device& dev, uint32_t now, uint32_t started_id) {
        if (started_id == 0) {
            dev.onPollResult(now, PollOutcome::Timeout);
            ++refused_;
        } else {
            pending_id_ = started_id;
        }
    }

    // A result from the poll task. Returns true when it reached the core.
    bool finished(Device& dev, uint32_t now, uint32_t id, PollOutcome outcome, const Usage& usage) {
        if (id != 0 && id == pending_id_) {
            pending_id_ = 0;
            if (outcome == PollOutcome::Ok)
                dev.onUsage(now, usage);
            else
                dev.onPollResult(now, outcome);
            return true;
        }
        if (outcome == PollOutcome::Ok && !dev.poller().inFlight()) {
            dev.onUsage(now, usage);
            return true;
        }
        ++dropped_;
        return false;
    }

    // The core was rebooted (selftest): whatever is in flight is no longer its request.
    void reset() { pending_id_ = 0; }

    uint32_t pendingId() const { return pending_id_; }
    uint32_t refused() const { return refused_; }
    uint32_t dropped() const { return dropped_; }

  private:
    uint32_t pending_id_ = 0;
    uint32_t refused_ = 0;
    uint32_t dropped_ = 0;
};

}  // namespace esp32
}  // namespace gauge
