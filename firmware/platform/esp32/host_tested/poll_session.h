// One GET /usage under ONE deadline, end to end: the daemon's address (configured URL, else mDNS), DNS,
// connect, send, response head, body, decode. Every wait inside it is a slice of at most kIoSliceMs that
// never reaches past the deadline, so a dead, slow, trickling or silent daemon (or DNS server) costs at most
// the budget the core gave the request -- and the poll task comes back to its loop (and its heartbeat) at
// least every slice. One keep-alive connection is reused across requests. Header only and Arduino-free: the
// poll task runs it over lwIP; the native tests run it over a simulated network with a driven clock and over
// real loopback sockets.
//
// Net (template parameter) provides, none of it blocking longer than asked:
//   uint32_t now();                  // ms (millis())
//   bool linkUp();                   // WiFi associated with an address
//   ResolveState resolve(const char* host, uint32_t* ip);   // starts or continues one lookup
//   void pause(uint32_t ms);         // sleep (no socket to wait on)
//   bool open(uint32_t ip, uint16_t port); ConnectState connectState(); int send(const uint8_t*, size_t);
//   int recv(uint8_t*, size_t); void wait(WaitFor, uint32_t ms); void close(); bool isOpen();
//                                    // as SocketTransport (socket_transport.h)
//   ... and what DaemonFinder needs (daemon_finder.h).
// Decode (template parameter): BodyDecode operator()(const char* body, size_t len, Usage& out).
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "app_config.h"
#include "daemon_finder.h"
#include "http_body.h"
#include "http_response.h"
#include "http_request.h"
#include "usage_json.h"
#include "socket_transport.h"
#include "timers.h"

namespace gauge {
namespace esp32 {

enum class ResolveState : uint8_t { Pending, Done, Failed };

// Where a request ended (for the log; the core only sees the outcome).
enum class PollPhase : uint8_t { Link, Address, Resolve, Connect, Send, Head, Body, Decode, Done };

inline const char* pollPhaseName(PollPhase p) {
    switch (p) {
        case PollPhase::Link:
            return "link";
        case PollPhase::Address:
            return "address";
        case PollPhase::Resolve:
            return "dns";
        case PollPhase::Connect:
            return "connect";
        case PollPhase::Send:
            return "send";
        case PollPhase::Head:
            return "head";
        case PollPhase::Body:
            return "body";
        case PollPhase::Decode:
            return "decode";
        case PollPhase::Done:
            return "done";
    }
    return "?";
}

struct PollReport {
    PollOutcome outcome;
    PollPhase phase;
    DecodeStatus status;  // decoder verdict when a body was decoded
    int json_error;       // the JSON parser's error code, 0 = none
    int http_status;      // 0 = no response head
    int sys_error;        // errno of a socket failure, 0 = none
    uint32_t elapsed_ms;
    bool reused;  // sent over a kept-alive connection
};

template <typename Net>
class PollSession {
  public:
    explicit PollSession(Net& net) : net_(net), in_len_(0), in_pos_(0), closed_(false) { key_[0] = '\0'; }

    DaemonFinder& finder() { return finder_; }
    // Progress for discovery while no request runs.
    void idle() { finder_.step(net_); }
    // Drops the kept-alive connection (a new URL, a new network).
    void disconnect() {
        net_.close();
        key_[0] = '\0';
    }

    // One request within budget_ms. `url`: the configured or serial URL, "" = the one mDNS found. `token`:
    // "" = no Authorization header. The body lands in body[0..body_cap) (NUL-terminated); on Ok `usage`
    // holds the payload.
    template <typename Decode>
    void run(const char* url, const char* token, uint32_t budget_ms, char* body, size_t body_cap,
             Decode& decode, Usage& usage, PollReport* out) {
        const Deadline dl(net_.now(), budget_ms);
        *out = PollReport{
            PollOutcome::ConnectFailed, PollPhase::Link, DecodeStatus::NotStarted, 0, 0, 0, 0, false};
        body[0] = '\0';
        finder_.step(net_);
        exchange(dl, url, token, body, body_cap, decode, usage, out);
        out->elapsed_ms = dl.elapsed(net_.now());
    }

