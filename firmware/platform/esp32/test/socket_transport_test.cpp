// SocketTransport (socket_transport.h) and PollSession over REAL sockets: the very source the ESP32 builds
// against lwIP, here against the host's BSD sockets and small loopback servers. Outcomes only: nothing
// here asserts how long anything took (the driven-clock tests in poll_session_test.cpp do that).
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/poll.h>  // not <poll.h>: the core has a poll.h on the include path
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "poll_session.h"
#include "sim_net.h"

using namespace gauge;
using namespace gauge::esp32;

namespace {

constexpr uint32_t kLoopback = (127u << 24) | 1u;

uint32_t monotonicMs() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint32_t>(static_cast<uint64_t>(ts.tv_sec) * 1000u +
                                 static_cast<uint64_t>(ts.tv_nsec) / 1000000u);
}

// PollSession's Net over the host's sockets: numeric addresses only, no mDNS.
struct HostNet {
    SocketTransport sock;
    uint32_t now() { return monotonicMs(); }
    bool linkUp() { return true; }
    ResolveState resolve(const char*, uint32_t*) { return ResolveState::Failed; }
    void pause(uint32_t ms) {
        timespec ts{static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1000000L};
        nanosleep(&ts, nullptr);
    }
    bool open(uint32_t ip, uint16_t port) { return sock.open(ip, port); }
    ConnectState connectState() { return sock.connectState(); }
    int send(const uint8_t* p, size_t n) { return sock.send(p, n); }
    int recv(uint8_t* p, size_t n) { return sock.recv(p, n); }
    void wait(WaitFor w, uint32_t ms) {
        if (sock.isOpen())
            sock.wait(w, ms);
        else
            pause(ms);
    }
    void close() { sock.close(); }
    bool isOpen() const { return sock.isOpen(); }
    int lastError() const { return sock.lastError(); }
    bool mdnsServiceStart() { return false; }
    QueryState mdnsServicePoll(MdnsAnswer*, size_t, size_t* n) {
        *n = 0;
        return QueryState::Failed;
    }
    bool mdnsHostStart(const char*) { return false; }
    QueryState mdnsHostPoll(uint32_t* ip) {
        *ip = 0;
        return QueryState::Failed;
    }
};

struct Decode {
    BodyDecode operator()(const char* body, size_t len, Usage& out) {
        if (std::string(body, len) != simnet::payloadBody())
            return BodyDecode{PollOutcome::BadBody, DecodeStatus::NotStarted, 1};
        out = usageDefaults();
        return BodyDecode{PollOutcome::Ok, DecodeStatus::Ok, 0};
    }
};

// A loopback HTTP server on an ephemeral port; `mode` says how it answers each request.
class Server {
  public:
    enum Mode { KeepAlive, Silent, Trickle, CloseMidBody, NoContent, Chunked };

    explicit Server(Mode mode) : mode_(mode) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = 0;
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(fd_, 8) == 0);
        socklen_t len = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~Server() {
        stop_ = true;
        thread_.join();
        ::close(fd_);
    }
    uint16_t port() const { return port_; }
    int accepted() const { return accepted_; }
    int requests() const { return requests_; }

  private:
    // Waits up to ms for fd to be readable; false when stopping.
    bool readable(int fd, int ms) {
        pollfd p{fd, POLLIN, 0};
        return ::poll(&p, 1, ms) > 0;
    }
    void serve() {
        std::vector<std::thread> conns;
        while (!stop_) {
            if (!readable(fd_, 20)) continue;
            const int c = ::accept(fd_, nullptr, nullptr);
            if (c < 0) continue;
            ++accepted_;
            conns.emplace_back([this, c] { connection(c); });
        }
        for (std::thread& t : conns) t.join();
    }
    void sendAll(int c, const std::string& s) {
        size_t off = 0;
        while (off < s.size()) {
            const ssize_t n = ::send(c, s.data() + off, s.size() - off, MSG_NOSIGNAL);
            if (n <= 0) return;
            off += static_cast<size_t>(n);
        }
    }
    void connection(int c) {
        std::string in;
        char buf[512];
        while (!stop_) {
            if (!readable(c, 20)) continue;
            const ssize_t n = ::recv(c, buf, sizeof buf, 0);
            if (n <= 0) break;
            in.append(buf, static_cast<size_t>(n));
            const size_t end = in.find("\r\n\r\n");
            if (end == std::string::npos) continue;
            in.erase(0, end + 4);
            ++requests_;
            const std::string body = simnet::payloadBody();
            if (mode_ == KeepAlive) {
                sendAll(c, simnet::okResponse(body));
            } else if (mode_ == NoContent) {
                sendAll(c, "HTTP/1.1 204 No Content\r\n\r\n");
            } else if (mode_ == Chunked) {
                // What Node 20 sends for writeHead() without a length, split in two chunks.
                char size1[24], size2[24];
                snprintf(size1, sizeof size1, "%zx", body.size() / 2);
                snprintf(size2, sizeof size2, "%zx", body.size() - body.size() / 2);
                sendAll(c,
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: "
                        "chunked\r\n\r\n" +
                            std::string(size1) + "\r\n" + body.substr(0, body.size() / 2) + "\r\n" +
                            std::string(size2) + "\r\n" + body.substr(body.size() / 2) + "\r\n0\r\n\r\n");
            } else if (mode_ == CloseMidBody) {
                sendAll(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"v\":1,");
                break;
            } else if (mode_ == Trickle) {
                const std::string all = simnet::okResponse(body);
                for (size_t i = 0; i < all.size() && !stop_; ++i) {
                    sendAll(c, all.substr(i, 1));
                    for (int k = 0; k < 10 && !stop_; ++k) ::usleep(10000);  // one byte per 100 ms
                }
            }
            // Silent: read, never answer.
        }
        ::close(c);
    }

    Mode mode_;
    int fd_;
    uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> accepted_{0};
    std::atomic<int> requests_{0};
    std::thread thread_;
};

