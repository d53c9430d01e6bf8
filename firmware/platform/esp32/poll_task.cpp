#include "poll_task.h"

#include <ESPmDNS.h>
#include <HTTPClient.h>
#include <WiFi.h>
#include <esp_task_wdt.h>
#include <freertos/FreeRTOS.h>
#include <freertos/queue.h>
#include <freertos/semphr.h>
#include <freertos/task.h>

#include "board_config.h"
#include "http_outcome.h"
#include "json_usage.h"

namespace gauge {
namespace esp32 {

// http_outcome.h restates HTTPClient's error numbers so it can be tested without Arduino; keep them equal
// (arduino-esp32 2.0.x libraries/HTTPClient/src/HTTPClient.h).
static_assert(httpc::kConnectionRefused == HTTPC_ERROR_CONNECTION_REFUSED, "HTTPClient error numbers");
static_assert(httpc::kSendHeaderFailed == HTTPC_ERROR_SEND_HEADER_FAILED, "HTTPClient error numbers");
static_assert(httpc::kSendPayloadFailed == HTTPC_ERROR_SEND_PAYLOAD_FAILED, "HTTPClient error numbers");
static_assert(httpc::kNotConnected == HTTPC_ERROR_NOT_CONNECTED, "HTTPClient error numbers");
static_assert(httpc::kConnectionLost == HTTPC_ERROR_CONNECTION_LOST, "HTTPClient error numbers");
static_assert(httpc::kNoStream == HTTPC_ERROR_NO_STREAM, "HTTPClient error numbers");
static_assert(httpc::kNoHttpServer == HTTPC_ERROR_NO_HTTP_SERVER, "HTTPClient error numbers");
static_assert(httpc::kTooLessRam == HTTPC_ERROR_TOO_LESS_RAM, "HTTPClient error numbers");
static_assert(httpc::kEncoding == HTTPC_ERROR_ENCODING, "HTTPClient error numbers");
static_assert(httpc::kStreamWrite == HTTPC_ERROR_STREAM_WRITE, "HTTPClient error numbers");
static_assert(httpc::kReadTimeout == HTTPC_ERROR_READ_TIMEOUT, "HTTPClient error numbers");

namespace {

struct Request {
    uint32_t id;
    uint32_t timeout_ms;
};

// The task's stack: HTTPClient, WiFiClient and the JSON document live on the heap; 8 kB covers the rest.
constexpr uint32_t kTaskStackBytes = 8192;
// Core 0 runs the WiFi stack; the Arduino loop (drawing) runs on core 1.
constexpr BaseType_t kTaskCore = 0;
constexpr UBaseType_t kTaskPriority = 1;
// The task wakes at least this often to feed the task watchdog while idle.
constexpr TickType_t kIdleWaitTicks = pdMS_TO_TICKS(1000);

// Body buffer: one body at a time, in the task only; +1 for the NUL readBody() appends.
char g_body[kMaxBodyBytes + 1];

void copyStr(char* dst, size_t cap, const char* src) {
    if (cap == 0) return;
    size_t n = src ? strnlen(src, cap - 1) : 0;
    memcpy(dst, src ? src : "", n);
    dst[n] = '\0';
}

// readBody()'s Source over the HTTPClient's connection (WiFiClient: available(), read(buf, n), connected()).
struct ClientSource {
    WiFiClient* c;
    int available() { return c->available(); }
    int read(uint8_t* buf, size_t n) { return c->read(buf, n); }
    bool connected() { return c->connected() != 0; }
};

}  // namespace

bool PollClient::begin(const char* configured_url, const char* configured_token) {
    copyStr(configured_url_, sizeof configured_url_, configured_url);
    copyStr(configured_token_, sizeof configured_token_, configured_token);
    override_url_[0] = '\0';
    override_token_[0] = '\0';
    override_token_set_ = false;
    override_no_token_ = false;
    discovered_url_[0] = '\0';
    mutex_ = xSemaphoreCreateMutex();
    requests_ = xQueueCreate(1, sizeof(Request));
    results_ = xQueueCreate(1, sizeof(PollResult));
    if (!mutex_ || !requests_ || !results_) return false;
    // xTaskCreatePinnedToCore(fn, name, stack bytes (ESP-IDF counts bytes), arg, priority, handle, core)
    return xTaskCreatePinnedToCore(&PollClient::taskEntry, "gauge-poll", kTaskStackBytes, this, kTaskPriority,
                                   nullptr, kTaskCore) == pdPASS;
}

uint32_t PollClient::requestPoll(uint32_t timeout_ms) {
    if (busy_) return 0;
    Request req{next_id_++, timeout_ms};
    if (next_id_ == 0) next_id_ = 1;  // 0 means "not started"
    // Set busy before the task can see the request, so two calls in a row cannot both succeed.
    busy_ = true;
    if (xQueueSend(static_cast<QueueHandle_t>(requests_), &req, 0) != pdTRUE) {
        busy_ = false;
        return 0;
    }
    return req.id;
}

bool PollClient::takeResult(PollResult& out) {
    return xQueueReceive(static_cast<QueueHandle_t>(results_), &out, 0) == pdTRUE;
}

void PollClient::setUrlOverride(const char* url) {
    xSemaphoreTake(static_cast<SemaphoreHandle_t>(mutex_), portMAX_DELAY);
    copyStr(override_url_, sizeof override_url_, url);
    xSemaphoreGive(static_cast<SemaphoreHandle_t>(mutex_));
}

void PollClient::setTokenOverride(const char* token, bool send_none) {
    xSemaphoreTake(static_cast<SemaphoreHandle_t>(mutex_), portMAX_DELAY);
    copyStr(override_token_, sizeof override_token_, token);
    override_token_set_ = send_none || (token && token[0] != '\0');
    override_no_token_ = send_none;
    xSemaphoreGive(static_cast<SemaphoreHandle_t>(mutex_));
}

void PollClient::describe(char* url, size_t url_cap, const char** source) const {
    xSemaphoreTake(static_cast<SemaphoreHandle_t>(mutex_), portMAX_DELAY);
    if (override_url_[0]) {
        copyStr(url, url_cap, override_url_);
        *source = "serial";
    } else if (configured_url_[0]) {
        copyStr(url, url_cap, configured_url_);
        *source = "config";
    } else {
        copyStr(url, url_cap, discovered_url_);
        *source = "mdns";
    }
    xSemaphoreGive(static_cast<SemaphoreHandle_t>(mutex_));
}

void PollClient::taskEntry(void* self) {
    static_cast<PollClient*>(self)->run();
}

void PollClient::run() {
    // Watch this task too: every request is bounded (connect/response timeouts, body deadline, 3 s mDNS
    // query), so silence for kWatchdogTimeoutS means the network stack is wedged and a reboot is the cure.
    esp_task_wdt_add(nullptr);
    static PollResult result;  // ~300 bytes: keep it off the task stack
    for (;;) {
        esp_task_wdt_reset();
        Request req;
        if (xQueueReceive(static_cast<QueueHandle_t>(requests_), &req, kIdleWaitTicks) != pdTRUE) continue;
        const uint32_t t0 = millis();
        memset(&result, 0, sizeof result);
        result.id = req.id;
        handle(req.id, req.timeout_ms, result);
        result.elapsed_ms = millis() - t0;
        // Not busy before the result is visible: the main loop may start the next request as soon as it has
        // read this one, and must not find the task still marked busy. (A request started in between, after
        // the core gave up on this one, simply queues behind it; the main loop tells results apart by id.)
        busy_ = false;
        // Single slot: the main loop takes each result before the core starts the next request.
        xQueueOverwrite(static_cast<QueueHandle_t>(results_), &result);
    }
}

bool PollClient::discover() {
    // ESPmDNS (arduino-esp32 2.0.x): queryService() blocks up to 3 s and returns the number of answers;
    // IP(i)/port(i)/txt(i, key) read them. It prefixes the underscores itself (_claude-gauge._tcp).
    const int n = MDNS.queryService(kDaemonService, kDaemonProto);
    for (int i = 0; i < n; ++i) {
        IPAddress ip = MDNS.IP(i);
        const uint16_t port = MDNS.port(i);
        if (port == 0) continue;
        // An answer without an A record: resolve its host name (queryHost, 2 s at most).
        if (ip == IPAddress(0, 0, 0, 0)) {
            const String host = MDNS.hostname(i);
            if (host.length() > 0) ip = MDNS.queryHost(host.c_str(), 2000);
            if (ip == IPAddress(0, 0, 0, 0)) continue;
        }
        // The daemon's TXT record says where the payload is (host/src/mdns.ts: path=/usage).
        String path = MDNS.txt(i, "path");
        if (path.length() == 0 || path[0] != '/' || path.length() > 64) path = kDaemonPath;
        char url[160];
        snprintf(url, sizeof url, "http://%u.%u.%u.%u:%u%s", ip[0], ip[1], ip[2], ip[3], port, path.c_str());
        xSemaphoreTake(static_cast<SemaphoreHandle_t>(mutex_), portMAX_DELAY);
        copyStr(discovered_url_, sizeof discovered_url_, url);
        xSemaphoreGive(static_cast<SemaphoreHandle_t>(mutex_));
        // TXT auth=bearer: the daemon was started with --token; without one every poll would be Unauthorized.
        const bool wants_token = MDNS.txt(i, "auth") == String("bearer");
        Serial.printf("# mdns: daemon at %s%s\n", url,
                      wants_token ? " (it requires a token: set GAUGE_DAEMON_TOKEN or use the portal)" : "");
        return true;
    }
    Serial.printf("# mdns: no _%s._%s service answered\n", kDaemonService, kDaemonProto);
    return false;
}

bool PollClient::resolveUrl(char* url, size_t cap) {
    const char* source = "";
    describe(url, cap, &source);
    if (strcmp(source, "mdns") != 0) return url[0] != '\0';
    // Found by mDNS: look it up once at boot, then only when the core asks (wantsRediscovery() after a run of
    // network failures) -- never on every poll. Until then a missing URL fails fast as ConnectFailed, which
    // is what makes the core ask again. A lookup that finds nothing keeps the last known URL (the daemon may
    // only be restarting).
    if (rediscover_ || !lookup_done_) {
        rediscover_ = false;
        lookup_done_ = true;
        if (discover()) describe(url, cap, &source);
    }
    return url[0] != '\0';
}

void PollClient::handle(uint32_t, uint32_t timeout_ms, PollResult& r) {
    r.status = DecodeStatus::NotStarted;
    if (WiFi.status() != WL_CONNECTED) {
        r.outcome = PollOutcome::ConnectFailed;
        return;
    }
    char url[160];
    if (!resolveUrl(url, sizeof url)) {
        r.outcome = PollOutcome::ConnectFailed;
        return;
    }
    // Each phase is bounded (mDNS <= 5 s above, the request below by its timeouts plus any DNS lookup of a
    // host name), but not necessarily their sum within the watchdog period: feed it between them.
    esp_task_wdt_reset();
    char token[96];
    xSemaphoreTake(static_cast<SemaphoreHandle_t>(mutex_), portMAX_DELAY);
    if (override_token_set_)
        copyStr(token, sizeof token, override_no_token_ ? "" : override_token_);
    else
        copyStr(token, sizeof token, configured_token_);
    xSemaphoreGive(static_cast<SemaphoreHandle_t>(mutex_));

    // One connection reused across polls (keep-alive): the WiFiClient must outlive the HTTPClient's use of
    // it (HTTPClient.h: "you need to ensure the client object lives the entire time of the HTTPClient").
    static WiFiClient client;
    static HTTPClient http;
    static char connected_url[160] = "";
    const uint32_t t0 = millis();
    // HTTPClient reuses whatever connection is open, whatever host begin() was given: a new URL (serial
    // override, rediscovery) must not go down the old daemon's socket.
    if (strcmp(connected_url, url) != 0) {
        client.stop();
        copyStr(connected_url, sizeof connected_url, url);
    }
    if (!http.begin(client, url)) {  // only fails on a URL it cannot parse
        r.outcome = PollOutcome::ConnectFailed;
        return;
    }
    http.setReuse(true);                                       // "Connection: keep-alive"
    http.setConnectTimeout(static_cast<int32_t>(timeout_ms));  // TCP connect, ms
    http.setTimeout(static_cast<uint16_t>(timeout_ms > 65535 ? 65535 : timeout_ms));  // response, ms
    http.setUserAgent("claude-gauge-esp32");
    http.addHeader("Accept", "application/json");
    if (token[0]) http.addHeader("Authorization", String("Bearer ") + token);
    static bool collecting = false;
    if (!collecting) {  // the key list persists across requests; setting it again would reallocate it
        static const char* keys[] = {"Transfer-Encoding"};
        http.collectHeaders(keys, 1);
        collecting = true;
    }

    r.http_code = http.GET();
    const HttpVerdict verdict = classifyHttpResult(r.http_code);
    bool drop_connection = !verdict.read_body;  // an error body left unread would corrupt the next response
    if (!verdict.read_body) {
        r.outcome = verdict.outcome;
    } else {
        WiFiClient* stream = http.getStreamPtr();
        const uint32_t spent = millis() - t0;
        const uint32_t left = spent < timeout_ms ? timeout_ms - spent : 0;
        const String te = http.header("Transfer-Encoding");
        size_t len = 0;
        BodyStatus body = BodyStatus::Truncated;  // no stream: the connection is already gone
        if (stream) {
            ClientSource src{stream};
            auto clock = [] { return static_cast<uint32_t>(millis()); };
            auto idle = [] { vTaskDelay(1); };
            // HTTPClient lets only "chunked" (and, in some 2.0.x releases, "identity") through; any other
            // Transfer-Encoding already failed GET() with HTTPC_ERROR_ENCODING.
            if (isChunked(te.c_str()))
                body = readChunkedBody(src, g_body, sizeof g_body, left, clock, idle, &len);
            else if (te.length() == 0 || te.equalsIgnoreCase("identity"))
                body = readBody(src, g_body, sizeof g_body, static_cast<long>(http.getSize()), left, clock,
                                idle, &len);
            else
                body = BodyStatus::Malformed;
        }
        if (body == BodyStatus::Complete) {
            static UsageDecoder decoder;
            const BodyDecode d = decodeUsageBody(g_body, len, decoder, r.usage);
            r.outcome = d.outcome;
            r.status = d.status;
            r.json_error = d.json_error;
        } else {
            r.outcome = bodyFailureOutcome(body);
            drop_connection = true;
        }
    }
    if (drop_connection) client.stop();
    http.end();  // keeps the connection open for reuse unless it was stopped above or the server closed it
}

}  // namespace esp32
}  // namespace gauge
