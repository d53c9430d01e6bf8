// A /usage body -> the core's UsageDecoder, for native builds (the virtual device and the vector runner),
// through nlohmann::json. Like every platform's glue it only maps JSON types onto the decoder's setters,
// walking the core's own field table (kUsageFields); the core decides what is valid.
//
// Parity with the wasm wrapper (gaugeCore.ts), which must reach the same verdict on the same text:
//  - not JSON, or JSON that is not an object -> BadBody (strict JSON: no comments, no NaN/Infinity literals,
//    numbers that overflow a double, lone surrogates and invalid UTF-8 are all parse errors);
//  - a leading UTF-8 byte order mark is skipped; a raw NUL byte anywhere makes the body bad;
//  - arrays/objects nested deeper than 10 levels (the top-level object counts) make the body bad, as on the
//    ESP32 (ArduinoJson's NestingLimit);
//  - duplicate keys: the last one wins;
//  - every zero is passed as +0 (this parser reads "-0" as the integer 0, JSON.parse as -0).
#pragma once

#include <stddef.h>

#include "device.h"
#include "poll.h"
#include "usage.h"

namespace gauge {
namespace native {

// Parses `len` bytes of `body` (no NUL needed) and, when it is a JSON object, begins `dec` and calls one
// setter per known field present. Returns false (decoder untouched) when the body is not a JSON object.
bool feedUsageJson(const char* body, size_t len, UsageDecoder& dec);

struct BodyResult {
    PollOutcome outcome;  // Ok, BadBody or Rejected
    DecodeStatus status;  // the decoder's verdict; NotStarted for BadBody
    DecodeReport report;  // all zero for BadBody
};

// The whole response-body path of a device: parse, decode and hand the verdict to `device` (onDecoded, or
// onPollResult(BadBody)).
BodyResult applyUsageBody(Device& device, UsageDecoder& dec, uint32_t now, const char* body, size_t len);

// "outcome=ok status=ok report=P/A/D/C/T" (present/accepted/defaulted/clamped/truncated), or
// "outcome=bad_body" -- the text both vector runners print for a body step.
void formatBodyResult(const BodyResult& r, char* buf, size_t cap);

}  // namespace native
}  // namespace gauge
