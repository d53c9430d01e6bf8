// Arduino.h before anything that includes <lwip/sockets.h> (poll_task.h -> socket_transport.h): lwIP's
// INADDR_NONE macro would otherwise break IPAddress.h's declaration of the same name.
#include <Arduino.h>

#include "poll_task.h"

#include <WiFi.h>
#include <freertos/FreeRTOS.h>
#include <freertos/queue.h>
#include <freertos/semphr.h>
#include <freertos/task.h>
#include <lwip/def.h>
#include <lwip/dns.h>
#include <lwip/ip_addr.h>
#include <lwip/tcpip.h>
#include <mdns.h>

#include "console.h"
#include "usage_json.h"

namespace gauge {
namespace esp32 {

namespace {

struct Request {
    uint32_t id;
    uint32_t budget_ms;
};

// The task's stack. The session, the body buffer, the result and the JSON document live elsewhere (static
// storage and the heap); `info` and `# heap` report what is left at the worst moment (poll_stack_free).
constexpr uint32_t kTaskStackBytes = 8192;
// Core 0 runs the WiFi stack; the Arduino loop (drawing) runs on core 1.
constexpr BaseType_t kTaskCore = 0;
constexpr UBaseType_t kTaskPriority = 1;

// Everything the task uses is static: begin() cannot run out of heap.
StaticSemaphore_t g_mutex_buf;
StaticQueue_t g_requests_buf;
uint8_t g_requests_storage[sizeof(Request)];
StaticQueue_t g_results_buf;
uint8_t g_results_storage[sizeof(PollResult)];
StaticTask_t g_task_buf;
StackType_t g_task_stack[kTaskStackBytes];  // ESP-IDF: StackType_t is a byte, stack depth is in bytes

// One body at a time, in the task only; +1 for the NUL the readers append.
char g_body[cfg::kMaxBodyBytes + 1];
PollClient* g_client = nullptr;  // for the heartbeat from inside the session's waits

void copyStr(char* dst, size_t cap, const char* src) {
    if (cap == 0) return;
    const size_t n = src ? strnlen(src, cap - 1) : 0;
    memcpy(dst, src ? src : "", n);
    dst[n] = '\0';
}

// ---- DNS without blocking: lwIP's asynchronous resolver, called in the tcpip thread (tcpip_try_callback),
// polled from the poll task. WiFiGenericClass::hostByName() waited up to 16 s + 15 s for the same resolver.
// A lookup that outlives a request keeps running in lwIP; the next request picks up its answer (lwIP also
// caches answers for their TTL) instead of starting another one.
enum class DnsState : uint8_t { Idle, Queued, Pending, Done, Failed };
struct DnsSlot {
    char host[kMaxUrlBytes + 1];  // written by the poll task only while state != Queued
    DnsState state;
    uint32_t ip;          // a.b.c.d as a << 24 | ...
    uint32_t generation;  // ties an lwIP callback to the lookup that asked for it
};
DnsSlot g_dns = {{0}, DnsState::Idle, 0, 0};
portMUX_TYPE g_dns_mux = portMUX_INITIALIZER_UNLOCKED;

// lwIP dns_found_callback, in the tcpip thread.
void dnsFound(const char*, const ip_addr_t* addr, void* arg) {
    const uint32_t gen = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(arg));
    portENTER_CRITICAL(&g_dns_mux);
    // Queued too: should lwIP ever call back before dns_gethostbyname() returned, the answer still counts.
    if (gen == g_dns.generation && (g_dns.state == DnsState::Pending || g_dns.state == DnsState::Queued)) {
        if (addr != nullptr && IP_IS_V4(addr)) {
            g_dns.ip = lwip_ntohl(ip_2_ip4(addr)->addr);
            g_dns.state = DnsState::Done;
        } else {
            g_dns.state = DnsState::Failed;
        }
    }
    portEXIT_CRITICAL(&g_dns_mux);
}

// tcpip_callback_fn, in the tcpip thread.
void dnsStart(void* arg) {
    const uint32_t gen = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(arg));
    ip_addr_t addr;
    const err_t err = dns_gethostbyname(g_dns.host, &addr, &dnsFound, arg);
    portENTER_CRITICAL(&g_dns_mux);
    if (gen == g_dns.generation && g_dns.state == DnsState::Queued) {
        if (err == ERR_OK && IP_IS_V4(&addr)) {
            g_dns.ip = lwip_ntohl(ip_2_ip4(&addr)->addr);  // a literal, a local name or lwIP's cache
            g_dns.state = DnsState::Done;
        } else if (err == ERR_INPROGRESS) {
            g_dns.state = DnsState::Pending;  // dnsFound() follows
        } else {
            g_dns.state = DnsState::Failed;
        }
    }
    portEXIT_CRITICAL(&g_dns_mux);
}

ResolveState resolveHost(const char* host, uint32_t* ip) {
    portENTER_CRITICAL(&g_dns_mux);
    const DnsState st = g_dns.state;
    const bool same = strcmp(host, g_dns.host) == 0;
    if (same && st == DnsState::Done) {
        *ip = g_dns.ip;
        g_dns.state = DnsState::Idle;  // used once: the next connection asks lwIP (and its cache) again
        portEXIT_CRITICAL(&g_dns_mux);
        return ResolveState::Done;
    }
    if (same && st == DnsState::Failed) {
        g_dns.state = DnsState::Idle;
        portEXIT_CRITICAL(&g_dns_mux);
        return ResolveState::Failed;
    }
    if (st == DnsState::Queued || (same && st == DnsState::Pending)) {
        portEXIT_CRITICAL(&g_dns_mux);
        return ResolveState::Pending;
    }
    copyStr(g_dns.host, sizeof g_dns.host, host);
    const uint32_t gen = ++g_dns.generation;
    g_dns.state = DnsState::Queued;
    portEXIT_CRITICAL(&g_dns_mux);
    if (tcpip_try_callback(&dnsStart, reinterpret_cast<void*>(static_cast<uintptr_t>(gen))) != ERR_OK) {
        portENTER_CRITICAL(&g_dns_mux);
        if (gen == g_dns.generation) g_dns.state = DnsState::Idle;  // tcpip mailbox full: try next time
        portEXIT_CRITICAL(&g_dns_mux);
    }
    return ResolveState::Pending;
}

// ---- mDNS without blocking: ESP-IDF 4.4's asynchronous queries (mdns.h). The queries run inside the mDNS
// task for their own lifetime; the poll task only looks whether they finished.
mdns_search_once_t* g_service_query = nullptr;
mdns_search_once_t* g_host_query = nullptr;

uint32_t firstIpv4(const mdns_ip_addr_t* a) {
    for (; a != nullptr; a = a->next)
        if (a->addr.type == ESP_IPADDR_TYPE_V4 && a->addr.u_addr.ip4.addr != 0)
            return lwip_ntohl(a->addr.u_addr.ip4.addr);
    return 0;
}

void txtValue(const mdns_result_t* r, const char* key, char* out, size_t cap) {
    out[0] = '\0';
    for (size_t i = 0; i < r->txt_count; ++i) {
        if (r->txt[i].key == nullptr || strcmp(r->txt[i].key, key) != 0 || r->txt[i].value == nullptr)
            continue;
        size_t n = r->txt_value_len ? r->txt_value_len[i] : strlen(r->txt[i].value);
        if (n >= cap) return;  // too long to be a path we would use
        memcpy(out, r->txt[i].value, n);
        out[n] = '\0';
        return;
    }
}

// The SessionNet the PollSession runs over: one socket, the resolver above, the mDNS queries, millis().
struct LwipNet {
    SocketTransport sock;

