// The request bytes (http_request.h) and the response head and framing (http_response.h), byte by byte.
#include <doctest/doctest.h>

#include <string.h>

#include <string>

#include "http_body.h"
#include "http_response.h"
#include "http_request.h"
#include "serial_commands.h"

using namespace gauge;
using namespace gauge::esp32;

namespace {

// A byte source that hands out `data` `chunk` bytes at a time, then stays open or closes.
struct Bytes {
    std::string data;
    size_t pos = 0;
    size_t chunk = 3;
    bool close_at_end = false;
    int available() {
        const size_t left = data.size() - pos;
        return static_cast<int>(left < chunk ? left : chunk);
    }
    int read(uint8_t* buf, size_t n) {
        const size_t left = data.size() - pos;
        if (n > left) n = left;
        memcpy(buf, data.data() + pos, n);
        pos += n;
        return static_cast<int>(n);
    }
    bool connected() { return !(close_at_end && pos == data.size()); }
};

HeadStatus head(const std::string& text, ResponseHead* h, bool close_at_end = false,
                uint32_t* spent = nullptr) {
    Bytes b;
    b.data = text;
    b.close_at_end = close_at_end;
    uint32_t t = 1000;
    const HeadStatus s = readResponseHead(
        b, h, 1500, [&] { return t; }, [&] { t += 10; });
    if (spent) *spent = t - 1000;
    return s;
}

}  // namespace

TEST_CASE("URL: http://host[:port][/path], names or dotted IPv4, nothing else") {
    DaemonUrl u;
    REQUIRE(parseDaemonUrl("http://desk-pc.local:8787/usage", &u));
    CHECK(std::string(u.host) == "desk-pc.local");
    CHECK(u.port == 8787);
    CHECK(std::string(u.path) == "/usage");
    REQUIRE(parseDaemonUrl("http://127.0.0.20", &u));
    CHECK(u.port == 80);
    CHECK(std::string(u.path) == "/");
    uint32_t ip = 0;
    CHECK(parseIpv4(u.host, &ip));
    CHECK(ip == ((127u << 24) | (0u << 16) | (0u << 8) | 20u));
    CHECK_FALSE(parseIpv4("desk-pc.local", &ip));
    CHECK_FALSE(parseIpv4("1.2.3", &ip));
    CHECK_FALSE(parseIpv4("1.2.3.256", &ip));
    CHECK_FALSE(parseIpv4("1.2.3.4.5", &ip));
    for (const char* bad :
         {"https://x/usage", "http://", "http:///usage", "http://a b/usage", "ftp://x", "http://x:0/usage",
          "http://x:65536/usage", "http://x:/usage", "http://[::1]:8787/usage", "http://user@x/usage",
          "http://x/us age", "http://x/usage#frag", "http://x?q"})
        CHECK_MESSAGE(!parseDaemonUrl(bad, &u), bad);
    const std::string longest = "http://" + std::string(kMaxUrlBytes - 7 - 6, 'a') + "/usage";
    CHECK(longest.size() == kMaxUrlBytes);
    CHECK(parseDaemonUrl(longest.c_str(), &u));
    CHECK_FALSE(parseDaemonUrl((longest + "x").c_str(), &u));
    // The serial console accepts exactly what the poll task can use.
    CHECK(plausibleDaemonUrl(longest.c_str()));
    CHECK_FALSE(plausibleDaemonUrl((longest + "x").c_str()));
}

TEST_CASE(
    "Token: up to kMaxTokenBytes printable characters, refused (never cut) beyond, and never a header "
    "break") {
    const std::string longest(kMaxTokenBytes, 'k');
    CHECK(validToken(longest.c_str()));
    CHECK_FALSE(validToken((longest + "k").c_str()));
    CHECK_FALSE(validToken(""));
    CHECK_FALSE(validToken("two words"));
    CHECK_FALSE(validToken("evil\r\nX-Injected: 1"));
    CHECK_FALSE(validToken("tab\there"));
    CHECK_FALSE(validToken("\x7f"));
    CHECK(validToken("abc-._~+/=XYZ019"));
    // The serial console line has room for the longest token.
    CHECK(std::string("token ").size() + kMaxTokenBytes <= kMaxCommandLine);
    LineReader r;
    const std::string line = "token " + longest + "\n";
    bool got = false;
    for (char c : line) got = r.push(c) || got;
    REQUIRE(got);
    const Command c = parseCommand(r.line());
    CHECK(c.kind == CommandKind::Token);
    CHECK(std::string(c.arg) == longest);
}

