// The HTTP side of the ESP32 app, in its own FreeRTOS task so a slow or dead daemon never stalls the needle
// animation: the main loop posts a request when the core's Poller says StartRequest and picks the result up
// later; the task runs one PollSession (poll_session.h: mDNS discovery, DNS, the GET under one deadline, the
// JSON decode).
//
// Threading: one request at a time. requestPoll() and takeResult() never block; they talk to the task through
// two single-slot FreeRTOS queues. The URL/token settings are guarded by a mutex. Everything the task needs
// is allocated statically, so begin() cannot fail for lack of heap and no call ever meets a null handle.
//
// Liveness: the task is not subscribed to the task watchdog (a request may legitimately wait up to its
// budget); it stamps heartbeatMs() at every wait slice and at least every kPollIdleBeatMs, and the main loop
// restarts the board when that stamp is older than kPollTaskStallMs (timers.h heartbeatStale()).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "app_config.h"
#include "poll.h"
#include "poll_session.h"
#include "usage.h"

namespace gauge {
namespace esp32 {

struct PollResult {
    uint32_t id;          // the id requestPoll() returned
    PollOutcome outcome;  // what the core's Poller gets
    PollPhase phase;      // where the request ended
    DecodeStatus status;  // decoder verdict when a JSON object was decoded
    int http_status;      // the response's status, 0 = none
    int json_error;       // ArduinoJson DeserializationError::Code, 0 = none
    int sys_error;        // errno of a socket failure, 0 = none
    uint32_t elapsed_ms;
    bool reused;  // went over the kept-alive connection
    Usage usage;  // valid when outcome == Ok
};

class PollClient {
  public:
    // `configured_url` / `configured_token`: from secrets.h or the captive portal; empty URL = find the
    // daemon by mDNS (_claude-gauge._tcp). Starts the task; false only when called twice.
    bool begin(const char* configured_url, const char* configured_token);
    bool running() const { return started_; }

    // Starts one GET /usage with this budget (for all of it: DNS, connect, send, head, body). Returns its id,
    // or 0 when the previous request is still running or the task is not running (the caller reports that
    // to the core as a Timeout).
    uint32_t requestPoll(uint32_t budget_ms);
    // The finished request's result, if any.
    bool takeResult(PollResult& out);
    bool busy() const { return busy_; }

    // Look the daemon up by mDNS again (core's wantsRediscovery(), serial `rediscover`); only used while the
    // URL comes from mDNS.
    void requestRediscovery() { rediscover_ = true; }
    // Runtime overrides from the serial console; "" returns to the configured value. Not persisted. The
    // caller has validated them (plausibleDaemonUrl, validToken).
    void setUrlOverride(const char* url);
    void setTokenOverride(const char* token, bool send_none);
    // The URL the next request will use ("" = not known yet, mDNS pending), and where it came from.
    void describe(char* url, size_t url_cap, const char** source) const;

    // millis() of the task's newest heartbeat.
    uint32_t heartbeatMs() const { return heartbeat_ms_; }
    // Least free stack the task has had since it started (bytes; FreeRTOS high-water mark).
    uint32_t stackFreeBytes() const;

    // The task's side; public only for its entry function.
    void beat();
    void run();

  private:
    void handle(uint32_t id, uint32_t budget_ms, PollResult& r);
    void noteFinder();

    // Guarded by mutex_.
    char configured_url_[kMaxUrlBytes + 1];
    char configured_token_[kMaxTokenBytes + 1];
    char override_url_[kMaxUrlBytes + 1];
    char override_token_[kMaxTokenBytes + 1];
    bool override_token_set_ = false;
    bool override_no_token_ = false;
    char discovered_url_[kMaxUrlBytes + 1];  // the finder's answer, copied for describe()

    void* mutex_ = nullptr;     // SemaphoreHandle_t
    void* requests_ = nullptr;  // QueueHandle_t of Request
    void* results_ = nullptr;   // QueueHandle_t of PollResult
    void* task_ = nullptr;      // TaskHandle_t
    bool started_ = false;
    volatile bool busy_ = false;
    volatile bool rediscover_ = false;
    volatile uint32_t heartbeat_ms_ = 0;
    uint32_t next_id_ = 1;
};

}  // namespace esp32
}  // namespace gauge