    uint32_t now() { return millis(); }
    bool linkUp() { return WiFi.status() == WL_CONNECTED; }
    ResolveState resolve(const char* host, uint32_t* ip) { return resolveHost(host, ip); }
    void pause(uint32_t ms) {
        g_client->beat();
        const TickType_t t = pdMS_TO_TICKS(ms);
        vTaskDelay(t > 0 ? t : 1);
        g_client->beat();
    }
    bool open(uint32_t ip, uint16_t port) { return sock.open(ip, port); }
    ConnectState connectState() { return sock.connectState(); }
    int send(const uint8_t* p, size_t n) { return sock.send(p, n); }
    int recv(uint8_t* p, size_t n) { return sock.recv(p, n); }
    void wait(WaitFor w, uint32_t ms) {
        g_client->beat();
        if (sock.isOpen())
            sock.wait(w, ms);
        else
            pause(ms);
        g_client->beat();
    }
    void close() { sock.close(); }
    bool isOpen() const { return sock.isOpen(); }
    int lastError() const { return sock.lastError(); }

    bool mdnsServiceStart() {
        if (g_service_query != nullptr) return true;  // one already runs
        char service[40];
        snprintf(service, sizeof service, "_%s", kDaemonService);
        char proto[8];
        snprintf(proto, sizeof proto, "_%s", kDaemonProto);
        // mdns_query_async_new(name, service, proto, type, timeout ms, max results, notifier): NULL when mDNS
        // is not running (MDNS.begin() failed) or out of memory.
        g_service_query = mdns_query_async_new(nullptr, service, proto, MDNS_TYPE_PTR, kMdnsServiceQueryMs,
                                               DaemonFinder::kMaxAnswers, nullptr);
        return g_service_query != nullptr;
    }
    QueryState mdnsServicePoll(MdnsAnswer* out, size_t cap, size_t* n) {
        *n = 0;
        if (g_service_query == nullptr) return QueryState::Failed;
        mdns_result_t* results = nullptr;
        // Timeout 0: only looks whether the query has finished.
        if (!mdns_query_async_get_results(g_service_query, 0, &results)) return QueryState::Running;
        for (const mdns_result_t* r = results; r != nullptr && *n < cap; r = r->next) {
            MdnsAnswer& a = out[(*n)++];
            memset(&a, 0, sizeof a);
            a.ip = firstIpv4(r->addr);
            a.port = r->port;
            copyStr(a.host, sizeof a.host, r->hostname);
            txtValue(r, "path", a.path, sizeof a.path);
            char auth[16];
            txtValue(r, "auth", auth, sizeof auth);
            a.bearer = strcmp(auth, "bearer") == 0;
        }
        mdns_query_results_free(results);
        mdns_query_async_delete(g_service_query);
        g_service_query = nullptr;
        return QueryState::Done;
    }
    bool mdnsHostStart(const char* host) {
        if (g_host_query != nullptr) return true;
        g_host_query =
            mdns_query_async_new(host, nullptr, nullptr, MDNS_TYPE_A, kMdnsHostQueryMs, 1, nullptr);
        return g_host_query != nullptr;
    }
    QueryState mdnsHostPoll(uint32_t* ip) {
        *ip = 0;
        if (g_host_query == nullptr) return QueryState::Failed;
        mdns_result_t* results = nullptr;
        if (!mdns_query_async_get_results(g_host_query, 0, &results)) return QueryState::Running;
        for (const mdns_result_t* r = results; r != nullptr && *ip == 0; r = r->next)
            *ip = firstIpv4(r->addr);
        mdns_query_results_free(results);
        mdns_query_async_delete(g_host_query);
        g_host_query = nullptr;
        return QueryState::Done;
    }
};

LwipNet g_net;
PollSession<LwipNet> g_session(g_net);

// ArduinoJson and the core's decoder, as the session's Decode.
struct JsonDecode {
    UsageDecoder decoder;
    BodyDecode operator()(const char* body, size_t len, Usage& out) {
        return decodeUsageBody(body, len, decoder, out);
    }
};
JsonDecode g_decode;

FinderEvent logFinder() {
    const FinderEvent e = g_session.finder().takeEvent();
    switch (e) {
        case FinderEvent::None:
        case FinderEvent::Started:
            break;
        case FinderEvent::Found:
            // TXT auth=bearer: the daemon was started with --token; without one every poll is Unauthorized.
            consolef("mdns: daemon at %s%s", g_session.finder().url(),
                     g_session.finder().wantsToken()
                         ? " (it requires a token: set GAUGE_DAEMON_TOKEN or use the portal)"
                         : "");
            break;
        case FinderEvent::NotFound:
            consolef("mdns: no _%s._%s service answered%s", kDaemonService, kDaemonProto,
                     g_session.finder().url()[0] ? " (keeping the last address)" : "");
            break;
        case FinderEvent::NoAddress:
            consolef("mdns: the daemon's host name did not resolve");
            break;
        case FinderEvent::StartFailed:
            consolef("mdns: query refused (is the mDNS responder running?)");
            break;
    }
    return e;
}

void taskEntry(void* self) {
    static_cast<PollClient*>(self)->run();
}

}  // namespace

