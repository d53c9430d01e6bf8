// The body of a GET /usage response, read under what is left of the request's one deadline and the core's
// size cap: by its Content-Length, until the peer closes, or de-chunked (RFC 9112 section 7.1); and what a
// failed read means for the core. Header only and free of Arduino headers so the native glue test covers it.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "poll.h"

namespace gauge {
namespace esp32 {

// A daemon that sends headers and then stalls must not hold the poll task: the body gets what is left of the
// request's deadline and a size cap.
enum class BodyStatus : uint8_t {
    Complete,   // the declared length (or everything up to the close, or the last chunk) arrived
    TooLarge,   // more than the cap: refused without parsing
    Truncated,  // the connection closed before the declared length / the last chunk
    TimedOut,   // the deadline passed first
    Malformed   // broken chunked framing
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

// A body in HTTP/1.1 chunked transfer coding (RFC 9112 section 7.1): "<hex size>[;ext]CRLF <data> CRLF" ...
// "0 CRLF [trailers] CRLF", de-chunked into buf under the same cap and single deadline as readBody(). Node
// answers chunked when a handler calls writeHead() without a Content-Length (the HIL fault proxy does), so
// refusing chunked bodies would turn valid payloads into BadBody.
template <typename Source, typename Clock, typename Idle>
BodyStatus readChunkedBody(Source& src, char* buf, size_t cap, uint32_t timeout_ms, Clock now, Idle idle,
                           size_t* out_len) {
    *out_len = 0;
    if (cap == 0) return BodyStatus::TooLarge;
    buf[0] = '\0';
    const uint32_t start = now();
    // 1 = a byte, 0 = the peer closed, -1 = deadline.
    auto wait = [&]() -> int {
        for (;;) {
            if (src.available() > 0) return 1;
            if (!src.connected()) return 0;
            if (static_cast<uint32_t>(now() - start) >= timeout_ms) return -1;
            idle();
        }
    };
    auto failure = [](int w) { return w < 0 ? BodyStatus::TimedOut : BodyStatus::Truncated; };
    // One line up to LF (CR stripped) into `line`; 2 = longer than the line buffer.
    auto readLine = [&](char* line, size_t line_cap, size_t* n) -> int {
        *n = 0;
        for (;;) {
            const int w = wait();
            if (w != 1) return w;
            uint8_t b = 0;
            if (src.read(&b, 1) != 1) continue;
            if (b == '\n') {
                if (*n > 0 && line[*n - 1] == '\r') --*n;
                line[*n] = '\0';
                return 1;
            }
            if (*n + 1 >= line_cap) return 2;
            line[(*n)++] = static_cast<char>(b);
        }
    };
    size_t got = 0;
    char line[40];
    size_t n = 0;
    for (;;) {
        int r = readLine(line, sizeof line, &n);
        if (r == 2) return BodyStatus::Malformed;
        if (r != 1) return failure(r);
        // Chunk size: hex digits, then optional ";extension".
        unsigned long size = 0;
        size_t digits = 0;
        for (size_t i = 0; i < n && line[i] != ';' && line[i] != ' ' && line[i] != '\t'; ++i) {
            const char c = line[i];
            int v = -1;
            if (c >= '0' && c <= '9') v = c - '0';
            if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
            if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
            if (v < 0 || ++digits > 7)
                return BodyStatus::Malformed;  // 7 hex digits = 256 MB, far past any cap
            size = size * 16 + static_cast<unsigned long>(v);
        }
        if (digits == 0) return BodyStatus::Malformed;
        if (size == 0) {
            // Trailer fields, if any, end with an empty line.
            for (;;) {
                r = readLine(line, sizeof line, &n);
                if (r == 2) continue;  // an overlong trailer line: its rest is read as the next "line"
                if (r != 1) return failure(r);
                if (n == 0) break;
            }
            buf[got] = '\0';
            *out_len = got;
            return BodyStatus::Complete;
        }
        if (size > cap - 1 - got) return BodyStatus::TooLarge;
        size_t left = static_cast<size_t>(size);
        while (left > 0) {
            const int w = wait();
            if (w != 1) return failure(w);
            const int avail = src.available();
            size_t want = avail > 0 ? static_cast<size_t>(avail) : 1;
            if (want > left) want = left;
            const int k = src.read(reinterpret_cast<uint8_t*>(buf + got), want);
            if (k > 0) {
                got += static_cast<size_t>(k);
                left -= static_cast<size_t>(k);
                buf[got] = '\0';
                *out_len = got;
            }
        }
        r = readLine(line, sizeof line, &n);  // the CRLF after the data
        if (r == 2 || (r == 1 && n != 0)) return BodyStatus::Malformed;
        if (r != 1) return failure(r);
    }
}

}  // namespace esp32
}  // namespace gauge
