// Device: the one object every platform drives (ESP32 loop(), the native virtual device, the wasm
// simulator). It owns a Poller and a Cluster and wires the poll results into the picture.
//
//   setup:  device.boot(millis());
//   loop:   uint32_t now = millis();
//           if (device.tick(now) == gauge::PollAction::StartRequest) startHttpGet(device.requestTimeoutMs());
//           // when the request finishes, exactly one of:
//           //   a body          -> device.onBody(now, verdict, usage)     (verdict: the platform's JSON
//           glue)
//           //   decoded payload -> device.onDecoded(now, status, usage)   (or onUsage() when status is Ok)
//           //   any failure     -> device.onPollResult(now, PollOutcome::Timeout / HttpError / ...)
//           if (device.wantsRediscovery()) { resolveMdnsAgain(); device.ackRediscovery(); }
//           device.update(now);
//           render(device.frame());
#pragma once

#include <stdint.h>

#include "cluster.h"
#include "frame.h"
#include "poll.h"
#include "usage.h"
#include "usage_feed.h"

namespace gauge {

class Device {
  public:
    // Call once before anything else (it also starts the self-test sweep); again to restart from scratch.
    void boot(uint32_t now);
    PollAction tick(uint32_t now);
    // A good payload: counts as PollOutcome::Ok for the poller and updates the cluster.
    void onUsage(uint32_t now, const Usage& usage);
    // The decoder's verdict: Ok -> onUsage(usage); anything else -> onPollResult(Rejected).
    void onDecoded(uint32_t now, DecodeStatus status, const Usage& usage);
    // A response body's verdict (usage_feed.h): BadBody -> onPollResult(BadBody), else onDecoded().
    void onBody(uint32_t now, const BodyVerdict& verdict, const Usage& usage);
    // A failed request (HttpError, Timeout, ConnectFailed, BadBody, Rejected, Unauthorized). Ok here
    // refreshes the signal but carries no data; prefer onUsage().
    void onPollResult(uint32_t now, PollOutcome outcome);
    void update(uint32_t now);
    const Frame& frame() const { return cluster_.frame(); }

    uint32_t requestTimeoutMs() const { return poller_.requestTimeoutMs(); }
    bool wantsRediscovery() const { return poller_.wantsRediscovery(); }
    void ackRediscovery() { poller_.ackRediscovery(); }
    const Poller& poller() const { return poller_; }
    const Cluster& cluster() const { return cluster_; }

  private:
    void syncLink(uint32_t now);
    Poller poller_;
    Cluster cluster_;
};

}  // namespace gauge
