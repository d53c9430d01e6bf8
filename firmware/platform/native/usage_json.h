// A /usage body -> the core's UsageDecoder, for native builds (the virtual device and the vector runner),
// through nlohmann::json. Like every platform's JSON glue it only parses and says what JSON value each field
// holds; the core's feed loop (usage_feed.h) and decoder do the rest. The ESP32's twin is
// platform/esp32/host_tested/usage_json.h (ArduinoJson); the wasm build's is gaugeCore.ts (JSON.parse).
//
// Parity with the others, which must reach the same verdict on the same text:
//  - not JSON, or JSON that is not an object -> BadBody (strict JSON: no comments, no NaN/Infinity literals,
//    numbers that overflow a double, lone surrogates and invalid UTF-8 are all parse errors);
//  - a leading UTF-8 byte order mark is skipped; a raw NUL byte anywhere makes the body bad;
//  - arrays/objects nested deeper than cfg::kMaxJsonDepth (the top-level object counts) make the body bad;
//  - duplicate keys: the last one wins.
#pragma once

#include <stddef.h>

#include "usage.h"
#include "usage_feed.h"

namespace gauge {
namespace native {

// Parses `len` bytes of `body` (no NUL needed) and, when it is a JSON object, feeds it to `dec`. On Ok, `out`
// holds the payload; otherwise `out` is untouched. Hand the verdict to a Device with onDecoded(), or
// onPollResult(BadBody).
BodyVerdict decodeUsageBody(const char* body, size_t len, UsageDecoder& dec, Usage& out);

}  // namespace native
}  // namespace gauge
