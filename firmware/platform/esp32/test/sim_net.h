// A simulated network with a driven clock, for PollSession (poll_session.h): one daemon whose behaviour is a
// function of time (healthy, refusing, black-holed, slow, trickling, stalling after the head, flapping),
// a DNS server, an mDNS responder and the WiFi link. Time only moves inside wait()/pause(), by at most what
// they were asked for, and stops early at the next scheduled event -- exactly what the ESP32's select() and
// vTaskDelay() do. Test-only.
#pragma once

#include <stdint.h>
#include <string.h>

#include <functional>
#include <string>

#include "poll_session.h"

namespace simnet {

using gauge::esp32::ConnectState;
using gauge::esp32::MdnsAnswer;
using gauge::esp32::QueryState;
using gauge::esp32::ResolveState;
using gauge::esp32::WaitFor;

constexpr uint32_t kNever = 0xFFFFFFFFu;

// What the daemon does with one connection attempt / one request, decided at that moment.
struct Behaviour {
    enum Kind { Healthy, Refuse, BlackHole, Silent, Slow, Trickle, StallAfterHead, NoContent, NotModified };
    Kind kind = Healthy;
    uint32_t latency_ms = 15;  // request -> first byte
    uint32_t interval_ms = 0;  // Trickle: one byte every interval
};

inline std::string payloadBody() {
    return "{\"v\":1,\"rate_1m\":600000,\"source\":\"sim\"}";
}

inline std::string okResponse(const std::string& body, bool keep_alive = true) {
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\nConnection: " + (keep_alive ? "keep-alive" : "close") +
           "\r\n\r\n" + body;
}

class SimNet {
  public:
    uint32_t t = 0;
    // The world, as functions of time.
    std::function<Behaviour(uint32_t)> daemon = [](uint32_t) { return Behaviour{}; };
    std::function<bool(uint32_t)> link = [](uint32_t) { return true; };
    uint32_t server_idle_close_ms = 5000;  // Node's default keepAliveTimeout
    uint32_t dns_delay_ms = 5;             // kNever: the DNS server never answers
    uint32_t dns_fail_after_ms = kNever;   // lwIP gives up on a silent server after this long
    uint32_t daemon_ip = (192u << 24) | (168u << 16) | (1u << 8) | 20u;
    uint32_t mdns_delay_ms = 80;  // kNever: nobody answers
    bool mdns_running = true;

    // Observations.
    uint32_t max_block_ms = 0;  // longest single wait()/pause(): the heartbeat gap inside a request
    uint32_t connects = 0;
    uint32_t requests_received = 0;
    uint32_t dns_lookups = 0;
    uint32_t mdns_queries = 0;

    uint32_t now() { return t; }
    bool linkUp() { return link(t); }

    ResolveState resolve(const char*, uint32_t* ip) {
        if (dns_state_ == DnsIdle) {
            dns_state_ = DnsPending;
            dns_started_ = t;
            ++dns_lookups;
        }
        if (dns_delay_ms != kNever && t - dns_started_ >= dns_delay_ms) {
            dns_state_ = DnsIdle;
            *ip = daemon_ip;
            return ResolveState::Done;
        }
        if (dns_fail_after_ms != kNever && t - dns_started_ >= dns_fail_after_ms) {
            dns_state_ = DnsIdle;
            return ResolveState::Failed;
        }
        return ResolveState::Pending;
    }

    void pause(uint32_t ms) { advance(ms, nextDnsEvent()); }

    bool open(uint32_t ip, uint16_t) {
        close();
        ++connects;
        if (ip != daemon_ip || !link(t)) {
            last_error_ = 113;  // EHOSTUNREACH
            return false;
        }
        const Behaviour b = daemon(t);
        conn_ = Conn{};
        conn_.open = true;
        conn_.ip = ip;
        if (b.kind == Behaviour::Refuse) {
            conn_.refused = true;
            conn_.connect_at = t + 2;  // the RST comes back after a round trip
        } else if (b.kind == Behaviour::BlackHole) {
            conn_.connect_at = kNever;
        } else {
            conn_.connect_at = t + 3;
        }
        conn_.last_activity = t;
        return true;
    }

    ConnectState connectState() {
        if (!conn_.open) return ConnectState::Failed;
        if (conn_.connect_at == kNever || t < conn_.connect_at) return ConnectState::Pending;
        if (conn_.refused) {
            last_error_ = 111;  // ECONNREFUSED
            return ConnectState::Failed;
        }
        return ConnectState::Connected;
    }

    int send(const uint8_t* p, size_t n) {
        if (!conn_.open || conn_.refused || !link(t)) return -1;
        serverTick();
        if (conn_.server_closed) return -1;  // the RST of a connection the server already dropped
        conn_.request.append(reinterpret_cast<const char*>(p), n);
        conn_.last_activity = t;
        const size_t end = conn_.request.find("\r\n\r\n");
        if (end != std::string::npos) {
            conn_.request.erase(0, end + 4);
            ++requests_received;
            respond(daemon(t));
        }
        return static_cast<int>(n);
    }

    int recv(uint8_t* p, size_t n) {
        if (!conn_.open) return -2;
        serverTick();
        if (conn_.pos < conn_.out.size() && t >= conn_.next_byte_at) {
            size_t k = conn_.out.size() - conn_.pos;
            if (conn_.interval_ms > 0) k = 1;
            if (k > n) k = n;
            memcpy(p, conn_.out.data() + conn_.pos, k);
            conn_.pos += k;
            conn_.next_byte_at = conn_.interval_ms > 0 ? t + conn_.interval_ms : t;
            conn_.last_activity = t;
            if (conn_.pos == conn_.out.size() && conn_.close_after) conn_.server_closed = true;
            return static_cast<int>(k);
        }
        if (conn_.server_closed && conn_.pos == conn_.out.size()) return -1;
        return 0;
    }