bool PollClient::begin(const char* configured_url, const char* configured_token) {
    if (started_) return false;
    copyStr(configured_url_, sizeof configured_url_, configured_url);
    copyStr(configured_token_, sizeof configured_token_, configured_token);
    override_url_[0] = '\0';
    override_token_[0] = '\0';
    discovered_url_[0] = '\0';
    g_client = this;
    heartbeat_ms_ = millis();
    // Static creation: with non-null buffers these cannot fail.
    mutex_ = xSemaphoreCreateMutexStatic(&g_mutex_buf);
    requests_ = xQueueCreateStatic(1, sizeof(Request), g_requests_storage, &g_requests_buf);
    results_ = xQueueCreateStatic(1, sizeof(PollResult), g_results_storage, &g_results_buf);
    // xTaskCreateStaticPinnedToCore(fn, name, stack depth (bytes on ESP-IDF), arg, priority, stack, TCB,
    // core)
    task_ = xTaskCreateStaticPinnedToCore(&taskEntry, "gauge-poll", kTaskStackBytes, this, kTaskPriority,
                                          g_task_stack, &g_task_buf, kTaskCore);
    started_ = mutex_ != nullptr && requests_ != nullptr && results_ != nullptr && task_ != nullptr;
    return started_;
}

uint32_t PollClient::requestPoll(uint32_t budget_ms) {
    if (!started_ || busy_) return 0;
    Request req{next_id_++, budget_ms};
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
    if (!started_) return false;
    return xQueueReceive(static_cast<QueueHandle_t>(results_), &out, 0) == pdTRUE;
}

