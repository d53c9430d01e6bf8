// The request side of GET /usage: the daemon URL taken apart, the bearer token checked, and the request bytes
// written into a caller's buffer. Header only and Arduino-free (tested natively by esp32-glue).
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "app_config.h"
#include "board_config.h"

namespace gauge {
namespace esp32 {

// http://host[:port][/path] -- plain HTTP only (the daemon serves the LAN without TLS). The host is a name
// or a dotted IPv4 address; no user info, no IPv6 literal, no fragment.
struct DaemonUrl {
    char host[kMaxUrlBytes + 1];
    uint16_t port;
    char path[kMaxUrlBytes + 1];
};

// Dotted-quad IPv4 -> a.b.c.d packed as (a << 24 | b << 16 | c << 8 | d). False for anything else.
inline bool parseIpv4(const char* s, uint32_t* out) {
    uint32_t ip = 0;
    for (int part = 0; part < 4; ++part) {
        if (*s < '0' || *s > '9') return false;
        uint32_t v = 0;
        int digits = 0;
        while (*s >= '0' && *s <= '9') {
            v = v * 10 + static_cast<uint32_t>(*s++ - '0');
            if (++digits > 3 || v > 255) return false;
        }
        ip = (ip << 8) | v;
        if (part < 3 && *s++ != '.') return false;
    }
    if (*s != '\0') return false;
    *out = ip;
    return true;
}

inline bool parseDaemonUrl(const char* url, DaemonUrl* out) {
    if (!url || strncmp(url, "http://", 7) != 0) return false;
    if (strlen(url) > kMaxUrlBytes) return false;
    const char* p = url + 7;
    size_t h = 0;
    while (p[h] && p[h] != ':' && p[h] != '/') {
        const unsigned char c = static_cast<unsigned char>(p[h]);
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        c == '-' || c == '.' || c == '_';
        if (!ok) return false;
        ++h;
    }
    if (h == 0) return false;
    memcpy(out->host, p, h);
    out->host[h] = '\0';
    p += h;
    out->port = 80;
    if (*p == ':') {
        ++p;
        uint32_t port = 0;
        int digits = 0;
        while (*p >= '0' && *p <= '9') {
            port = port * 10 + static_cast<uint32_t>(*p++ - '0');
            if (++digits > 5 || port > 65535) return false;
        }
        if (digits == 0 || port == 0) return false;
        out->port = static_cast<uint16_t>(port);
    }
    if (*p == '\0') {
        strcpy(out->path, "/");
        return true;
    }
    if (*p != '/') return false;
    for (const char* q = p; *q; ++q) {
        const unsigned char c = static_cast<unsigned char>(*q);
        if (c <= 0x20 || c >= 0x7F || c == '#') return false;
    }
    strcpy(out->path, p);
    return true;
}

// A bearer token the device can send: 1..kMaxTokenBytes printable ASCII characters without spaces, so it
// can never break the header line it is written into. (Which tokens the daemon accepts is its own rule.)
inline bool validToken(const char* t) {
    if (!t) return false;
    size_t n = 0;
    for (; t[n]; ++n) {
        const unsigned char c = static_cast<unsigned char>(t[n]);
        if (c <= 0x20 || c >= 0x7F || n >= kMaxTokenBytes) return false;
    }
    return n > 0;
}

// GET <path> HTTP/1.1 with Host, User-Agent, Accept, keep-alive and (when `token` is not empty) the bearer
// token, written whole into out. Returns its length, or 0 when it does not fit or the token is unsendable.
inline size_t formatRequest(char* out, size_t cap, const DaemonUrl& u, const char* token) {
    if (token && token[0] && !validToken(token)) return 0;
    char host[kMaxUrlBytes + 8];
    if (u.port == 80)
        snprintf(host, sizeof host, "%s", u.host);
    else
        snprintf(host, sizeof host, "%s:%u", u.host, static_cast<unsigned>(u.port));
    const int n = snprintf(out, cap,
                           "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: claude-gauge-esp32/%s\r\n"
                           "Accept: application/json\r\nConnection: keep-alive\r\n%s%s%s\r\n",
                           u.path, host, kFirmwareVersion, token && token[0] ? "Authorization: Bearer " : "",
                           token && token[0] ? token : "", token && token[0] ? "\r\n" : "");
    if (n <= 0 || static_cast<size_t>(n) >= cap) return 0;
    return static_cast<size_t>(n);
}

// Room formatRequest() needs at most: the fixed text, the longest URL twice (path, Host) and the token.
constexpr size_t kMaxRequestBytes = 160 + 2 * kMaxUrlBytes + kMaxTokenBytes;

}  // namespace esp32
}  // namespace gauge
