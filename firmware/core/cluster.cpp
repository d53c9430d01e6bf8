#include "cluster.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "readout.h"

namespace gauge {

namespace {

// Palette (RGB888).
constexpr uint32_t kBackground = 0x000000;
constexpr uint32_t kArcColor = 0x707070;
constexpr uint32_t kTickColor = 0xE0E0E0;
constexpr uint32_t kNeedleColor = 0xFF5020;
constexpr uint32_t kTextColor = 0xFFFFFF;
constexpr uint32_t kDimText = 0x909090;
constexpr uint32_t kRed = 0xE02020;
constexpr uint32_t kAmber = 0xFFB000;

// Layout of the 320x240 screen: big tach on the left, fuel/temp/boost stacked on the right, a status line
// top-left, the model readout under the tach, the weekly (left) and pace (right) readouts on one row under
// it, and the lamp row along the bottom. The fuel's basis (OFFICIAL / EST) sits inside the fuel dial, above
// its pivot.
constexpr int16_t kTachCx = 112, kTachCy = 116, kTachR = 104;
constexpr int16_t kSmallCx = 271, kSmallR = 38;
constexpr int16_t kSmallCy[3] = {41, 111, 181};
constexpr float kTachStart = -135.0f, kTachEnd = 135.0f;
constexpr float kSmallStart = -120.0f, kSmallEnd = 120.0f;
constexpr int16_t kLampY = 223, kLampH = 16, kLampW = 49, kLampPitch = 53, kLampX0 = 4;
constexpr int16_t kReadoutRowY = 212, kReadoutRowH = 10, kReadoutW = 150;

float deg(float fraction, const Dial& d) {
    return fractionToDeg(fraction, d.start_deg, d.end_deg);
}

void setBox(TextBox& b, int16_t x, int16_t y, int16_t w, int16_t h, uint8_t size, Align align,
            uint32_t color) {
    b.x = x;
    b.y = y;
    b.w = w;
    b.h = h;
    b.size = size;
    b.align = align;
    b.color = color;
}

void addTick(Dial& d, float fraction, bool major, const char* label) {
    if (d.tick_count >= kMaxTicks) return;
    Tick& t = d.ticks[d.tick_count++];
    t.deg = deg(fraction, d);
    t.major = major ? 1 : 0;
    copyText(t.label, sizeof t.label, label);
}

void addZone(Dial& d, float from, float to, uint32_t color) {
    if (d.zone_count >= kMaxZones) return;
    Zone& z = d.zones[d.zone_count++];
    z.from_deg = deg(from, d);
    z.to_deg = deg(to, d);
    z.color = color;
}

// Tach major divisions for each "nice" full-scale mantissa, so tick labels are round numbers.
int tachDivisions(float full_scale) {
    float m = full_scale;
    while (m >= 10.0f) m /= 10.0f;
    if (m < 1.25f) return 5;  // 1   -> 0.2 steps
    if (m < 1.75f) return 3;  // 1.5 -> 0.5
    if (m < 2.25f) return 4;  // 2   -> 0.5
    if (m < 2.75f) return 5;  // 2.5 -> 0.5
    if (m < 3.5f) return 6;   // 3   -> 0.5
    if (m < 4.5f) return 4;   // 4   -> 1
    if (m < 5.5f) return 5;   // 5   -> 1
    if (m < 7.0f) return 6;   // 6   -> 1
    return 4;                 // 8   -> 2
}

// Self-test needle position at `ms` after boot: smooth rise, hold at full, smooth fall.
float sweepPosition(uint32_t ms) {
    float x;
    if (ms < cfg::kSelfTestRiseMs) {
        x = static_cast<float>(ms) / static_cast<float>(cfg::kSelfTestRiseMs);
    } else if (ms < cfg::kSelfTestRiseMs + cfg::kSelfTestHoldMs) {
        return 1.0f;
    } else if (ms < cfg::kSelfTestMs) {
        x = 1.0f - static_cast<float>(ms - cfg::kSelfTestRiseMs - cfg::kSelfTestHoldMs) /
                       static_cast<float>(cfg::kSelfTestFallMs);
    } else {
        return 0.0f;
    }
    return x * x * (3.0f - 2.0f * x);  // smoothstep
}

}  // namespace

Cluster::Cluster()
    : usage_(usageDefaults()),
      link_{0, false},
      boot_ms_(0),
      physics_ms_(0),
      last_good_ms_(0),
      lamp_event_ms_(0),
      seq_counter_(0),
      tach_face_full_scale_(0.0f),
      has_usage_(false),
      booted_(false),
      self_test_(false),
      ever_good_(false),
      lost_(false) {
    memset(&frame_, 0, sizeof frame_);
    targets_ = computeTargets(usage_);
    for (float& d : published_deg_) d = 0.0f;
    buildLayout();
}

void Cluster::boot(uint32_t now) {
    boot_ms_ = now;
    physics_ms_ = now;
    usage_ = usageDefaults();
    targets_ = computeTargets(usage_);
    has_usage_ = false;
    link_ = LinkState{0, false};
    last_good_ms_ = now;
    lamp_event_ms_ = now;
    ever_good_ = false;
    lost_ = false;
    booted_ = true;
    self_test_ = true;
    for (Needle& n : needles_) {
        n.reset(0.0f);
        n.setTarget(cfg::kNeedleRest);
    }
    buildLayout();
    update(now);
}

void Cluster::buildLayout() {
    const uint32_t seq = nextSeq();
    frame_.layout_seq = seq;
    frame_.seq = seq;
    frame_.background = kBackground;

    for (int i = 0; i < kDialCount; ++i) {
        Dial& d = frame_.dials[i];
        memset(&d, 0, sizeof d);
        d.id = static_cast<DialId>(i);
        d.arc_color = kArcColor;
        d.tick_color = kTickColor;
        d.needle_color = kNeedleColor;
        if (d.id == DialId::Tach) {
            d.cx = kTachCx;
            d.cy = kTachCy;
            d.radius = kTachR;
            d.arc_width = 6;
            d.label_radius = kTachR - 24;
            d.needle_length = kTachR - 10;
            d.hub_radius = 7;
            d.start_deg = kTachStart;
            d.end_deg = kTachEnd;
            setBox(d.label, kTachCx - 40, kTachCy - 46, 80, 10, 1, Align::Center, kDimText);
            setBox(d.value, kTachCx - 48, kTachCy + 24, 96, 26, 3, Align::Center, kTextColor);
        } else {
            const int16_t cy = kSmallCy[i - 1];
            d.cx = kSmallCx;
            d.cy = cy;
            d.radius = kSmallR;
            d.arc_width = 5;
            d.label_radius = kSmallR + 7;  // E/F, C/H, LO/HI sit just outside the arc ends
            d.needle_length = kSmallR - 6;
            d.hub_radius = 4;
            d.start_deg = kSmallStart;
            d.end_deg = kSmallEnd;
            setBox(d.label, kSmallCx - 24, cy + 21, 48, 9, 1, Align::Center, kDimText);
            setBox(d.value, kSmallCx - 26, cy + 4, 52, 16, 2, Align::Center, kTextColor);
        }
        switch (d.id) {
            case DialId::Tach:
                copyText(d.label.text, sizeof d.label.text, "TOKENS/MIN");
                break;
            case DialId::Fuel:
                copyText(d.label.text, sizeof d.label.text, "5H FUEL");
                addZone(d, 0.0f, cfg::kFuelWarnRemaining, kRed);
                addTick(d, 0.0f, true, "E");
                addTick(d, 0.25f, false, "");
                addTick(d, 0.5f, true, "");
                addTick(d, 0.75f, false, "");
                addTick(d, 1.0f, true, "F");
                break;
            case DialId::Temp:
                copyText(d.label.text, sizeof d.label.text, "THINK");
                addZone(d, cfg::kTempHotFrom, 1.0f, kRed);
                addTick(d, 0.0f, true, "C");
                addTick(d, 0.25f, false, "");
                addTick(d, 0.5f, true, "");
                addTick(d, 0.75f, false, "");
                addTick(d, 1.0f, true, "H");
                break;
            case DialId::Boost:
                copyText(d.label.text, sizeof d.label.text, "CACHE");
                addTick(d, 0.0f, true, "LO");
                addTick(d, 0.25f, false, "");
                addTick(d, 0.5f, true, "");
                addTick(d, 0.75f, false, "");
                addTick(d, 1.0f, true, "HI");
                break;
            case DialId::Count:
                break;
        }
        d.face_seq = seq;
        d.label.seq = seq;
        d.value.seq = seq;
        d.needle_seq = seq;
        d.needle_deg = deg(needles_[i].position(), d);
        published_deg_[i] = d.needle_deg;
    }
    tach_face_full_scale_ = 0.0f;
    buildTachFace();

    for (int i = 0; i < kLampCount; ++i) {
        LampView& l = frame_.lamps[i];
        memset(&l, 0, sizeof l);
        const LampStyle& style = kLampStyles[i];
        l.id = style.id;
        l.x = static_cast<int16_t>(kLampX0 + i * kLampPitch);
        l.y = kLampY;
        l.w = kLampW;
        l.h = kLampH;
        l.label_size = 1;
        copyText(l.label, sizeof l.label, style.label);
        l.on_color = style.on_color;
        l.off_color = style.off_color;
        l.color = style.off_color;
        l.label_color = kDimText;
        l.seq = seq;
    }

    memset(&frame_.model, 0, sizeof frame_.model);
    setBox(frame_.model, kTachCx - 72, 193, 144, 18, 2, Align::Center, kTextColor);
    copyText(frame_.model.text, sizeof frame_.model.text, "--");
    frame_.model.seq = seq;
    memset(&frame_.status, 0, sizeof frame_.status);
    setBox(frame_.status, 0, 0, 216, 10, 1, Align::Left, kDimText);
    frame_.status.seq = seq;
    // Inside the fuel dial's arc above the pivot: 8 characters ("OFFICIAL") fit its 48 px.
    memset(&frame_.basis, 0, sizeof frame_.basis);
    setBox(frame_.basis, kSmallCx - 24, kSmallCy[0] - 22, 48, 9, 1, Align::Center, kDimText);
    frame_.basis.seq = seq;
    memset(&frame_.week, 0, sizeof frame_.week);
    setBox(frame_.week, kLampX0, kReadoutRowY, kReadoutW, kReadoutRowH, 1, Align::Left, kTextColor);
    frame_.week.seq = seq;
    memset(&frame_.pace, 0, sizeof frame_.pace);
    setBox(frame_.pace, static_cast<int16_t>(cfg::kScreenW - kLampX0 - kReadoutW), kReadoutRowY, kReadoutW,
           kReadoutRowH, 1, Align::Right, kTextColor);
    frame_.pace.seq = seq;
    frame_.fuel_basis = FuelBasis::Estimate;
    frame_.week_pct = -1;
    frame_.eta = Eta::Unknown;
    frame_.eta_min = 0;
    frame_.rgb_led = kLedOff;
    frame_.discrete_mask = 0;
}

// The tach's ticks, labels and red zone depend on the redline; rebuilt only when the full scale changes.
void Cluster::buildTachFace() {
    Dial& d = frame_.dials[static_cast<int>(DialId::Tach)];
    const float full = targets_.tach_full_scale;
    const float red_from = targets_.tach_redline;
    const bool same_scale = full == tach_face_full_scale_;
    const bool same_zone = d.zone_count == 1 && d.zones[0].from_deg == deg(red_from, d);
    if (same_scale && same_zone) return;
    tach_face_full_scale_ = full;
    d.zone_count = 0;
    addZone(d, red_from, 1.0f, kRed);
    d.tick_count = 0;
    const int divisions = tachDivisions(full);
    const bool minors = divisions * 2 + 1 <= kMaxTicks;
    for (int i = 0; i <= divisions; ++i) {
        char label[kTickLabelMax];
        formatCount(static_cast<double>(full) * i / divisions, label, sizeof label);
        const float n = static_cast<float>(divisions);
        addTick(d, static_cast<float>(i) / n, true, label);
        if (minors && i < divisions) addTick(d, (static_cast<float>(i) + 0.5f) / n, false, "");
    }
    d.face_seq = nextSeq();
    frame_.seq = d.face_seq;
}

void Cluster::setText(TextBox& box, const char* text) {
    if (strncmp(box.text, text, sizeof box.text - 1) == 0) return;
    copyText(box.text, sizeof box.text, text);
    box.seq = nextSeq();
    frame_.seq = box.seq;
}

void Cluster::onUsage(uint32_t now, const Usage& usage) {
    advance(now);
    usage_ = usage;
    has_usage_ = true;
    targets_ = computeTargets(usage_);
    markGood(now);
}

void Cluster::markGood(uint32_t now) {
    advance(now);
    ever_good_ = true;
    last_good_ms_ = now;
    lost_ = false;
    if (!self_test_) lamp_event_ms_ = now;
    update(now);
}

void Cluster::setLink(uint32_t now, const LinkState& link) {
    advance(now);
    link_ = link;
}

// Latches NO SIGNAL if it is due at `t`; the lamp phase starts at the exact bound, not at the observation.
void Cluster::checkSignal(uint32_t t) {
    if (lost_ || self_test_ || !signalLostAt(t)) return;
    lost_ = true;
    lamp_event_ms_ = (ever_good_ ? last_good_ms_ : boot_ms_) + cfg::kNoSignalAfterMs;
}

bool Cluster::signalLostAt(uint32_t t) const {
    const uint32_t since = ever_good_ ? last_good_ms_ : boot_ms_;
    // Signed: a step time just before `since` (an out-of-order timestamp) is not 49 days later. The caller
    // latches the result, so the difference wrapping after 24 days does not matter.
    return static_cast<int32_t>(t - since) >= static_cast<int32_t>(cfg::kNoSignalAfterMs);
}

// Advances the needles to `now` in fixed steps aligned to boot time.
void Cluster::advance(uint32_t now) {
    if (!booted_) {
        boot_ms_ = now;
        physics_ms_ = now;
        booted_ = true;
        self_test_ = false;  // never booted explicitly: no sweep
    }
    if (static_cast<int32_t>(now - physics_ms_) <= 0) return;  // same time, or an out-of-order `now`
    uint32_t elapsed = now - physics_ms_;
    if (elapsed > cfg::kMaxCatchUpMs) checkSignal(now);
    if (elapsed > cfg::kMaxCatchUpMs) {
        const uint32_t dropped = (elapsed - cfg::kMaxCatchUpMs) / cfg::kPhysicsStepMs * cfg::kPhysicsStepMs;
        physics_ms_ += dropped;
        elapsed -= dropped;
    }
    const float dt = static_cast<float>(cfg::kPhysicsStepMs) / 1000.0f;
    while (elapsed >= cfg::kPhysicsStepMs) {
        physics_ms_ += cfg::kPhysicsStepMs;
        elapsed -= cfg::kPhysicsStepMs;
        checkSignal(physics_ms_);
        if (self_test_) {
            const uint32_t since_boot = physics_ms_ - boot_ms_;
            if (since_boot < cfg::kSelfTestMs) {
                const float pos = sweepPosition(since_boot);
                for (Needle& n : needles_) n.reset(pos);
                continue;
            }
            self_test_ = false;  // latched: never re-entered after millis() wraps
            lamp_event_ms_ = boot_ms_ + cfg::kSelfTestMs;
            for (Needle& n : needles_) n.reset(0.0f);
            checkSignal(physics_ms_);
        }
        const bool showing_data = has_usage_ && !lost_;
        const float goal[kDialCount] = {
            showing_data ? targets_.tach : cfg::kNeedleRest,
            showing_data ? targets_.fuel : cfg::kNeedleRest,
            showing_data ? targets_.temp : cfg::kNeedleRest,
            showing_data ? targets_.boost : cfg::kNeedleRest,
        };
        for (int i = 0; i < kDialCount; ++i) {
            needles_[i].setTarget(goal[i]);
            needles_[i].step(dt, cfg::kNeedleOmega, cfg::kNeedleMaxSlew);
        }
    }
}

void Cluster::rebuildTexts() {
    char buf[cfg::kTextMax];
    const bool live = frame_.phase == Phase::Live && has_usage_;
    Dial* dials = frame_.dials;

    if (frame_.phase == Phase::SelfTest) {
        for (int i = 0; i < kDialCount; ++i) setText(dials[i].value, "");
    } else if (!live) {
        for (int i = 0; i < kDialCount; ++i) setText(dials[i].value, "--");
    } else {
        formatCount(usage_.rate_1m, buf, sizeof buf);
        setText(dials[static_cast<int>(DialId::Tach)].value, buf);
        if (targets_.fuel_over) {
            setText(dials[static_cast<int>(DialId::Fuel)].value, "OVER");
        } else {
            formatPercent(targets_.fuel, buf, sizeof buf);
            setText(dials[static_cast<int>(DialId::Fuel)].value, buf);
        }
        formatPercent(targets_.temp, buf, sizeof buf);
        setText(dials[static_cast<int>(DialId::Temp)].value, buf);
        formatPercent(targets_.boost, buf, sizeof buf);
        setText(dials[static_cast<int>(DialId::Boost)].value, buf);
    }

    if (has_usage_ && shortenModel(usage_.last_model, buf, sizeof buf) > 0) {
        setText(frame_.model, buf);
    } else {
        setText(frame_.model, "--");
    }

    rebuildQuotaTexts(live);

    uint32_t status_color = kDimText;
    if (frame_.phase == Phase::SelfTest) {
        copyText(buf, sizeof buf, "SELF TEST");
    } else if (frame_.phase == Phase::NoSignal) {
        copyText(buf, sizeof buf, "NO SIGNAL");
        status_color = kRed;
    } else if (!has_usage_) {
        copyText(buf, sizeof buf, "CONNECTING");
    } else {
        // e.g. "STALE 2 SESS RESET 2h13m RETRY": tags that fit in kTextMax - 1 characters.
        size_t pos = 0;
        buf[0] = '\0';
        char part[16];
        if (usage_.stale) {
            pos += copyText(buf + pos, sizeof buf - pos, "STALE ");
            status_color = kAmber;
        }
        formatCount(usage_.sessions_active, part, sizeof part);
        pos += copyText(buf + pos, sizeof buf - pos, part);
        pos += copyText(buf + pos, sizeof buf - pos, " SESS");
        if (usage_.has_reset) {
            formatDuration(usage_.window_5h_reset_in_s, part, sizeof part);
            pos += copyText(buf + pos, sizeof buf - pos, " RESET ");
            pos += copyText(buf + pos, sizeof buf - pos, part);
        }
        if (link_.unauthorized)
            pos += copyText(buf + pos, sizeof buf - pos, " AUTH");
        else if (link_.consecutive_failures > 0)
            pos += copyText(buf + pos, sizeof buf - pos, " RETRY");
    }
    if (frame_.status.color != status_color) {
        frame_.status.color = status_color;
        frame_.status.seq = nextSeq();
        frame_.seq = frame_.status.seq;
    }
    setText(frame_.status, buf);
}

// The fuel's basis, the weekly readout and the pace readout (frame.h), from the values update() put into
// the frame.
void Cluster::rebuildQuotaTexts(bool live) {
    char buf[cfg::kTextMax];
    char part[16];
    if (frame_.phase == Phase::SelfTest) {
        setText(frame_.basis, "");
        setText(frame_.week, "");
        setText(frame_.pace, "");
        return;
    }
    setText(frame_.basis, !live ? "" : frame_.fuel_basis == FuelBasis::Official ? "OFFICIAL" : "EST");

    size_t pos = copyText(buf, sizeof buf, "WEEK ");
    if (frame_.week_pct < 0) {
        copyText(buf + pos, sizeof buf - pos, "--");
    } else {
        snprintf(part, sizeof part, "%d%%", static_cast<int>(frame_.week_pct));
        pos += copyText(buf + pos, sizeof buf - pos, part);
        // The reset as a countdown from the payload's own time (the device has no calendar).
        const uint64_t now_s = usage_.ts_ms / 1000;
        if (usage_.has_quota_7d_resets && usage_.ts_ms > 0 && usage_.quota_7d_resets_at > now_s) {
            uint64_t left_s = usage_.quota_7d_resets_at - now_s;
            if (left_s > 0xFFFFFFFFull) left_s = 0xFFFFFFFFull;
            formatDuration(static_cast<uint32_t>(left_s), part, sizeof part);
            pos += copyText(buf + pos, sizeof buf - pos, " ");
            copyText(buf + pos, sizeof buf - pos, part);
        }
    }
    setText(frame_.week, buf);

    if (frame_.eta == Eta::Lasts) {
        copyText(buf, sizeof buf, "LASTS");
    } else if (frame_.eta == Eta::Full && frame_.eta_min == 0) {
        copyText(buf, sizeof buf, "FULL NOW");
    } else {
        pos = copyText(buf, sizeof buf, "FULL IN ");
        if (frame_.eta == Eta::Full) {
            formatDuration(static_cast<uint32_t>(frame_.eta_min) * 60u, part, sizeof part);
            copyText(buf + pos, sizeof buf - pos, part);
        } else {
            copyText(buf + pos, sizeof buf - pos, "--");
        }
    }
    setText(frame_.pace, buf);
}

// The quota readouts' values while a payload is shown (and the unknowns otherwise).
void Cluster::updateQuota(bool showing_data) {
    FuelBasis basis = FuelBasis::Estimate;
    int16_t week = -1;
    Eta eta = Eta::Unknown;
    uint16_t eta_min = 0;
    if (showing_data) {
        basis = usage_.fuel_basis;
        if (usage_.has_quota_7d) {
            float pct = usage_.quota_7d_pct * 100.0f;
            if (pct > 999.0f) pct = 999.0f;
            week = static_cast<int16_t>(lroundf(pct));
        }
        if (usage_.has_minutes_to_full) {
            eta = Eta::Full;
            // Whole minutes; anything above 0 shows at least 1 (0 means full now).
            long m = lroundf(usage_.minutes_to_full);
            if (m == 0 && usage_.minutes_to_full > 0.0f) m = 1;
            eta_min = static_cast<uint16_t>(m);
        } else if (usage_.has_pace && usage_.pace_pct_at_reset <= 1.0f) {
            // No time to full, and the projection stays within the quota: the window resets first.
            eta = Eta::Lasts;
        }
    }
    if (basis != frame_.fuel_basis || week != frame_.week_pct || eta != frame_.eta ||
        eta_min != frame_.eta_min) {
        frame_.fuel_basis = basis;
        frame_.week_pct = week;
        frame_.eta = eta;
        frame_.eta_min = eta_min;
        frame_.seq = nextSeq();
    }
}

void Cluster::update(uint32_t now) {
    advance(now);
    if (booted_) checkSignal(now);  // between physics steps
    frame_.t_ms = now;

    Phase phase = Phase::Live;
    if (self_test_)
        phase = Phase::SelfTest;
    else if (lost_)
        phase = Phase::NoSignal;
    if (phase != frame_.phase) {
        frame_.phase = phase;
        frame_.seq = nextSeq();
    }
    const bool showing_data = has_usage_ && phase == Phase::Live;
    const bool stale = showing_data && usage_.stale;
    const bool over = showing_data && targets_.fuel_over;
    if (stale != frame_.stale || over != frame_.fuel_over) {
        frame_.stale = stale;
        frame_.fuel_over = over;
        frame_.seq = nextSeq();
    }

    if (has_usage_) buildTachFace();
    updateQuota(showing_data);

    for (int i = 0; i < kDialCount; ++i) {
        Dial& d = frame_.dials[i];
        d.needle_deg = deg(needles_[i].position(), d);
        const float moved = fabsf(d.needle_deg - published_deg_[i]);
        const bool settled = needles_[i].velocity() == 0.0f;
        if (moved >= cfg::kNeedleRedrawDeg || (settled && moved > 0.0f)) {
            published_deg_[i] = d.needle_deg;
            d.needle_seq = nextSeq();
            frame_.seq = d.needle_seq;
        }
    }

    LampInputs in;
    in.self_test = phase == Phase::SelfTest;
    in.no_signal = phase == Phase::NoSignal;
    in.hot = showing_data && usage_.hot;
    in.warn = showing_data && usage_.warn;
    in.stall = showing_data && usage_.stall;
    in.idle = showing_data && usage_.idle;
    in.changed_at = lamp_event_ms_;
    in.attn = showing_data && usage_.attention > 0;
    const LampState& ls = lamps_.update(now, in);
    for (int i = 0; i < kLampCount; ++i) {
        LampView& l = frame_.lamps[i];
        const bool active = (ls.active_mask >> i) & 1u;
        const bool lit = (ls.lit_mask >> i) & 1u;
        const uint32_t color = lit ? l.on_color : l.off_color;
        const uint32_t label_color = lit ? kBackground : kDimText;
        if (active != l.active || lit != l.lit || color != l.color || label_color != l.label_color) {
            l.active = active;
            l.lit = lit;
            l.color = color;
            l.label_color = label_color;
            l.seq = nextSeq();
            frame_.seq = l.seq;
        }
    }
    if (ls.rgb_led != frame_.rgb_led || ls.lit_mask != frame_.discrete_mask) {
        frame_.rgb_led = ls.rgb_led;
        frame_.discrete_mask = ls.lit_mask;
        frame_.seq = nextSeq();
    }

    rebuildTexts();
}

}  // namespace gauge