TEST_CASE("Request: the exact bytes, with Host, keep-alive and the whole token") {
    DaemonUrl u;
    REQUIRE(parseDaemonUrl("http://desk-pc.local:8787/usage", &u));
    char buf[kMaxRequestBytes];
    size_t n = formatRequest(buf, sizeof buf, u, "");
    CHECK(std::string(buf, n) ==
          std::string("GET /usage HTTP/1.1\r\nHost: desk-pc.local:8787\r\nUser-Agent: claude-gauge-esp32/") +
              kFirmwareVersion + "\r\nAccept: application/json\r\nConnection: keep-alive\r\n\r\n");
    REQUIRE(parseDaemonUrl("http://127.0.0.2/usage", &u));
    n = formatRequest(buf, sizeof buf, u, "s3cret");
    const std::string req(buf, n);
    CHECK(req.find("Host: 127.0.0.2\r\n") != std::string::npos);
    CHECK(req.find("Authorization: Bearer s3cret\r\n\r\n") != std::string::npos);
    CHECK(formatRequest(buf, sizeof buf, u, "bad token") == 0);
    // The longest URL and the longest token together still fit the request buffer.
    const std::string url = "http://" + std::string(kMaxUrlBytes - 7 - 6 - 6, 'h') + ":65535" + "/usage";
    REQUIRE(parseDaemonUrl(url.c_str(), &u));
    const std::string token(kMaxTokenBytes, 't');
    n = formatRequest(buf, sizeof buf, u, token.c_str());
    REQUIRE(n > 0);
    CHECK(std::string(buf, n).find("Bearer " + token + "\r\n") != std::string::npos);
}

TEST_CASE("Head: Node's head, parsed; the body's first bytes stay in the source") {
    Bytes b;
    b.data =
        "HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: 12\r\n"
        "ETag: \"abc\"\r\nDate: Tue, 02 Dec 2025 10:00:00 GMT\r\nConnection: keep-alive\r\nKeep-Alive: "
        "timeout=72\r\n"
        "\r\n{\"v\":1,\"x\":2}";
    ResponseHead h;
    uint32_t t = 0;
    REQUIRE(readResponseHead(
                b, &h, 1500, [&] { return t; }, [&] { t += 1; }) == HeadStatus::Complete);
    CHECK(h.status == 200);
    CHECK(h.http11);
    CHECK(h.content_length == 12);
    CHECK_FALSE(h.has_transfer);
    CHECK_FALSE(h.connection_close);
    CHECK(bodyFraming(h) == BodyFraming::Length);
    CHECK(reusable(h));
    CHECK(b.data.substr(b.pos) == "{\"v\":1,\"x\":2}");
}

