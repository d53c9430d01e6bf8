#include "readout.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gauge_config.h"

namespace gauge {

namespace {

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}
bool isAlpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

char printable(char c) {
    const unsigned char u = static_cast<unsigned char>(c);
    return (u < 0x20u || u >= 0x7Fu) ? '?' : c;
}

bool tokenEquals(const char* tok, size_t len, const char* word) {
    return strlen(word) == len && memcmp(tok, word, len) == 0;
}

bool allDigits(const char* tok, size_t len) {
    if (len == 0) return false;
    for (size_t i = 0; i < len; ++i)
        if (!isDigit(tok[i])) return false;
    return true;
}

bool allAlpha(const char* tok, size_t len) {
    if (len == 0) return false;
    for (size_t i = 0; i < len; ++i)
        if (!isAlpha(tok[i])) return false;
    return true;
}

// Appends text to out[0..limit) at *pos; stops silently at the limit.
void append(char* out, size_t limit, size_t* pos, const char* text, size_t len) {
    for (size_t i = 0; i < len && *pos < limit; ++i) out[(*pos)++] = text[i];
}

const char* findSubstring(const char* hay, size_t hay_len, const char* needle) {
    const size_t n = strlen(needle);
    if (n > hay_len) return nullptr;
    for (size_t i = 0; i + n <= hay_len; ++i)
        if (memcmp(hay + i, needle, n) == 0) return hay + i;
    return nullptr;
}

// Writes `len` bytes as printable ASCII into at most `limit` chars, ending with '~' when cut.
size_t writeFitted(const char* text, size_t len, char* out, size_t limit) {
    size_t n = 0;
    if (len <= limit) {
        for (; n < len; ++n) out[n] = printable(text[n]);
    } else if (limit > 0) {
        for (; n + 1 < limit; ++n) out[n] = printable(text[n]);
        out[n++] = '~';
    }
    out[n] = '\0';
    return n;
}

}  // namespace

size_t copyText(char* out, size_t cap, const char* text) {
    if (out == nullptr || cap == 0) return 0;
    size_t n = 0;
    if (text != nullptr)
        for (; n + 1 < cap && text[n] != '\0'; ++n) out[n] = text[n];
    out[n] = '\0';
    return n;
}

size_t shortenModel(const char* model_id, char* out, size_t cap) {
    if (out == nullptr || cap == 0) return 0;
    out[0] = '\0';
    if (model_id == nullptr || model_id[0] == '\0') return 0;
    size_t limit = cap - 1;
    if (limit > cfg::kModelReadoutChars) limit = cfg::kModelReadoutChars;

    // Look at a bounded prefix: a real id is well under 128 bytes and a 10 kB one gets cut anyway.
    size_t len = 0;
    while (len < 256 && model_id[len] != '\0') ++len;
    const char* begin = model_id;
    const char* end = model_id + len;

    // Provider prefixes ("us.anthropic.claude-...") and suffixes ("@20251101", "-v1:0", "[1m]").
    if (const char* c = findSubstring(begin, len, "claude-")) begin = c + 7;
    for (const char* p = begin; p < end; ++p) {
        if (*p == '@' || *p == ':' || *p == '[') {
            end = p;
            break;
        }
    }

    // Tokenise on '-': the family (opus/sonnet/haiku) and up to two 1-2 digit version numbers, in either
    // order (claude-opus-4-5-... and claude-3-5-sonnet-...); an 8-digit date ends the version.
    static const char* const kFamilies[] = {"opus", "sonnet", "haiku", "instant"};
    const char* family = nullptr;
    size_t family_len = 0;
    const char* versions[2] = {nullptr, nullptr};
    size_t version_len[2] = {0, 0};
    int version_count = 0;
    bool date_seen = false;
    for (const char* tok = begin; tok < end;) {
        const char* tok_end = tok;
        while (tok_end < end && *tok_end != '-') ++tok_end;
        const size_t n = static_cast<size_t>(tok_end - tok);
        if (allAlpha(tok, n) && family == nullptr) {
            for (const char* f : kFamilies) {
                if (tokenEquals(tok, n, f)) {
                    family = tok;
                    family_len = n;
                }
            }
        } else if (allDigits(tok, n)) {
            if (n >= 6)
                date_seen = true;
            else if (n <= 2 && !date_seen && version_count < 2) {
                versions[version_count] = tok;
                version_len[version_count] = n;
                ++version_count;
            }
        }
        tok = tok_end + 1;
    }

    if (family != nullptr) {
        char buf[32];
        size_t pos = 0;
        append(buf, sizeof buf - 1, &pos, family, family_len);
        for (int i = 0; i < version_count; ++i) {
            append(buf, sizeof buf - 1, &pos, i == 0 ? "-" : ".", 1);
            append(buf, sizeof buf - 1, &pos, versions[i], version_len[i]);
        }
        return writeFitted(buf, pos, out, limit);
    }

    // Unknown id: drop a trailing -YYYYMMDD and show what fits.
    size_t n = static_cast<size_t>(end - begin);
    if (n >= 9 && begin[n - 9] == '-' && allDigits(begin + n - 8, 8)) n -= 9;
    return writeFitted(begin, n, out, limit);
}

size_t formatCount(double value, char* out, size_t cap) {
    if (out == nullptr || cap == 0) return 0;
    if (isnan(value)) return copyText(out, cap, "--");
    if (!(value > 0.0)) return copyText(out, cap, "0");
    static const char kUnits[] = {'\0', 'k', 'M', 'G', 'T'};
    double scale = 1.0;
    char buf[48];
    for (char unit : kUnits) {
        const double x = value / scale;
        if (unit != '\0' && x < 9.95) {
            // One decimal, from integer tenths so every libc prints the same.
            const long tenths = lround(x * 10.0);
            snprintf(buf, sizeof buf, "%ld.%ld%c", tenths / 10, tenths % 10, unit);
            return copyText(out, cap, buf);
        }
        if (x < 999.5) {
            const long whole = lround(x);
            if (unit == '\0')
                snprintf(buf, sizeof buf, "%ld", whole);
            else
                snprintf(buf, sizeof buf, "%ld%c", whole, unit);
            return copyText(out, cap, buf);
        }
        scale *= 1000.0;
    }
    return copyText(out, cap, ">999T");
}

size_t formatPercent(float fraction, char* out, size_t cap) {
    if (out == nullptr || cap == 0) return 0;
    if (isnan(fraction)) return copyText(out, cap, "--%");
    float pct = fraction * 100.0f;
    if (pct < 0.0f) pct = 0.0f;
    if (pct > 999.0f) pct = 999.0f;
    char buf[8];
    snprintf(buf, sizeof buf, "%ld%%", lroundf(pct));
    return copyText(out, cap, buf);
}

size_t formatDuration(uint32_t seconds, char* out, size_t cap) {
    if (out == nullptr || cap == 0) return 0;
    char buf[24];
    if (seconds < 60) {
        snprintf(buf, sizeof buf, "%lus", static_cast<unsigned long>(seconds));
    } else if (seconds < 3600) {
        snprintf(buf, sizeof buf, "%lum", static_cast<unsigned long>(seconds / 60));
    } else if (seconds < 86400) {
        snprintf(buf, sizeof buf, "%luh%02lum", static_cast<unsigned long>(seconds / 3600),
                 static_cast<unsigned long>((seconds % 3600) / 60));
    } else {
        snprintf(buf, sizeof buf, "%lud%luh", static_cast<unsigned long>(seconds / 86400),
                 static_cast<unsigned long>((seconds % 86400) / 3600));
    }
    return copyText(out, cap, buf);
}

}  // namespace gauge
