// The ESP32 serial port with both protocols on it (improv_link.h): console commands and Improv packets
// interleaved byte by byte, as ESP Web Tools and a human at the console would send them, through the same
// LineReader and parseCommand the app uses.
#include <doctest/doctest.h>

#include <stdio.h>
#include <string.h>

#include <string>
#include <vector>

#include "improv.h"
#include "improv_link.h"
#include "serial_commands.h"

using namespace gauge;
using namespace gauge::esp32;

namespace {

struct Wire : improv::Output {
    std::vector<uint8_t> bytes;
    void write(const uint8_t* b, size_t n) override { bytes.insert(bytes.end(), b, b + n); }
};

struct Settings : improv::Backend {
    std::string url, token;
    int stores = 0;
    void daemonUrl(char* out, size_t cap) override { snprintf(out, cap, "%s", url.c_str()); }
    bool hasToken() override { return !token.empty(); }
    improv::StoreResult storeDaemonSettings(const char* u, const char* t) override {
        const improv::StoreResult r = checkDaemonSettings(u, t);
        if (r != improv::StoreResult::Stored) return r;
        if (u) url = u;
        if (t) token = t;
        ++stores;
        return r;
    }
};

std::vector<uint8_t> rpc(uint8_t command, const std::vector<std::string>& strings) {
    std::vector<improv::Bytes> items;
    for (const std::string& s : strings)
        items.push_back(improv::Bytes{reinterpret_cast<const uint8_t*>(s.data()), s.size()});
    uint8_t data[improv::kMaxData];
    const size_t n = improv::encodeStrings(command, items.data(), items.size(), data, sizeof data);
    REQUIRE(n > 0);
    uint8_t packet[improv::kMaxPacket];
    const size_t len = improv::encodePacket(improv::Type::Rpc, data, n, packet, sizeof packet);
    REQUIRE(len > 0);
    return std::vector<uint8_t>(packet, packet + len);
}

struct Port {
    Settings settings;
    Wire wire;
    improv::Service service{settings, wire};
    SerialLink link;
    LineReader lines;
    std::vector<std::string> commands;
    void send(const std::vector<uint8_t>& bytes, uint32_t now = 0) {
        for (uint8_t b : bytes)
            if (link.feed(b, now, service, lines)) {
                const Command c = parseCommand(lines.line());
                if (c.kind != CommandKind::None) commands.push_back(lines.line());
            }
    }
    void send(const std::string& text, uint32_t now = 0) {
        send(std::vector<uint8_t>(text.begin(), text.end()), now);
    }
    size_t packetsOut() {
        improv::Demux d;
        size_t n = 0;
        for (uint8_t b : wire.bytes)
            if (d.push(b, 0).kind == improv::EventKind::Packet) ++n;
        return n;
    }
};

}  // namespace

TEST_CASE("SerialLink: console commands and Improv packets share the port without touching each other") {
    Port p;
    p.send("url http://192.168.1.20:8787/usage\r\n");
    p.send(rpc(0x02, {}));  // ESP Web Tools: current state (ends with '\n', an empty console line)
    p.send("state\n");
    p.send(rpc(0xC0, {"url", "http://10.0.0.5:8787/usage", "token", "tok-12345"}));
    p.send("IMPROVE the gauge\ninfo\n");
    CHECK(p.commands ==
          std::vector<std::string>{"url", "state", "IMPROVE", "info"});  // parseCommand cut the arguments
    CHECK(p.settings.url == "http://10.0.0.5:8787/usage");
    CHECK(p.settings.token == "tok-12345");
    CHECK(p.packetsOut() == 2 + 2);  // no-error + state, no-error + next URL
}

TEST_CASE("SerialLink: a console line typed while a packet stalls is not swallowed after the timeout") {
    Port p;
    std::vector<uint8_t> part = rpc(0x01, {"home", "hunter22"});
    part.resize(12);
    p.send(part, 100);
    p.send("selftest\n", 100 + improv::kFrameTimeoutMs + 1);
    CHECK(p.commands == std::vector<std::string>{"selftest"});
    CHECK_FALSE(p.link.holding());
}

TEST_CASE("checkDaemonSettings: the console's URL rule and a token the app can hold") {
    using improv::StoreResult;
    CHECK(checkDaemonSettings("http://192.168.1.20:8787/usage", "abc") == StoreResult::Stored);
    CHECK(checkDaemonSettings("", "") == StoreResult::Stored);
    CHECK(checkDaemonSettings(nullptr, nullptr) == StoreResult::Stored);
    CHECK(checkDaemonSettings("https://x/usage", nullptr) == StoreResult::BadUrl);
    CHECK(checkDaemonSettings(("http://h/" + std::string(kMaxUrlBytes, 'p')).c_str(), nullptr) ==
          StoreResult::BadUrl);
    CHECK(checkDaemonSettings("http://a b/usage", nullptr) == StoreResult::BadUrl);
    CHECK(checkDaemonSettings(nullptr, "has space") == StoreResult::BadToken);
    CHECK(checkDaemonSettings(nullptr, "tab\there") == StoreResult::BadToken);
    CHECK(checkDaemonSettings(nullptr, "\x7f") == StoreResult::BadToken);
    CHECK(checkDaemonSettings(nullptr, std::string(kMaxTokenBytes, 't').c_str()) == StoreResult::Stored);
    CHECK(checkDaemonSettings(nullptr, std::string(kMaxTokenBytes + 1, 't').c_str()) ==
          StoreResult::BadToken);
    // A rejected value stores nothing, and the service says "invalid RPC".
    Port p;
    p.send(rpc(0xC0, {"url", "ftp://nope", "token", "ok-token"}));
    CHECK(p.settings.stores == 0);
    CHECK(p.settings.token.empty());
}