TEST_CASE("Head: framing follows RFC 9112 6.3") {
    ResponseHead h;
    REQUIRE(head("HTTP/1.1 204 No Content\r\n\r\n", &h) == HeadStatus::Complete);
    CHECK(bodyFraming(h) == BodyFraming::None);
    CHECK(reusable(h));
    REQUIRE(head("HTTP/1.1 304 Not Modified\r\nContent-Length: 600\r\n\r\n", &h) == HeadStatus::Complete);
    CHECK(bodyFraming(h) == BodyFraming::None);  // a 304's length describes the resource, not a body
    REQUIRE(head("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", &h) ==
            HeadStatus::Complete);
    CHECK(bodyFraming(h) == BodyFraming::Chunked);  // chunked wins over a length
    REQUIRE(head("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", &h) == HeadStatus::Complete);
    CHECK(bodyFraming(h) == BodyFraming::Chunked);
    REQUIRE(head("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", &h) == HeadStatus::Complete);
    CHECK(bodyFraming(h) == BodyFraming::Unreadable);
    REQUIRE(head("HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\nContent-Length: 3\r\n\r\n", &h) ==
            HeadStatus::Complete);
    CHECK(bodyFraming(h) == BodyFraming::Length);
    REQUIRE(head("HTTP/1.1 200 OK\r\n\r\n", &h) == HeadStatus::Complete);
    CHECK(bodyFraming(h) == BodyFraming::Close);
    CHECK_FALSE(reusable(h));
    REQUIRE(head("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\n", &h) ==
            HeadStatus::Complete);
    CHECK_FALSE(reusable(h));
    REQUIRE(head("HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\n", &h) == HeadStatus::Complete);
    CHECK_FALSE(reusable(h));  // HTTP/1.0 closes unless it says keep-alive
    REQUIRE(head("HTTP/1.0 200 OK\r\nContent-Length: 3\r\nConnection: Keep-Alive\r\n\r\n", &h) ==
            HeadStatus::Complete);
    CHECK(reusable(h));
}

TEST_CASE("Head: what is not an HTTP/1.x head, or is too big, or never ends") {
    ResponseHead h;
    CHECK(head("SSH-2.0-OpenSSH_9.6\r\n\r\n", &h) == HeadStatus::Malformed);
    CHECK(head("HTTP/2 200\r\n\r\n", &h) == HeadStatus::Malformed);
    CHECK(head("HTTP/1.1 99 Low\r\n\r\n", &h) == HeadStatus::Malformed);
    CHECK(head("HTTP/1.1 2000 OK\r\n\r\n", &h) == HeadStatus::Malformed);
    CHECK(head("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", &h) == HeadStatus::Malformed);
    CHECK(head("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", &h) ==
          HeadStatus::Malformed);
    CHECK(head("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n", &h) ==
          HeadStatus::Complete);
    CHECK(head("HTTP/1.1 200 OK\r\nX-Big: " + std::string(5000, 'x') + "\r\n\r\n", &h) ==
          HeadStatus::TooLarge);
    // An overlong line under the cap is skipped, not fatal.
    REQUIRE(head("HTTP/1.1 200 OK\r\nSet-Cookie: " + std::string(1000, 'c') + "\r\nContent-Length: 2\r\n\r\n",
                 &h) == HeadStatus::Complete);
    CHECK(h.content_length == 2);
    CHECK(head("", &h, true) == HeadStatus::Closed);
    CHECK(head("HTTP/1.1 200 OK\r\nContent-Le", &h, true) == HeadStatus::Truncated);
    uint32_t spent = 0;
    CHECK(head("HTTP/1.1 200 OK\r\nContent-Le", &h, false, &spent) == HeadStatus::TimedOut);
    CHECK(spent >= 1500);
}

TEST_CASE("Head: one deadline for the whole head, however the bytes trickle in") {
    // One byte per 100 ms: each byte is quick, the head as a whole is not.
    struct Trickle {
        std::string data;
        size_t pos = 0;
        uint32_t* t;
        uint32_t next = 0;
        int available() { return pos < data.size() && *t >= next ? 1 : 0; }
        int read(uint8_t* b, size_t) {
            *b = static_cast<uint8_t>(data[pos++]);
            next = *t + 100;
            return 1;
        }
        bool connected() { return true; }
    };
    uint32_t t = 0;
    Trickle src{"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Padding: " + std::string(40, 'p') + "\r\n\r\n", 0,
                &t, 0};
    ResponseHead h;
    const HeadStatus s = readResponseHead(
        src, &h, 1500, [&] { return t; }, [&] { t += 10; });
    CHECK(s == HeadStatus::TimedOut);
    CHECK(t >= 1500);
    CHECK(t < 1500 + 20);
}