    void wait(WaitFor w, uint32_t ms) {
        uint32_t event = kNever;
        if (conn_.open) {
            if (w == WaitFor::Write && conn_.connect_at != kNever && conn_.connect_at > t)
                event = conn_.connect_at;
            if (w == WaitFor::Read && conn_.pos < conn_.out.size()) event = conn_.next_byte_at;
            if (w == WaitFor::Read && !conn_.server_closed && conn_.pos == conn_.out.size()) {
                const uint32_t idle_close = conn_.last_activity + server_idle_close_ms;
                if (idle_close < event) event = idle_close;
            }
        }
        advance(ms, event);
    }

    void close() { conn_ = Conn{}; }
    bool isOpen() const { return conn_.open; }
    int lastError() const { return last_error_; }

    // mDNS (DaemonFinder's Net).
    bool mdnsServiceStart() {
        if (!mdns_running) return false;
        if (!query_running_) {
            query_running_ = true;
            query_started_ = t;
            ++mdns_queries;
        }
        return true;
    }
    QueryState mdnsServicePoll(MdnsAnswer* out, size_t cap, size_t* n) {
        *n = 0;
        if (!query_running_) return QueryState::Failed;
        const uint32_t age = t - query_started_;
        if (age < gauge::esp32::kMdnsServiceQueryMs) return QueryState::Running;
        query_running_ = false;
        if (mdns_delay_ms != kNever && mdns_delay_ms < gauge::esp32::kMdnsServiceQueryMs && cap > 0 &&
            daemon(t).kind != Behaviour::Refuse) {
            MdnsAnswer& a = out[(*n)++];
            memset(&a, 0, sizeof a);
            a.ip = daemon_ip;
            a.port = 8787;
            strcpy(a.path, "/usage");
        }
        return QueryState::Done;
    }
    bool mdnsHostStart(const char*) { return false; }
    QueryState mdnsHostPoll(uint32_t* ip) {
        *ip = 0;
        return QueryState::Failed;
    }

  private:
    struct Conn {
        bool open = false;
        bool refused = false;
        uint32_t ip = 0;
        uint32_t connect_at = 0;
        std::string request;
        std::string out;
        size_t pos = 0;
        uint32_t next_byte_at = 0;
        uint32_t interval_ms = 0;
        bool close_after = false;
        bool server_closed = false;
        uint32_t last_activity = 0;
    };
    enum DnsState { DnsIdle, DnsPending };

    void respond(const Behaviour& b) {
        conn_.pos = 0;
        conn_.out.clear();
        conn_.interval_ms = 0;
        conn_.close_after = false;
        conn_.next_byte_at = t + b.latency_ms;
        switch (b.kind) {
            case Behaviour::Healthy:
            case Behaviour::Refuse:  // (refused connections never get here)
            case Behaviour::BlackHole:
                conn_.out = okResponse(payloadBody());
                break;
            case Behaviour::Silent:
                break;  // accepts, reads, never answers
            case Behaviour::Slow:
                conn_.out = okResponse(payloadBody());
                break;
            case Behaviour::Trickle:
                conn_.out = okResponse(payloadBody());
                conn_.interval_ms = b.interval_ms;
                break;
            case Behaviour::StallAfterHead: {
                const std::string full = okResponse(payloadBody());
                conn_.out = full.substr(0, full.find("\r\n\r\n") + 4);  // the head, then nothing
                break;
            }
            case Behaviour::NoContent:
                conn_.out = "HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n";
                break;
            case Behaviour::NotModified:
                conn_.out = "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\nConnection: keep-alive\r\n\r\n";
                break;
        }
    }

    // The server drops a connection idle for server_idle_close_ms, or when the daemon went away.
    void serverTick() {
        if (!conn_.open || conn_.server_closed) return;
        if (conn_.ip != daemon_ip) conn_.server_closed = true;  // the daemon moved to another address
        if (conn_.pos == conn_.out.size() && t - conn_.last_activity >= server_idle_close_ms)
            conn_.server_closed = true;
        if (conn_.connect_at != kNever && t >= conn_.connect_at && !conn_.refused) {
            const Behaviour b = daemon(t);
            if (b.kind == Behaviour::Refuse) conn_.server_closed = true;  // the daemon process died
        }
    }

    uint32_t nextDnsEvent() const {
        if (dns_state_ != DnsPending) return kNever;
        uint32_t e = kNever;
        if (dns_delay_ms != kNever) e = dns_started_ + dns_delay_ms;
        if (dns_fail_after_ms != kNever && dns_started_ + dns_fail_after_ms < e)
            e = dns_started_ + dns_fail_after_ms;
        return e;
    }

    void advance(uint32_t ms, uint32_t event) {
        uint32_t step = ms;
        if (event != kNever && event > t && event - t < step) step = event - t;
        if (ms > max_block_ms) max_block_ms = ms;
        t += step;
    }

    Conn conn_;
    int last_error_ = 0;
    DnsState dns_state_ = DnsIdle;
    uint32_t dns_started_ = 0;
    bool query_running_ = false;
    uint32_t query_started_ = 0;
};

}  // namespace simnet