void PollClient::setUrlOverride(const char* url) {
    if (!started_) return;
    xSemaphoreTake(static_cast<SemaphoreHandle_t>(mutex_), portMAX_DELAY);
    copyStr(override_url_, sizeof override_url_, url);
    xSemaphoreGive(static_cast<SemaphoreHandle_t>(mutex_));
}

void PollClient::setTokenOverride(const char* token, bool send_none) {
    if (!started_) return;
    xSemaphoreTake(static_cast<SemaphoreHandle_t>(mutex_), portMAX_DELAY);
    copyStr(override_token_, sizeof override_token_, token);
    override_token_set_ = send_none || (token && token[0] != '\0');
    override_no_token_ = send_none;
    xSemaphoreGive(static_cast<SemaphoreHandle_t>(mutex_));
}

void PollClient::describe(char* url, size_t url_cap, const char** source) const {
    if (!started_) {
        copyStr(url, url_cap, configured_url_);
        *source = configured_url_[0] ? "config" : "mdns";
        return;
    }
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

uint32_t PollClient::stackFreeBytes() const {
    if (!started_) return 0;
    // ESP-IDF FreeRTOS: StackType_t is uint8_t, so the high-water mark is in bytes.
    return static_cast<uint32_t>(uxTaskGetStackHighWaterMark(static_cast<TaskHandle_t>(task_)));
}

void PollClient::noteFinder() {
    if (logFinder() != FinderEvent::Found) return;
    xSemaphoreTake(static_cast<SemaphoreHandle_t>(mutex_), portMAX_DELAY);
    copyStr(discovered_url_, sizeof discovered_url_, g_session.finder().url());
    xSemaphoreGive(static_cast<SemaphoreHandle_t>(mutex_));
}

void PollClient::beat() {
    heartbeat_ms_ = millis();
}

void PollClient::run() {
    static PollResult result;  // ~300 bytes: keep it off the task stack
    for (;;) {
        beat();
        Request req;
        if (xQueueReceive(static_cast<QueueHandle_t>(requests_), &req, pdMS_TO_TICKS(kPollIdleBeatMs)) !=
            pdTRUE) {
            g_session.idle();  // discovery keeps going between requests
            noteFinder();
            continue;
        }
        memset(&result, 0, sizeof result);
        result.id = req.id;
        handle(req.id, req.budget_ms, result);
        // Not busy before the result is visible: the main loop may start the next request as soon as it has
        // read this one, and must not find the task still marked busy. (A request started in between, after
        // the core gave up on this one, simply queues behind it; the main loop tells results apart by id.)
        busy_ = false;
        // Single slot: the main loop takes each result before the core starts the next request.
        xQueueOverwrite(static_cast<QueueHandle_t>(results_), &result);
    }
}

void PollClient::handle(uint32_t, uint32_t budget_ms, PollResult& r) {
    char url[kMaxUrlBytes + 1];
    char token[kMaxTokenBytes + 1];
    bool from_mdns = false;
    xSemaphoreTake(static_cast<SemaphoreHandle_t>(mutex_), portMAX_DELAY);
    if (override_url_[0])
        copyStr(url, sizeof url, override_url_);
    else
        copyStr(url, sizeof url, configured_url_);
    from_mdns = url[0] == '\0';
    if (override_token_set_)
        copyStr(token, sizeof token, override_no_token_ ? "" : override_token_);
    else
        copyStr(token, sizeof token, configured_token_);
    xSemaphoreGive(static_cast<SemaphoreHandle_t>(mutex_));

    // Found by mDNS: looked up once at boot, then only when asked (the core's wantsRediscovery() after a run
    // of network failures, or `rediscover`) -- never on every poll.
    static bool first = true;
    if (from_mdns && (first || rediscover_)) g_session.finder().want();
    if (from_mdns) first = false;
    rediscover_ = false;

    PollReport report;
    g_session.run(url, token, budget_ms, g_body, sizeof g_body, g_decode, r.usage, &report);
    noteFinder();
    r.outcome = report.outcome;
    r.phase = report.phase;
    r.status = report.status;
    r.http_status = report.http_status;
    r.json_error = report.json_error;
    r.sys_error = report.sys_error;
    r.elapsed_ms = report.elapsed_ms;
    r.reused = report.reused;
}

}  // namespace esp32
}  // namespace gauge
