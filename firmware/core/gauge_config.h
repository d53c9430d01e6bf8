// All tunables of the gauge core in one place. Every value is a compile-time constant so the ESP32 build,
// the wasm simulator and the native tests behave identically; change them here, nowhere else.
#pragma once

#include <stdint.h>

namespace gauge {
namespace cfg {

// ---- Screen (CYD: ILI9341 in landscape) -----------------------------------------------------------------
constexpr int16_t kScreenW = 320;
constexpr int16_t kScreenH = 240;

// ---- Polling ------------------------------------------------------------------------------------------
// One GET /usage per second, measured start to start (a slow answer does not drift the cadence).
constexpr uint32_t kPollIntervalMs = 1000;
// Timeout the platform's HTTP client should apply (Poller::requestTimeoutMs()).
constexpr uint32_t kRequestTimeoutMs = 1500;
// The poller itself declares a request timed out after this long without onResult (client timeout + grace),
// so a HAL whose HTTP client hangs cannot stall polling.
constexpr uint32_t kRequestHardTimeoutMs = kRequestTimeoutMs + 500;
// Backoff after consecutive failures: base << (failures - 1), capped. 1 s, 2 s, 4 s, 4 s, ... The cap is
// short on purpose so the gauge recovers within a few seconds of a daemon restart.
constexpr uint32_t kBackoffBaseMs = 1000;
constexpr uint32_t kBackoffMaxMs = 4000;
// After this many consecutive network-level failures (Timeout, ConnectFailed) the poller raises
// wantsRediscovery() once; the ESP32 then re-resolves the daemon via mDNS (never on every poll).
constexpr uint32_t kRediscoverAfterFailures = 5;

// ---- Response bodies -----------------------------------------------------------------------------------
// Largest /usage body a device accepts (the ESP32, the virtual device and the simulator alike). A real
// payload is ~600 bytes and the schema caps its strings at 128 + 32 bytes, so anything near this is garbage:
// refused as BadBody before it is parsed.
constexpr uint32_t kMaxBodyBytes = 8192;
// Deepest nesting of JSON arrays/objects a body may have, the top-level object counting as 1 (ArduinoJson's
// NestingLimit on the ESP32; every platform refuses the same bodies). A real payload is flat (depth 1); the
// limit is generous because a future daemon may add nested fields the decoder skips.
constexpr uint8_t kMaxJsonDepth = 10;

// ---- NO SIGNAL ------------------------------------------------------------------------------------------
// NO SIGNAL is shown when no good payload has been accepted for this long -- measured from boot when none has
// ever arrived. 5 s = five missed 1 Hz polls: long enough to ride out a daemon restart blip, short enough
// that a dead link is obvious. On NO SIGNAL the needles fall to rest and only the NOSIG lamp is lit.
constexpr uint32_t kNoSignalAfterMs = 5000;

// ---- Needle physics -------------------------------------------------------------------------------------
// Fixed physics step: update(now) advances in whole steps of this size, carrying the remainder, so the needle
// positions at a given `now` do not depend on how often update() is called.
constexpr uint32_t kPhysicsStepMs = 5;
// Largest gap update() catches up on (2000 steps, well under a millisecond of work); older time is dropped.
// After 10 s at a constant target every needle has snapped to rest, so dropping it changes nothing visible
// and frames stay identical whatever the update rate.
constexpr uint32_t kMaxCatchUpMs = 10000;
// Critically damped spring, natural angular frequency (rad/s). 9 rad/s reaches 95 % of a step in ~0.53 s.
constexpr float kNeedleOmega = 9.0f;
// Slew limit in full scales per second (a needle never sweeps the whole dial faster than 1/2.5 s).
constexpr float kNeedleMaxSlew = 2.5f;
// Needle rest position (fraction of scale) used on NO SIGNAL and at boot.
constexpr float kNeedleRest = 0.0f;
// Frame::Dial::needle_seq changes only when the needle moved at least this much since the last change, so
// the TFT redraws a needle only when it visibly moved.
constexpr float kNeedleRedrawDeg = 0.25f;

// ---- Self-test sweep at boot (like a car dash) -----------------------------------------------------------
// All needles rise to full scale, hold, and fall back; all lamps lit; RGB LED cycles red, green, blue.
constexpr uint32_t kSelfTestRiseMs = 650;
constexpr uint32_t kSelfTestHoldMs = 200;
constexpr uint32_t kSelfTestFallMs = 650;
constexpr uint32_t kSelfTestMs = kSelfTestRiseMs + kSelfTestHoldMs + kSelfTestFallMs;  // 1500 ms

// ---- Dials ---------------------------------------------------------------------------------------------
// Tach full scale: the smallest "nice" number (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k) >= this x redline.
constexpr float kTachHeadroom = 1.25f;
// Fuel (remaining in the 5 h window): warn zone when remaining is below this fraction (= 80 % used, the
// daemon's default warn fraction).
constexpr float kFuelWarnRemaining = 0.2f;
// When more than 100 % of the window is used the needle pegs this far below E (fraction of scale).
constexpr float kFuelOverPeg = -0.04f;
// Temperature (thinking ratio): hot zone from this fraction up.
constexpr float kTempHotFrom = 0.8f;

// ---- Decoder clamps (see usage.h for the rules)
// -------------------------------------------------------------
constexpr double kMaxRatePerMin = 1e9;         // tokens/min (rate_1m, rate_redline)
constexpr double kMinRedline = 1.0;            // tokens/min; rate_redline below this (or <= 0) -> default
constexpr double kMaxTokens = 1e15;            // window_5h_tokens
constexpr double kMaxWindowPct = 10.0;         // window_5h_pct (1.0 = 100 % of the ceiling)
constexpr double kMaxResetInS = 5.0 * 3600.0;  // window_5h_reset_in_s: a block never lasts longer than 5 h
constexpr double kMaxSessions = 999.0;         // sessions_active, attention (a count of sessions)
constexpr double kMaxTsMs =
    9007199254740991.0;  // ts: 2^53 - 1, the largest integer JSON numbers carry exactly
constexpr double kMaxMinutesToFull = 7.0 * 24.0 * 60.0;  // minutes_to_full: no projection beyond a week
// The official quota's freshness and plausibility, as the daemon judges them (host/src/statusline/quota.ts,
// host/src/plausible.ts): an official 5 h figure older than this is not the fuel's basis any more; a reset
// further ahead than its window plus the slack is not believed.
constexpr uint64_t kQuotaFreshMs = 10ull * 60ull * 1000ull;
constexpr uint64_t kQuota5hWindowS = 5ull * 3600ull;
constexpr uint64_t kQuota7dWindowS = 7ull * 24ull * 3600ull;
constexpr uint64_t kQuotaResetSlackS = 10ull * 60ull;

// ---- Text buffers
// -------------------------------------------------------------------------------------------
constexpr uint32_t kModelMaxBytes = 128;     // schema maxLength of last_model
constexpr uint32_t kSourceMaxBytes = 32;     // schema maxLength of source
constexpr uint32_t kModelReadoutChars = 12;  // shortened model readout fits the model box at font size 2
constexpr uint32_t kTextMax = 32;            // every Frame text buffer, including the NUL

}  // namespace cfg
}  // namespace gauge
