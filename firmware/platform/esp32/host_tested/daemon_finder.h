// Finding the daemon by mDNS (_claude-gauge._tcp) without ever blocking the poll task: a lookup runs as an
// asynchronous query inside the mDNS stack; step() only starts it and collects its answers, so a lookup
// costs no request any time (ESPmDNS's queryService() blocked 3 s, plus 2 s per answer without an address,
// up to 20 answers). Header only and Arduino-free; the glue provides the queries (ESP-IDF
// mdns_query_async_new / mdns_query_async_get_results).
//
// Net (template parameter) provides:
//   bool mdnsServiceStart();                                  // start the PTR query; false: mDNS not running
//   QueryState mdnsServicePoll(MdnsAnswer* out, size_t cap, size_t* n);   // never blocks
//   bool mdnsHostStart(const char* host);                     // A query for an answer without an address
//   QueryState mdnsHostPoll(uint32_t* ip);                    // Done with *ip = 0 when nobody answered
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "app_config.h"
#include "http_request.h"

namespace gauge {
namespace esp32 {

enum class QueryState : uint8_t { Running, Done, Failed };

// One service answer, copied out of the mDNS stack's result list.
struct MdnsAnswer {
    uint32_t ip;    // IPv4 a.b.c.d as a << 24 | ...; 0 = the answer carried no address
    uint16_t port;  // SRV port; 0 = no SRV record
    char host[64];  // SRV target host name (without ".local"), for the A query when ip == 0
    char path[65];  // TXT path=..., "" when absent
    bool bearer;    // TXT auth=bearer: the daemon was started with --token
};

// What the last step() did, for the glue's log.
enum class FinderEvent : uint8_t {
    None,
    Started,     // a lookup began
    Found,       // url() is the daemon's (new or confirmed)
    NotFound,    // nobody answered; url() keeps the last known address (the daemon may be restarting)
    NoAddress,   // the answer's host did not resolve
    StartFailed  // the mDNS stack refused the query (not running, out of memory)
};

class DaemonFinder {
  public:
    DaemonFinder()
        : state_(State::Idle), wanted_(false), bearer_(false), lookups_(0), event_(FinderEvent::None) {
        url_[0] = '\0';
    }

    // Asks for a lookup (at boot, when the core's Poller wants rediscovery, on the serial `rediscover`). A
    // lookup already running is not restarted.
    void want() { wanted_ = true; }
    bool busy() const { return state_ != State::Idle || wanted_; }
    const char* url() const { return url_; }
    bool wantsToken() const { return bearer_; }
    uint32_t lookups() const { return lookups_; }
    // The last event since the previous call (then None until something happens).
    FinderEvent takeEvent() {
        const FinderEvent e = event_;
        event_ = FinderEvent::None;
        return e;
    }

    // Makes progress without blocking; call it before each request and while the task is idle.
    template <typename Net>
    void step(Net& net) {
        switch (state_) {
            case State::Idle:
                if (!wanted_) return;
                wanted_ = false;
                ++lookups_;
                if (!net.mdnsServiceStart()) {
                    event_ = FinderEvent::StartFailed;
                    return;
                }
                state_ = State::Service;
                event_ = FinderEvent::Started;
                return;
            case State::Service: {
                size_t n = 0;
                const QueryState q = net.mdnsServicePoll(answers_, kMaxAnswers, &n);
                if (q == QueryState::Running) return;
                state_ = State::Idle;
                if (q == QueryState::Failed) {
                    event_ = FinderEvent::NotFound;
                    return;
                }
                // The first answer with a port and either an address or a host name to resolve.
                for (size_t i = 0; i < n && i < kMaxAnswers; ++i) {
                    const MdnsAnswer& a = answers_[i];
                    if (a.port == 0) continue;
                    if (a.ip != 0) {
                        adopt(a, a.ip);
                        return;
                    }
                    if (a.host[0] && net.mdnsHostStart(a.host)) {
                        pick_ = a;
                        state_ = State::Host;
                        return;
                    }
                }
                event_ = FinderEvent::NotFound;
                return;
            }
            case State::Host: {
                uint32_t ip = 0;
                const QueryState q = net.mdnsHostPoll(&ip);
                if (q == QueryState::Running) return;
                state_ = State::Idle;
                if (q == QueryState::Done && ip != 0)
                    adopt(pick_, ip);
                else
                    event_ = FinderEvent::NoAddress;
                return;
            }
        }
    }

    static constexpr size_t kMaxAnswers = 4;

  private:
    enum class State : uint8_t { Idle, Service, Host };

    void adopt(const MdnsAnswer& a, uint32_t ip) {
        // The daemon's TXT record says where the payload is (host/src/mdns.ts: path=/usage); anything that
        // would not make a valid URL falls back to the default path.
        char url[kMaxUrlBytes + 1];
        const char* path = a.path[0] == '/' ? a.path : kDaemonPath;
        int n = snprintf(url, sizeof url, "http://%u.%u.%u.%u:%u%s", static_cast<unsigned>(ip >> 24),
                         static_cast<unsigned>((ip >> 16) & 0xFF), static_cast<unsigned>((ip >> 8) & 0xFF),
                         static_cast<unsigned>(ip & 0xFF), static_cast<unsigned>(a.port), path);
        DaemonUrl check;
        if (n <= 0 || static_cast<size_t>(n) >= sizeof url || !parseDaemonUrl(url, &check))
            n = snprintf(url, sizeof url, "http://%u.%u.%u.%u:%u%s", static_cast<unsigned>(ip >> 24),
                         static_cast<unsigned>((ip >> 16) & 0xFF), static_cast<unsigned>((ip >> 8) & 0xFF),
                         static_cast<unsigned>(ip & 0xFF), static_cast<unsigned>(a.port), kDaemonPath);
        memcpy(url_, url, sizeof url_);
        url_[sizeof url_ - 1] = '\0';
        bearer_ = a.bearer;
        event_ = FinderEvent::Found;
    }

    State state_;
    bool wanted_;
    bool bearer_;
    uint32_t lookups_;
    FinderEvent event_;
    MdnsAnswer answers_[kMaxAnswers];
    MdnsAnswer pick_;
    char url_[kMaxUrlBytes + 1];
};

}  // namespace esp32
}  // namespace gauge
