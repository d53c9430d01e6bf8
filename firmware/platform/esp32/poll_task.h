// The HTTP side of the ESP32 app, in its own FreeRTOS task so a slow or dead daemon never stalls the needle
// animation: the main loop posts a request when the core's Poller says StartRequest and picks the result up
// later; the task does the mDNS lookup (when needed), the GET with HTTPClient and the JSON decode.
//
// Threading: one request at a time. requestPoll() and takeResult() never block; they talk to the task through
// two single-slot FreeRTOS queues. The URL/token settings are guarded by a mutex.
#pragma once

#include <Arduino.h>

#include "poll.h"
#include "usage.h"

namespace gauge {
namespace esp32 {

struct PollResult {
    uint32_t id;          // the id requestPoll() returned
    PollOutcome outcome;  // what the core's Poller gets
    DecodeStatus status;  // decoder verdict when a JSON object was decoded
    int http_code;        // HTTPClient::GET() result (HTTP status or negative HTTPC_ERROR_*), 0 = not sent
    int json_error;       // ArduinoJson DeserializationError::Code, 0 = none
    uint32_t elapsed_ms;
    Usage usage;  // valid when outcome == Ok
};

class PollClient {
  public:
    // `configured_url` / `configured_token`: from secrets.h or the captive portal; empty URL = find the
    // daemon by mDNS (_claude-gauge._tcp). Creates the task; false if FreeRTOS could not.
    bool begin(const char* configured_url, const char* configured_token);

    // Starts one GET /usage with this timeout (connect and response each). Returns its id, or 0 when the
    // previous request is still running (the caller reports that to the core as a Timeout).
    uint32_t requestPoll(uint32_t timeout_ms);
    // The finished request's result, if any.
    bool takeResult(PollResult& out);
    bool busy() const { return busy_; }

    // Forget the daemon found by mDNS; the next request looks it up again (core's wantsRediscovery()).
    void requestRediscovery() { rediscover_ = true; }
    // Runtime overrides from the serial console; "" returns to the configured value. Not persisted.
    void setUrlOverride(const char* url);
    void setTokenOverride(const char* token, bool send_none);
    // The URL the next request will use ("" = not known yet, mDNS pending), and where it came from.
    void describe(char* url, size_t url_cap, const char** source) const;

  private:
    static void taskEntry(void* self);
    void run();
    void handle(uint32_t id, uint32_t timeout_ms, PollResult& r);
    bool resolveUrl(char* url, size_t cap);
    bool discover();

    // Guarded by mutex_.
    char configured_url_[160];
    char configured_token_[96];
    char override_url_[160];
    char override_token_[96];
    bool override_token_set_;
    bool override_no_token_;
    char discovered_url_[160];

    void* mutex_;     // SemaphoreHandle_t
    void* requests_;  // QueueHandle_t of Request
    void* results_;   // QueueHandle_t of PollResult
    volatile bool busy_ = false;
    volatile bool rediscover_ = false;
    bool lookup_done_ = false;  // the boot-time mDNS lookup has run (poll task only)
    uint32_t next_id_ = 1;
};

}  // namespace esp32
}  // namespace gauge
