// How one GET /usage ends, mapped onto the core's PollOutcome, and a body reader with a deadline. Header
// only and free of Arduino headers so the native glue test covers it; the HTTPClient error numbers are
// restated here and checked against <HTTPClient.h> by a static_assert in poll_task.cpp.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "poll.h"

namespace gauge {
namespace esp32 {

// arduino-esp32 2.0.x libraries/HTTPClient/src/HTTPClient.h: negative results of HTTPClient::GET().
namespace httpc {
constexpr int kConnectionRefused = -1;  // connect() failed: refused, unreachable or connect timeout
constexpr int kSendHeaderFailed = -2;
constexpr int kSendPayloadFailed = -3;
constexpr int kNotConnected = -4;
constexpr int kConnectionLost = -5;
constexpr int kNoStream = -6;
constexpr int kNoHttpServer = -7;  // the peer answered something that is not HTTP
constexpr int kTooLessRam = -8;
constexpr int kEncoding = -9;  // a Transfer-Encoding HTTPClient does not know
constexpr int kStreamWrite = -10;
constexpr int kReadTimeout = -11;  // no response header within setTimeout()
}  // namespace httpc

// Result of the request itself (before any body is read). `read_body` = 2xx: read and decode the body, which
// then decides between Ok, BadBody and Rejected.
struct HttpVerdict {
    bool read_body;
    PollOutcome outcome;  // meaningful when !read_body
};

inline HttpVerdict classifyHttpResult(int code) {
    if (code >= 200 && code < 300) return HttpVerdict{true, PollOutcome::Ok};
    if (code == 401 || code == 403) return HttpVerdict{false, PollOutcome::Unauthorized};
    if (code > 0) return HttpVerdict{false, PollOutcome::HttpError};
    switch (code) {
        case httpc::kConnectionRefused:
        case httpc::kSendHeaderFailed:
        case httpc::kSendPayloadFailed:
        case httpc::kNotConnected:
        case httpc::kConnectionLost:
            // The daemon is not reachable (or dropped us mid-request): the poller counts these toward
            // rediscovery.
            return HttpVerdict{false, PollOutcome::ConnectFailed};
        case httpc::kReadTimeout:
            return HttpVerdict{false, PollOutcome::Timeout};
        case httpc::kNoHttpServer:
        case httpc::kEncoding:
        case httpc::kStreamWrite:
        case httpc::kNoStream:
            return HttpVerdict{false, PollOutcome::BadBody};
        default:
            // kTooLessRam and anything unknown: a local failure, not the daemon's fault and not a body.
            return HttpVerdict{false, PollOutcome::HttpError};
    }
}

// ---- Reading the body
// ----------------------------------------------------------------------------------------
// HTTPClient::getString()/writeToStream() wait for the body with no deadline of their own (their read loop
// spins while the socket stays open), so a daemon that sends headers and then stalls would hold the poll task
// forever. This reader gives the whole body one deadline and a size cap.
enum class BodyStatus : uint8_t {
    Complete,   // the declared length (or everything up to the close) arrived
    TooLarge,   // more than the cap: refused without parsing
    Truncated,  // the connection closed before the declared length
    TimedOut    // the deadline passed first
};

inline PollOutcome bodyFailureOutcome(BodyStatus s) {
    return s == BodyStatus::TimedOut ? PollOutcome::Timeout : PollOutcome::BadBody;
}

// Source:  int available(); int read(uint8_t* buf, size_t n); bool connected();
// Clock:   uint32_t operator()() (ms);  Idle: void operator()() (yield a tick while nothing is available).
// declared_len: Content-Length, or < 0 when the body is delimited by the connection closing.
// cap: buffer size in bytes; the body is NUL-terminated, so at most cap - 1 body bytes fit.
template <typename Source, typename Clock, typename Idle>
BodyStatus readBody(Source& src, char* buf, size_t cap, long declared_len, uint32_t timeout_ms, Clock now,
                    Idle idle, size_t* out_len) {
    *out_len = 0;
    if (cap == 0) return BodyStatus::TooLarge;
    buf[0] = '\0';
    if (declared_len >= 0 && static_cast<unsigned long>(declared_len) > cap - 1) return BodyStatus::TooLarge;
    const uint32_t start = now();
    size_t got = 0;
    for (;;) {
        if (declared_len >= 0 && got == static_cast<size_t>(declared_len)) break;
        const int avail = src.available();
        if (avail > 0) {
            size_t want = static_cast<size_t>(avail);
            if (declared_len >= 0 && want > static_cast<size_t>(declared_len) - got)
                want = static_cast<size_t>(declared_len) - got;
            if (want > cap - 1 - got) {
                if (cap - 1 - got == 0) return BodyStatus::TooLarge;  // close-delimited body over the cap
                want = cap - 1 - got;
            }
            const int n = src.read(reinterpret_cast<uint8_t*>(buf + got), want);
            if (n > 0) {
                got += static_cast<size_t>(n);
                buf[got] = '\0';
                *out_len = got;
                continue;
            }
        } else if (!src.connected()) {
            if (declared_len < 0) break;  // close-delimited: the close ends the body
            return BodyStatus::Truncated;
        }
        if (static_cast<uint32_t>(now() - start) >= timeout_ms) return BodyStatus::TimedOut;
        idle();
    }
    buf[got] = '\0';
    *out_len = got;
    return BodyStatus::Complete;
}

}  // namespace esp32
}  // namespace gauge
