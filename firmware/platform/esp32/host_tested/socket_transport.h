// One non-blocking TCP connection over BSD sockets: connect, send, receive and wait, none of which blocks
// longer than the wait it is asked for. The same source builds against lwIP on the ESP32 (through
// <lwip/sockets.h>, as Arduino-ESP32 2.0.17's WiFiClient does) and against POSIX sockets on the
// development machine, where `make -C firmware esp32-glue` runs it against real loopback servers.
//
// Why not HTTPClient/WiFiClient: WiFiClient::connect() bounds the connect, but then makes the socket
// blocking with SO_RCVTIMEO/SO_SNDTIMEO per call, WiFiClient::write() retries a full send buffer for up to
// 10 x 1 s, and HTTPClient restarts its header wait after every line -- no single deadline is possible.
#pragma once

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(ESP_PLATFORM)
#include <lwip/sockets.h>
#include <unistd.h>
#else
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

namespace gauge {
namespace esp32 {

enum class ConnectState : uint8_t { Pending, Connected, Failed };
enum class WaitFor : uint8_t { Read, Write };

class SocketTransport {
  public:
    SocketTransport() : fd_(-1), connected_(false), last_error_(0) {}
    ~SocketTransport() { close(); }
    SocketTransport(const SocketTransport&) = delete;
    SocketTransport& operator=(const SocketTransport&) = delete;

    // Starts connecting to ip (a.b.c.d packed as a << 24 | ...) : port without waiting. False when it failed
    // at once (no socket, or refused before connect() returned); lastError() says why.
    bool open(uint32_t ip, uint16_t port) {
        close();
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd_ < 0) return fail(errno);
        const int flags = ::fcntl(fd_, F_GETFL, 0);
        if (flags < 0 || ::fcntl(fd_, F_SETFL, flags | O_NONBLOCK) < 0) return fail(errno);
        // The request goes out in one write; do not let Nagle hold its tail back for an ACK.
        int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct sockaddr_in addr;
        memset(&addr, 0, sizeof addr);
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(ip);
        if (::connect(fd_, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) == 0) {
            connected_ = true;
            return true;
        }
        if (errno == EINPROGRESS) return true;
        return fail(errno);
    }

    // Where a connect started by open() stands, without waiting.
    ConnectState connectState() {
        if (fd_ < 0) return ConnectState::Failed;
        if (connected_) return ConnectState::Connected;
        // A refused or reset connect leaves a pending socket error, whether or not select() reports it.
        const int err = pendingError();
        if (err != 0) {
            last_error_ = err;
            return ConnectState::Failed;
        }
        fd_set w, x;
        FD_ZERO(&w);
        FD_ZERO(&x);
        FD_SET(fd_, &w);
        FD_SET(fd_, &x);
        struct timeval tv = {0, 0};
        const int r = ::select(fd_ + 1, nullptr, &w, &x, &tv);
        if (r < 0) {
            last_error_ = errno;
            return ConnectState::Failed;
        }
        if (r == 0) return ConnectState::Pending;
        const int after = pendingError();
        if (after != 0 || FD_ISSET(fd_, &x)) {
            last_error_ = after != 0 ? after : ECONNREFUSED;
            return ConnectState::Failed;
        }
        connected_ = true;
        return ConnectState::Connected;
    }

    // Bytes the socket took (0: its buffer is full, try after wait(Write)), or -1 on a dead connection.
    int send(const uint8_t* p, size_t n) {
        if (fd_ < 0) return -1;
        const ssize_t r = ::send(fd_, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (r >= 0) return static_cast<int>(r);
        if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
        last_error_ = errno;
        return -1;
    }

    // >0 bytes read, 0 nothing there yet, -1 the peer closed, -2 an error (reset).
    int recv(uint8_t* p, size_t n) {
        if (fd_ < 0) return -2;
        const ssize_t r = ::recv(fd_, p, n, MSG_DONTWAIT);
        if (r > 0) return static_cast<int>(r);
        if (r == 0) return -1;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
        last_error_ = errno;
        return -2;
    }

    // Blocks until the socket is readable / writable (or has an error), or `ms` passed.
    void wait(WaitFor what, uint32_t ms) {
        if (fd_ < 0) return;
        fd_set s, x;
        FD_ZERO(&s);
        FD_ZERO(&x);
        FD_SET(fd_, &s);
        FD_SET(fd_, &x);
        struct timeval tv;
        tv.tv_sec = static_cast<long>(ms / 1000);
        tv.tv_usec = static_cast<long>((ms % 1000) * 1000);
        if (what == WaitFor::Read)
            ::select(fd_ + 1, &s, nullptr, &x, &tv);
        else
            ::select(fd_ + 1, nullptr, &s, &x, &tv);
    }

    // Never lingers: close() returns at once and the stack sends RST/FIN in the background.
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
        connected_ = false;
    }

    bool isOpen() const { return fd_ >= 0; }
    int lastError() const { return last_error_; }

  private:
    bool fail(int err) {
        last_error_ = err;
        close();
        return false;
    }
    int pendingError() {
        int err = 0;
        socklen_t len = sizeof err;
        if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) < 0) return errno;
        return err;
    }
    int fd_;
    bool connected_;
    int last_error_;
};

}  // namespace esp32
}  // namespace gauge
