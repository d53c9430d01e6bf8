// A /usage body -> gauge::Usage through ArduinoJson v7 and the core's feed loop (usage_feed.h). Like every
// platform's JSON glue it only parses and says what JSON value each field holds; the core decides the rest.
// The native twin is platform/native/usage_json.h (nlohmann). ArduinoJson needs no Arduino core, so this
// compiles anywhere ArduinoJson does (`make -C firmware esp32-json` checks it against the real library).
#pragma once

#include <stddef.h>

#include "usage.h"
#include "usage_feed.h"

namespace gauge {
namespace esp32 {

// The core's verdict on a body (gauge::BodyVerdict without the decoder's report, which the device does not
// log), plus ArduinoJson's own error for the log.
struct BodyDecode {
    PollOutcome outcome;  // Ok, BadBody (not JSON / not an object / too deep / out of memory) or Rejected
    DecodeStatus status;  // the decoder's verdict when the body was a JSON object
    int json_error;       // ArduinoJson DeserializationError::Code (0 = Ok)
};

// Parses `len` bytes of `body` (need not be NUL-terminated) keeping only the contract's fields, and feeds
// them to `dec`. On Ok, `out` holds the payload; otherwise `out` is untouched. BadBody: not JSON, not an
// object, nested deeper than cfg::kMaxJsonDepth, or out of memory.
BodyDecode decodeUsageBody(const char* body, size_t len, UsageDecoder& dec, Usage& out);

}  // namespace esp32
}  // namespace gauge