  private:
    // readBody()/readResponseHead()'s Source over the connection, with a small read-ahead buffer.
    struct Source {
        PollSession* s;
        int available() { return s->fill(); }
        int read(uint8_t* buf, size_t n) {
            const size_t have = s->in_len_ - s->in_pos_;
            if (n > have) n = have;
            memcpy(buf, s->in_ + s->in_pos_, n);
            s->in_pos_ += n;
            return static_cast<int>(n);
        }
        bool connected() { return s->fill() > 0 || !s->closed_; }
    };

    int fill() {
        if (in_pos_ < in_len_) return static_cast<int>(in_len_ - in_pos_);
        in_pos_ = in_len_ = 0;
        if (closed_) return 0;
        const int r = net_.recv(in_, sizeof in_);
        if (r > 0) {
            in_len_ = static_cast<size_t>(r);
            return r;
        }
        if (r < 0) closed_ = true;
        return 0;
    }

    void fail(PollReport* out, PollPhase phase, PollOutcome outcome, bool drop) {
        out->phase = phase;
        out->outcome = outcome;
        if (drop) disconnect();
    }

    template <typename Decode>
    void exchange(const Deadline& dl, const char* url, const char* token, char* body, size_t body_cap,
                  Decode& decode, Usage& usage, PollReport* out) {
        if (!net_.linkUp()) return fail(out, PollPhase::Link, PollOutcome::ConnectFailed, true);
        // No address yet (mDNS pending or nothing answered): fail at once. A run of these is what makes the
        // core ask for rediscovery.
        const char* target = url && url[0] ? url : finder_.url();
        DaemonUrl u;
        if (!target[0] || !parseDaemonUrl(target, &u))
            return fail(out, PollPhase::Address, PollOutcome::ConnectFailed, true);
        const size_t req_len = formatRequest(request_, sizeof request_, u, token);
        if (req_len == 0) return fail(out, PollPhase::Address, PollOutcome::HttpError, true);

        char key[sizeof key_];
        snprintf(key, sizeof key, "%s:%u", u.host, static_cast<unsigned>(u.port));
        if (net_.isOpen() && strcmp(key, key_) != 0) disconnect();  // never send to the old daemon's socket

        ResponseHead head;
        for (int attempt = 0;; ++attempt) {
            const bool reused = net_.isOpen();
            out->reused = reused;
            in_len_ = in_pos_ = 0;
            closed_ = false;
            if (!reused) {
                uint32_t ip = 0;
                if (!parseIpv4(u.host, &ip)) {
                    for (;;) {
                        const ResolveState rs = net_.resolve(u.host, &ip);
                        if (rs == ResolveState::Done) break;
                        if (rs == ResolveState::Failed)
                            return fail(out, PollPhase::Resolve, PollOutcome::ConnectFailed, true);
                        if (dl.expired(net_.now()))
                            return fail(out, PollPhase::Resolve, PollOutcome::Timeout, true);
                        net_.pause(dl.slice(net_.now(), kIoSliceMs));
                    }
                }
                if (!net_.open(ip, u.port)) {
                    out->sys_error = net_.lastError();
                    return fail(out, PollPhase::Connect, PollOutcome::ConnectFailed, true);
                }
                for (;;) {
                    const ConnectState cs = net_.connectState();
                    if (cs == ConnectState::Connected) break;
                    if (cs == ConnectState::Failed) {
                        out->sys_error = net_.lastError();
                        return fail(out, PollPhase::Connect, PollOutcome::ConnectFailed, true);
                    }
                    if (dl.expired(net_.now()))
                        return fail(out, PollPhase::Connect, PollOutcome::Timeout, true);
                    net_.wait(WaitFor::Write, dl.slice(net_.now(), kIoSliceMs));
                }
                memcpy(key_, key, sizeof key_);
            }

            bool retry = false;
            for (size_t sent = 0; sent < req_len;) {
                const int n = net_.send(reinterpret_cast<const uint8_t*>(request_) + sent, req_len - sent);
                if (n < 0) {
                    // A kept-alive connection the daemon dropped in the meantime: once more on a new one.
                    if (reused && attempt == 0) {
                        retry = true;
                        break;
                    }
                    out->sys_error = net_.lastError();
                    return fail(out, PollPhase::Send, PollOutcome::ConnectFailed, true);
                }
                sent += static_cast<size_t>(n);
                if (n == 0) {
                    if (dl.expired(net_.now())) return fail(out, PollPhase::Send, PollOutcome::Timeout, true);
                    net_.wait(WaitFor::Write, dl.slice(net_.now(), kIoSliceMs));
                }
            }
            if (retry) {
                disconnect();
                continue;
            }

            Source src{this};
            const HeadStatus hs = readResponseHead(
                src, &head, dl.remaining(net_.now()), [this] { return net_.now(); },
                [this, &dl] { net_.wait(WaitFor::Read, dl.slice(net_.now(), kIoSliceMs)); });
            if (hs == HeadStatus::Closed && reused && attempt == 0) {
                disconnect();
                continue;
            }
            switch (hs) {
                case HeadStatus::Complete:
                    break;
                case HeadStatus::TimedOut:
                    return fail(out, PollPhase::Head, PollOutcome::Timeout, true);
                case HeadStatus::Closed:
                case HeadStatus::Truncated:
                    // The daemon dropped us mid-request: unreachable as far as the core is concerned.
                    return fail(out, PollPhase::Head, PollOutcome::ConnectFailed, true);
                case HeadStatus::Malformed:
                case HeadStatus::TooLarge:
                    return fail(out, PollPhase::Head, PollOutcome::BadBody, true);
            }
            break;
        }

        out->http_status = head.status;
        const BodyFraming framing = bodyFraming(head);
        if (!statusHasPayload(head.status)) {
            // Its body (if any) is not read: keep the connection only when there is none to skip.
            return fail(out, PollPhase::Head, statusOutcome(head.status),
                        !(framing == BodyFraming::None && reusable(head)));
        }
        Source src{this};
        size_t len = 0;
        BodyStatus bs = BodyStatus::Complete;
        auto clock = [this] { return net_.now(); };
        auto idle = [this, &dl] { net_.wait(WaitFor::Read, dl.slice(net_.now(), kIoSliceMs)); };
        switch (framing) {
            case BodyFraming::None:  // 204: nothing to wait for, and nothing to show
                return fail(out, PollPhase::Body, PollOutcome::BadBody, !reusable(head));
            case BodyFraming::Unreadable:
                return fail(out, PollPhase::Body, PollOutcome::BadBody, true);
            case BodyFraming::Chunked:
                bs = readChunkedBody(src, body, body_cap, dl.remaining(net_.now()), clock, idle, &len);
                break;
            case BodyFraming::Length:
                bs = readBody(src, body, body_cap, head.content_length, dl.remaining(net_.now()), clock, idle,
                              &len);
                break;
            case BodyFraming::Close:
                bs = readBody(src, body, body_cap, -1, dl.remaining(net_.now()), clock, idle, &len);
                break;
        }
        if (bs != BodyStatus::Complete) return fail(out, PollPhase::Body, bodyFailureOutcome(bs), true);
        // Bytes beyond the body mean the framing was not what it said: do not read the next answer from
        // there.
        if (!reusable(head) || in_pos_ < in_len_ || closed_) disconnect();

        const BodyDecode d = decode(body, len, usage);
        out->status = d.status;
        out->json_error = d.json_error;
        out->phase = d.outcome == PollOutcome::Ok ? PollPhase::Done : PollPhase::Decode;
        out->outcome = d.outcome;
    }

    Net& net_;
    DaemonFinder finder_;
    char key_[kMaxUrlBytes + 8];  // host:port of the open connection
    char request_[kMaxRequestBytes];
    uint8_t in_[256];
    size_t in_len_;
    size_t in_pos_;
    bool closed_;
};

}  // namespace esp32
}  // namespace gauge
