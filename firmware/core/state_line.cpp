#include "state_line.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

namespace gauge {

namespace {

// A bounded appender: keeps writing into buf until cap - 1, then silently truncates.
struct Writer {
    char* buf;
    size_t cap;
    size_t len;
    void put(char c) {
        if (len + 1 < cap) {
            buf[len++] = c;
            buf[len] = '\0';
        }
    }
    void str(const char* s) {
        for (; *s != '\0'; ++s) put(*s);
    }
    // " key=": keys follow the tag and each other, one space apart.
    void key(StateLineKey k) {
        put(' ');
        str(stateLineKeyName(k));
        put('=');
    }
    // A value: no spaces or '=' (they would break the key=value grammar), "-" when empty.
    void value(const char* s) {
        if (*s == '\0') {
            put('-');
            return;
        }
        for (; *s != '\0'; ++s) put((*s == ' ' || *s == '=') ? '_' : *s);
    }
    void num(const char* fmt, unsigned long v) {
        char tmp[24];
        snprintf(tmp, sizeof tmp, fmt, v);
        str(tmp);
    }
    // Fixed one decimal from integer tenths, so every libc prints the same ("-0.0" never appears).
    void deg(float d) {
        if (!isfinite(d)) d = 0.0f;
        if (d > 100000.0f) d = 100000.0f;
        if (d < -100000.0f) d = -100000.0f;
        const long tenths = lroundf(d * 10.0f);
        if (tenths < 0) put('-');
        const unsigned long mag = static_cast<unsigned long>(tenths < 0 ? -tenths : tenths);
        num("%lu", mag / 10);
        put('.');
        put(static_cast<char>('0' + mag % 10));
    }
};

}  // namespace

const char* lampName(LampId id) {
    switch (id) {
        case LampId::Hot:
            return "HOT";
        case LampId::Warn:
            return "WARN";
        case LampId::Stall:
            return "STALL";
        case LampId::Idle:
            return "IDLE";
        case LampId::NoSignal:
            return "NOSIG";
        case LampId::Attn:
            return "ATTN";
        case LampId::Count:
            break;
    }
    return "?";
}

const char* stateLineKeyName(StateLineKey k) {
    switch (k) {
        case StateLineKey::T:
            return "t";
        case StateLineKey::Phase:
            return "phase";
        case StateLineKey::Tach:
            return dialName(DialId::Tach);
        case StateLineKey::Fuel:
            return dialName(DialId::Fuel);
        case StateLineKey::Temp:
            return dialName(DialId::Temp);
        case StateLineKey::Boost:
            return dialName(DialId::Boost);
        case StateLineKey::Lamps:
            return "lamps";
        case StateLineKey::Rgb:
            return "rgb";
        case StateLineKey::Model:
            return "model";
        case StateLineKey::Stale:
            return "stale";
        case StateLineKey::Over:
            return "over";
        case StateLineKey::Basis:
            return "basis";
        case StateLineKey::Week:
            return "week";
        case StateLineKey::Eta:
            return "eta";
        case StateLineKey::Count:
            break;
    }
    return "?";
}

size_t formatStateLine(const Frame& frame, char* buf, size_t cap) {
    if (buf == nullptr || cap == 0) return 0;
    buf[0] = '\0';
    Writer w{buf, cap, 0};
    w.str("GAUGE");
    w.key(StateLineKey::T);
    w.num("%lu", static_cast<unsigned long>(frame.t_ms));
    w.key(StateLineKey::Phase);
    w.str(phaseName(frame.phase));
    static_assert(
        static_cast<int>(StateLineKey::Boost) - static_cast<int>(StateLineKey::Tach) + 1 == kDialCount,
        "one state-line key per dial, in DialId order");
    for (int i = 0; i < kDialCount; ++i) {
        w.key(static_cast<StateLineKey>(static_cast<int>(StateLineKey::Tach) + i));
        w.deg(frame.dials[i].needle_deg);
    }
    w.key(StateLineKey::Lamps);
    bool any = false;
    for (LampId id : kLampPriorityOrder) {
        if (!frame.lamps[static_cast<int>(id)].active) continue;
        if (any) w.put(',');
        w.str(lampName(id));
        any = true;
    }
    if (!any) w.put('-');
    char hex[8];
    snprintf(hex, sizeof hex, "%06lX", static_cast<unsigned long>(frame.rgb_led & 0xFFFFFFu));
    w.key(StateLineKey::Rgb);
    w.str(hex);
    w.key(StateLineKey::Model);
    w.value(strcmp(frame.model.text, "--") == 0 ? "" : frame.model.text);
    w.key(StateLineKey::Stale);
    w.put(frame.stale ? '1' : '0');
    w.key(StateLineKey::Over);
    w.put(frame.fuel_over ? '1' : '0');
    w.key(StateLineKey::Basis);
    w.str(fuelBasisName(frame.fuel_basis));
    w.key(StateLineKey::Week);
    if (frame.week_pct < 0) {
        w.str("--");
    } else {
        w.num("%lu", static_cast<unsigned long>(frame.week_pct));
        w.put('%');
    }
    w.key(StateLineKey::Eta);
    if (frame.eta == Eta::Full) {
        w.num("%lu", static_cast<unsigned long>(frame.eta_min));
        w.put('m');
    } else {
        w.str(frame.eta == Eta::Lasts ? "lasts" : "--");
    }
    return w.len;
}

}  // namespace gauge
