// A /usage body -> gauge::Usage through ArduinoJson v7 and the core's UsageDecoder. ArduinoJson needs no
// Arduino core, so this compiles anywhere ArduinoJson does (docs/firmware.md says how it was checked).
#pragma once

#include <stddef.h>

#include "poll.h"
#include "usage.h"

namespace gauge {
namespace esp32 {

struct BodyDecode {
    PollOutcome outcome;  // Ok, BadBody (not JSON / not an object / too deep / out of memory) or Rejected
    DecodeStatus status;  // the decoder's verdict when the body was a JSON object
    int json_error;       // ArduinoJson DeserializationError::Code (0 = Ok), for the log
};

// Parses `len` bytes of `body` (need not be NUL-terminated) keeping only the contract's fields, and feeds
// them to `dec`. On Ok, `out` holds the payload; otherwise `out` is untouched.
BodyDecode decodeUsageBody(const char* body, size_t len, UsageDecoder& dec, Usage& out);

}  // namespace esp32
}  // namespace gauge
