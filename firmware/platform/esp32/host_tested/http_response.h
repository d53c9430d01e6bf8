// The response side of GET /usage up to its body: the status -> the core's PollOutcome, the head read under
// the request's one deadline, and how the body after it is delimited (http_body.h reads the body). Header
// only and free of Arduino headers so the native glue test covers it.
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

// Source/Clock/Idle as for readBody() (http_body.h). Reads up to and including the empty line that ends the
// head; the body's first bytes stay in the source. Lines longer than the line buffer are skipped (no field we
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

}  // namespace esp32
}  // namespace gauge
