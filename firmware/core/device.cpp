#include "device.h"

namespace gauge {

void Device::boot(uint32_t now) {
    poller_.boot(now);
    cluster_.boot(now);
}

PollAction Device::tick(uint32_t now) {
    const PollAction action = poller_.tick(now);  // may record a poller-side timeout
    syncLink(now);
    return action;
}

void Device::onUsage(uint32_t now, const Usage& usage) {
    poller_.onResult(now, PollOutcome::Ok);
    cluster_.onUsage(now, usage);
    syncLink(now);
}

void Device::onDecoded(uint32_t now, DecodeStatus status, const Usage& usage) {
    if (status == DecodeStatus::Ok)
        onUsage(now, usage);
    else
        onPollResult(now, PollOutcome::Rejected);
}

void Device::onBody(uint32_t now, const BodyVerdict& verdict, const Usage& usage) {
    if (verdict.outcome == PollOutcome::BadBody)
        onPollResult(now, PollOutcome::BadBody);
    else
        onDecoded(now, verdict.status, usage);
}

void Device::onPollResult(uint32_t now, PollOutcome outcome) {
    poller_.onResult(now, outcome);
    if (outcome == PollOutcome::Ok) cluster_.markGood(now);
    syncLink(now);
}

void Device::update(uint32_t now) {
    syncLink(now);
    cluster_.update(now);
}

void Device::syncLink(uint32_t now) {
    LinkState link;
    link.consecutive_failures = poller_.consecutiveFailures();
    link.unauthorized =
        poller_.consecutiveFailures() > 0 && poller_.lastOutcome() == PollOutcome::Unauthorized;
    cluster_.setLink(now, link);
}

}  // namespace gauge