// A port nobody listens on.
uint16_t closedPort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

struct Client {
    HostNet net;
    PollSession<HostNet> session{net};
    Decode decode;
    char body[cfg::kMaxBodyBytes + 1];
    Usage usage = usageDefaults();
    PollReport run(uint16_t port, uint32_t budget) {
        char url[64];
        snprintf(url, sizeof url, "http://127.0.0.1:%u/usage", static_cast<unsigned>(port));
        PollReport r;
        session.run(url, "", budget, body, sizeof body, decode, usage, &r);
        return r;
    }
};

// Generous for anything that should succeed: the machine running the tests may be very busy.
constexpr uint32_t kRoomyBudget = 10000;

}  // namespace

TEST_CASE("Sockets: a refused port is ConnectFailed with the system's reason") {
    SocketTransport t;
    const uint16_t port = closedPort();
    const bool started = t.open(kLoopback, port);
    ConnectState s = started ? t.connectState() : ConnectState::Failed;
    for (int i = 0; i < 200 && s == ConnectState::Pending; ++i) {
        t.wait(WaitFor::Write, 20);
        s = t.connectState();
    }
    CHECK(s == ConnectState::Failed);
    CHECK(t.lastError() == ECONNREFUSED);
    Client c;
    const PollReport r = c.run(port, kRoomyBudget);
    CHECK(r.outcome == PollOutcome::ConnectFailed);
    CHECK(r.phase == PollPhase::Connect);
    CHECK(r.sys_error == ECONNREFUSED);
}

TEST_CASE("Sockets: a real keep-alive exchange, twice over one connection") {
    Server srv(Server::KeepAlive);
    Client c;
    PollReport r = c.run(srv.port(), kRoomyBudget);
    CHECK(r.outcome == PollOutcome::Ok);
    CHECK(r.http_status == 200);
    CHECK_FALSE(r.reused);
    r = c.run(srv.port(), kRoomyBudget);
    CHECK(r.outcome == PollOutcome::Ok);
    CHECK(r.reused);
    CHECK(srv.accepted() == 1);
    CHECK(srv.requests() == 2);
}

TEST_CASE("Sockets: Node's chunked framing over a real connection") {
    Server srv(Server::Chunked);
    Client c;
    const PollReport r = c.run(srv.port(), kRoomyBudget);
    CHECK(r.outcome == PollOutcome::Ok);
    CHECK(std::string(c.body) == simnet::payloadBody());
}

TEST_CASE("Sockets: a daemon that never answers, or trickles, is a Timeout; the connection is dropped") {
    {
        Server srv(Server::Silent);
        Client c;
        const PollReport r = c.run(srv.port(), 300);
        CHECK(r.outcome == PollOutcome::Timeout);
        CHECK(r.phase == PollPhase::Head);
        CHECK_FALSE(c.net.isOpen());
    }
    {
        Server srv(Server::Trickle);
        Client c;
        const PollReport r = c.run(srv.port(), 300);
        CHECK(r.outcome == PollOutcome::Timeout);
        CHECK_FALSE(c.net.isOpen());
    }
}

TEST_CASE("Sockets: a close in the middle of the body is BadBody; a 204 ends without waiting for a close") {
    {
        Server srv(Server::CloseMidBody);
        Client c;
        const PollReport r = c.run(srv.port(), kRoomyBudget);
        CHECK(r.outcome == PollOutcome::BadBody);
        CHECK(r.phase == PollPhase::Body);
    }
    {
        // The server keeps the connection open after its 204: only the framing rule ends the request.
        Server srv(Server::NoContent);
        Client c;
        const PollReport r = c.run(srv.port(), kRoomyBudget);
        CHECK(r.outcome == PollOutcome::BadBody);
        CHECK(r.http_status == 204);  // had it waited for a close, it would have been a Timeout
    }
}
