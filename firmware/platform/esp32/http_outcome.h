// The response side of GET /usage: status -> the core's PollOutcome, the head and the body read under one
// deadline, and how the body is delimited. Header only and free of Arduino headers so the native glue test
// covers it.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "poll.h"

namespace gauge {
namespace esp32 {

// What a finished response status means for the core. Only a 2xx goes on to its body, which then decides
// between Ok, BadBody and Rejected; 401/403 is a token mismatch; any other status is the daemon's error.
inline PollOutcome statusOutcome(int status) {
    if (status == 401 || status == 403) return PollOutcome::Unauthorized;
    return PollOutcome::HttpError;
}
inline bool statusHasPayload(int status) {
    return status >= 200 && status < 300;
}

// ---- Reading the response head
// The status line and header fields, read under the request's one deadline (HTTPClient restarted its header
// wait after every line and waited 2 s per byte inside a line, so a trickling server held it forever).
struct ResponseHead {
    int status;             // 100..599
    bool http11;            // HTTP/1.1 (persistent by default) rather than 1.0
    long content_length;    // -1 = no Content-Length
    bool has_transfer;      // a Transfer-Encoding other than "identity" was sent
    bool chunked;           // ... and its last coding is chunked
    bool connection_close;  // Connection: close
    bool keep_alive;        // Connection: keep-alive (what makes an HTTP/1.0 answer persistent)
};

enum class HeadStatus : uint8_t {
    Complete,
    TimedOut,   // the deadline passed first
    Closed,     // the peer closed before sending a single byte (a keep-alive connection it had dropped)
    Truncated,  // closed in the middle of the head
    Malformed,  // not an HTTP/1.x response
    TooLarge    // a head over kMaxHeadBytes
};

constexpr size_t kMaxHeadBytes = 4096;

namespace detail {
inline char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
// Case-insensitive "name:" at the start of a header line; returns the value with blanks trimmed, or null.
inline const char* headerValue(char* line, const char* name) {
    size_t i = 0;
    for (; name[i]; ++i)
        if (lower(line[i]) != name[i]) return nullptr;
    if (line[i] != ':') return nullptr;
    char* v = line + i + 1;
    while (*v == ' ' || *v == '\t') ++v;
    size_t n = strlen(v);
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t')) v[--n] = '\0';
    return v;
}
// Does a comma-separated header value contain `token` (case-insensitive)?
inline bool listHas(const char* v, const char* token) {
    const size_t tn = strlen(token);
    while (*v) {
        while (*v == ' ' || *v == '\t' || *v == ',') ++v;
        size_t n = 0;
        while (v[n] && v[n] != ',') ++n;
        size_t m = n;
        while (m > 0 && (v[m - 1] == ' ' || v[m - 1] == '\t')) --m;
        if (m == tn) {
            bool same = true;
            for (size_t i = 0; i < tn && same; ++i) same = lower(v[i]) == token[i];
            if (same) return true;
        }
        v += n;
    }
    return false;
}
}  // namespace detail

inline bool isChunked(const char* te);

// Source/Clock/Idle as for readBody() below. Reads up to and including the empty line that ends the head;
// the body's first bytes stay in the source. Lines longer than the line buffer are skipped (no field we
// read is that long), but count towards kMaxHeadBytes.
template <typename Source, typename Clock, typename Idle>
HeadStatus readResponseHead(Source& src, ResponseHead* head, uint32_t timeout_ms, Clock now, Idle idle) {
    *head = ResponseHead{0, false, -1, false, false, false, false};
    const uint32_t start = now();
    size_t total = 0;
    bool status_seen = false;
    char line[256];
    for (;;) {
        // One line, up to LF (CR stripped).
        size_t n = 0;
        bool overlong = false;
        for (;;) {
            if (src.available() <= 0) {
                if (!src.connected()) return total == 0 ? HeadStatus::Closed : HeadStatus::Truncated;
                if (static_cast<uint32_t>(now() - start) >= timeout_ms) return HeadStatus::TimedOut;
                idle();
                continue;
            }
            uint8_t b = 0;
            if (src.read(&b, 1) != 1) continue;
            if (++total > kMaxHeadBytes) return HeadStatus::TooLarge;
            if (b == '\n') break;
            if (n + 1 < sizeof line)
                line[n++] = static_cast<char>(b);
            else
                overlong = true;
        }
        if (n > 0 && line[n - 1] == '\r') --n;
        line[n] = '\0';
        if (!status_seen) {
            // "HTTP/1.x NNN reason"
            if (n < 12 || strncmp(line, "HTTP/1.", 7) != 0 || (line[7] != '0' && line[7] != '1') ||
                line[8] != ' ' || line[9] < '1' || line[9] > '5' || line[10] < '0' || line[10] > '9' ||
                line[11] < '0' || line[11] > '9' || (n > 12 && line[12] != ' '))
                return HeadStatus::Malformed;
            head->http11 = line[7] == '1';
            head->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
            status_seen = true;
            continue;
        }
        if (n == 0 && !overlong) return HeadStatus::Complete;
        if (overlong) continue;
        if (const char* v = detail::headerValue(line, "content-length")) {
            long len = 0;
            int digits = 0;
            for (const char* p = v; *p; ++p) {
                if (*p < '0' || *p > '9' || ++digits > 9) return HeadStatus::Malformed;
                len = len * 10 + (*p - '0');
            }
            if (digits == 0 || (head->content_length >= 0 && head->content_length != len))
                return HeadStatus::Malformed;
            head->content_length = len;
        } else if (const char* te = detail::headerValue(line, "transfer-encoding")) {
            if (detail::listHas(te, "identity") && !detail::listHas(te, "chunked")) continue;
            head->has_transfer = true;
            head->chunked = isChunked(te);
        } else if (const char* c = detail::headerValue(line, "connection")) {
            if (detail::listHas(c, "close")) head->connection_close = true;
            if (detail::listHas(c, "keep-alive")) head->keep_alive = true;
        }
    }
}

// How the body after a head is delimited (RFC 9112 section 6.3).
enum class BodyFraming : uint8_t {
    None,       // 1xx, 204 and 304 never carry one: nothing to wait for
    Length,     // Content-Length
    Chunked,    // Transfer-Encoding: ..., chunked
    Close,      // neither: the body ends when the server closes
    Unreadable  // a transfer coding other than chunked
};

inline BodyFraming bodyFraming(const ResponseHead& h) {
    if ((h.status >= 100 && h.status < 200) || h.status == 204 || h.status == 304) return BodyFraming::None;
    if (h.has_transfer) return h.chunked ? BodyFraming::Chunked : BodyFraming::Unreadable;
    if (h.content_length >= 0) return BodyFraming::Length;
    return BodyFraming::Close;
}

// May the connection carry the next request once this response's body was read completely?
inline bool reusable(const ResponseHead& h) {
    const BodyFraming f = bodyFraming(h);
    if (f == BodyFraming::Close || f == BodyFraming::Unreadable || h.connection_close) return false;
    return h.http11 || h.keep_alive;
}

// ---- Reading the body
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

// "chunked" as the last transfer coding of a Transfer-Encoding value (case-insensitive).
inline bool isChunked(const char* te) {
    if (!te) return false;
    size_t n = strlen(te);
    while (n > 0 && (te[n - 1] == ' ' || te[n - 1] == '\t')) --n;
    if (n < 7) return false;
    const char* tail = te + n - 7;
    const char* want = "chunked";
    for (int i = 0; i < 7; ++i) {
        char c = tail[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != want[i]) return false;
    }
    return n == 7 || tail[-1] == ',' || tail[-1] == ' ' || tail[-1] == '\t';
}

}  // namespace esp32
}  // namespace gauge
