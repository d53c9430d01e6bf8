// Improv Wi-Fi serial: the codec against packets written out by hand from the protocol's documentation
// (https://www.improv-wifi.com/serial/), the demux that shares the port with the text console, hostile
// input, and the provisioning service driven with a fake Wi-Fi.
#include <doctest/doctest.h>

#include <stdio.h>
#include <string.h>

#include <string>
#include <vector>

#include "improv.h"

using namespace gauge::improv;

namespace {

using Buf = std::vector<uint8_t>;

Buf bytes(const std::string& s) {
    return Buf(s.begin(), s.end());
}

// "IMPROV" 01 03 20 | 01 1E 0C "MyWirelessAP" 10 "mysecurepassword" | C1: the documentation's example RPC
// (SSID MyWirelessAP, password mysecurepassword) in a whole packet, checksum summed by hand once.
const Buf kDocWifiRpc = [] {
    Buf b = bytes("IMPROV");
    b.insert(b.end(), {0x01, 0x03, 0x20, 0x01, 0x1E, 0x0C});
    const Buf ssid = bytes("MyWirelessAP");
    b.insert(b.end(), ssid.begin(), ssid.end());
    b.push_back(0x10);
    const Buf pw = bytes("mysecurepassword");
    b.insert(b.end(), pw.begin(), pw.end());
    b.push_back(0xC1);
    return b;
}();
// Request current state (command 0x02, no data) and device info (0x03), as a client sends them.
const Buf kStateRpc = {'I', 'M', 'P', 'R', 'O', 'V', 0x01, 0x03, 0x02, 0x02, 0x00, 0xE5};
const Buf kInfoRpc = {'I', 'M', 'P', 'R', 'O', 'V', 0x01, 0x03, 0x02, 0x03, 0x00, 0xE6};
// What the device answers: error state "no error", current state "ready", each followed by '\n'.
const Buf kNoError = {'I', 'M', 'P', 'R', 'O', 'V', 0x01, 0x02, 0x01, 0x00, 0xE1, '\n'};
const Buf kReady = {'I', 'M', 'P', 'R', 'O', 'V', 0x01, 0x01, 0x01, 0x02, 0xE2, '\n'};

Buf packet(Type t, const Buf& data) {
    uint8_t out[kMaxPacket];
    const size_t n = encodePacket(t, data.data(), data.size(), out, sizeof out);
    REQUIRE(n > 0);
    return Buf(out, out + n);
}

Buf rpc(uint8_t command, const std::vector<std::string>& strings) {
    std::vector<Bytes> items;
    for (const std::string& s : strings)
        items.push_back(Bytes{reinterpret_cast<const uint8_t*>(s.data()), s.size()});
    uint8_t data[kMaxData];
    const size_t n = encodeStrings(command, items.data(), items.size(), data, sizeof data);
    REQUIRE(n > 0);
    return packet(Type::Rpc, Buf(data, data + n));
}

// What a demux makes of a byte stream: the text it hands back and the packets it recognised.
struct Split {
    std::string text;
    std::vector<std::pair<Type, Buf>> packets;
    std::vector<Drop> drops;
};

Split split(Demux& d, const Buf& in, uint32_t now = 0) {
    Split s;
    for (uint8_t b : in) {
        const Event e = d.push(b, now);
        if (e.dropped != Drop::None) s.drops.push_back(e.dropped);
        if (e.kind == EventKind::Text) s.text.append(reinterpret_cast<const char*>(e.text), e.text_len);
        if (e.kind == EventKind::Packet) s.packets.push_back({e.type, Buf(e.data, e.data + e.len)});
    }
    return s;
}

struct Recorder : Output {
    Buf wire;
    size_t writes = 0;
    void write(const uint8_t* b, size_t n) override {
        wire.insert(wire.end(), b, b + n);
        ++writes;
    }
    // The device's packets as a client reads them (through a demux of its own).
    std::vector<std::pair<Type, Buf>> packets() {
        Demux d;
        Split s = split(d, wire);
        CHECK(s.drops.empty());
        return s.packets;
    }
    void clear() {
        wire.clear();
        writes = 0;
    }
};

struct FakeWifi : Backend {
    bool joined = false;
    std::string want_ssid = "home", want_password = "hunter22";
    std::string joining_ssid;
    JoinStatus status = JoinStatus::Joining;
    bool scan_started = false;
    ScanStatus scan_status = ScanStatus::Running;
    std::vector<Network> seen;
    int scans_ended = 0;
    std::string url = "http://192.168.1.20:8787/usage";
    bool token = false;
    std::vector<std::pair<std::string, std::string>> stores;  // "-" = left as it was

    bool wifiJoined() override { return joined; }
    bool beginJoin(const char* ssid, const char* password) override {
        joining_ssid = ssid;
        status = (want_ssid == ssid && want_password == password) ? JoinStatus::Joining : JoinStatus::Failed;
        return true;
    }
    JoinStatus joinStatus() override { return status; }
    bool beginScan() override {
        scan_started = true;
        return true;
    }
    ScanStatus scanStatus(size_t* count) override {
        *count = seen.size();
        return scan_status;
    }
    bool scanned(size_t i, Network* out) override {
        if (i >= seen.size()) return false;
        *out = seen[i];
        return true;
    }
    void endScan() override { ++scans_ended; }
    DeviceInfo deviceInfo() override { return DeviceInfo{"0.1.0", "cyd/esp32", "claude-gauge"}; }
    void daemonUrl(char* out, size_t cap) override { snprintf(out, cap, "%s", url.c_str()); }
    bool hasToken() override { return token; }
    StoreResult storeDaemonSettings(const char* u, const char* t) override {
        if (u && u[0] && strncmp(u, "http://", 7) != 0) return StoreResult::BadUrl;
        if (t && strchr(t, ' ')) return StoreResult::BadToken;
        stores.push_back({u ? u : "-", t ? t : "-"});
        if (u) url = u;
        if (t) token = t[0] != '\0';
        return StoreResult::Stored;
    }
};

Network net(const char* ssid, int rssi, bool secured) {
    Network n;
    memset(&n, 0, sizeof n);
    snprintf(n.ssid, sizeof n.ssid, "%s", ssid);
    n.rssi = static_cast<int8_t>(rssi);
    n.secured = secured;
    return n;
}

struct Rig {
    FakeWifi wifi;
    Recorder out;
    Service svc{wifi, out};
    Demux demux;
    std::string text;
    void send(const Buf& in, uint32_t now = 0) {
        for (uint8_t b : in) {
            const Event e = demux.push(b, now);
            if (e.kind == EventKind::Text) text.append(reinterpret_cast<const char*>(e.text), e.text_len);
            svc.onEvent(e, now);
        }
    }
};

std::vector<std::string> strings(const Buf& result_data) {
    Rpc r;
    REQUIRE(parseRpc(result_data.data(), result_data.size(), r));
    Strings s;
    REQUIRE(parseStrings(r.payload, r.len, s));
    std::vector<std::string> out;
    for (size_t i = 0; i < s.count; ++i)
        out.emplace_back(reinterpret_cast<const char*>(s.item[i].data), s.item[i].len);
    return out;
}

}  // namespace

TEST_CASE("Improv codec: the documentation's Wi-Fi settings example, byte for byte") {
    CHECK(rpc(0x01, {"MyWirelessAP", "mysecurepassword"}) == [] {
        Buf b = kDocWifiRpc;
        b.push_back('\n');
        return b;
    }());
    CHECK(checksum(kDocWifiRpc.data(), kDocWifiRpc.size() - 1) == 0xC1);
    Demux d;
    const Split s = split(d, kDocWifiRpc);
    REQUIRE(s.packets.size() == 1);
    CHECK(s.text.empty());
    CHECK(s.packets[0].first == Type::Rpc);
    const Buf& data = s.packets[0].second;
    REQUIRE(data.size() == 32);
    CHECK(data[0] == 0x01);
    CHECK(data[1] == 0x1E);
    CHECK(strings(data) == std::vector<std::string>{"MyWirelessAP", "mysecurepassword"});
}

TEST_CASE("Improv codec: state and error packets, and results, as the device sends them") {
    CHECK(packet(Type::ErrorState, {0x00}) == kNoError);
    CHECK(packet(Type::CurrentState, {0x02}) == kReady);
    // Device info result: command 03, rest length, four strings.
    uint8_t data[kMaxData];
    const Bytes items[4] = {bytesOf("claude-gauge"), bytesOf("0.1.0"), bytesOf("cyd/esp32"), bytesOf("g")};
    const size_t n = encodeStrings(0x03, items, 4, data, sizeof data);
    REQUIRE(n == 2 + 13 + 6 + 10 + 2);
    CHECK(data[0] == 0x03);
    CHECK(data[1] == n - 2);
    CHECK(data[2] == 12);
    CHECK(memcmp(data + 3, "claude-gauge", 12) == 0);
    // An empty list (the end of a scan) is command + zero length.
    CHECK(encodeStrings(0x04, nullptr, 0, data, sizeof data) == 2);
    CHECK(data[1] == 0);
}

TEST_CASE("Improv codec: limits") {
    uint8_t out[kMaxPacket];
    Buf big(kMaxData, 'x');
    CHECK(encodePacket(Type::RpcResult, big.data(), big.size(), out, sizeof out) == kMaxPacket);
    Buf bigger(kMaxData + 1, 'x');
    CHECK(encodePacket(Type::RpcResult, bigger.data(), bigger.size(), out, sizeof out) == 0);
    CHECK(encodePacket(Type::RpcResult, big.data(), big.size(), out, kMaxPacket - 1) == 0);
    // 2 + (1 + 252) = 255 fits; one byte more does not.
    std::string s(252, 'y');
    Bytes b{reinterpret_cast<const uint8_t*>(s.data()), s.size()};
    uint8_t data[300];
    CHECK(encodeStrings(0x04, &b, 1, data, sizeof data) == 255);
    s.push_back('y');
    b = Bytes{reinterpret_cast<const uint8_t*>(s.data()), s.size()};
    CHECK(encodeStrings(0x04, &b, 1, data, sizeof data) == 0);
    Strings parsed;
    const uint8_t overrun[] = {3, 'a', 'b'};
    CHECK_FALSE(parseStrings(overrun, sizeof overrun, parsed));
    const uint8_t nine[] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
    CHECK_FALSE(parseStrings(nine, sizeof nine, parsed));
    Rpc r;
    const uint8_t short_len[] = {0x01, 0x05, 1, 'a'};
    CHECK_FALSE(parseRpc(short_len, sizeof short_len, r));
    CHECK_FALSE(parseRpc(short_len, 1, r));
}

TEST_CASE("Improv codec: the daemon's page from its URL") {
    char out[64];
    CHECK(daemonPageUrl("http://192.168.1.20:8787/usage", out, sizeof out));
    CHECK(std::string(out) == "http://192.168.1.20:8787/");
    CHECK(daemonPageUrl("https://gauge.example:443", out, sizeof out));
    CHECK(std::string(out) == "https://gauge.example:443/");
    CHECK(daemonPageUrl("http://h?x", out, sizeof out));
    CHECK(std::string(out) == "http://h/");
    CHECK_FALSE(daemonPageUrl("", out, sizeof out));
    CHECK(std::string(out).empty());
    CHECK_FALSE(daemonPageUrl("http:///usage", out, sizeof out));
    CHECK_FALSE(daemonPageUrl("ftp://h/usage", out, sizeof out));
    CHECK_FALSE(daemonPageUrl("http://a-very-long-host-name.example/usage", out, 20));
}

TEST_CASE("Improv demux: console text passes through byte for byte, packets are taken out") {
    Demux d;
    Buf in = bytes("state\r\ninfo\n");
    in.insert(in.end(), kStateRpc.begin(), kStateRpc.end());
    in.push_back('\n');  // the browser's reader ends every packet with a newline
    const Buf more = bytes("url http://IMPROV/usage\nIMPROVE\nI\nIMPRO\n");
    in.insert(in.end(), more.begin(), more.end());
    in.insert(in.end(), kInfoRpc.begin(), kInfoRpc.end());
    const Buf tail = bytes("help\n");
    in.insert(in.end(), tail.begin(), tail.end());
    const Split s = split(d, in);
    CHECK(s.text == "state\r\ninfo\n\nurl http://IMPROV/usage\nIMPROVE\nI\nIMPRO\nhelp\n");
    REQUIRE(s.packets.size() == 2);
    CHECK(s.packets[0].second == Buf({0x02, 0x00}));
    CHECK(s.packets[1].second == Buf({0x03, 0x00}));
    CHECK(s.drops.empty());
}

TEST_CASE("Improv demux: a packet only starts a line") {
    Demux d;
    Buf in = bytes("x");
    in.insert(in.end(), kStateRpc.begin(), kStateRpc.end());
    const Split s = split(d, in);
    CHECK(s.packets.empty());
    CHECK(s.text == std::string(in.begin(), in.end()));
    // After the line ends, the same packet is recognised.
    const Split s2 = split(d, [] {
        Buf b = {'\n'};
        b.insert(b.end(), kStateRpc.begin(), kStateRpc.end());
        return b;
    }());
    CHECK(s2.packets.size() == 1);
}

TEST_CASE("Improv demux: hostile packets are dropped and nothing after them is lost") {
    SUBCASE("bad checksum") {
        Demux d;
        Buf in = kStateRpc;
        in.back() ^= 0x01;
        const Buf tail = bytes("\nstate\n");
        in.insert(in.end(), tail.begin(), tail.end());
        in.insert(in.end(), kInfoRpc.begin(), kInfoRpc.end());
        const Split s = split(d, in);
        CHECK(s.drops == std::vector<Drop>{Drop::BadChecksum});
        CHECK(s.text == "\nstate\n");
        REQUIRE(s.packets.size() == 1);
        CHECK(s.packets[0].second == Buf({0x03, 0x00}));
    }
    SUBCASE("a partial packet whose client went away") {
        Demux d;
        Buf part(kDocWifiRpc.begin(), kDocWifiRpc.begin() + 20);
        split(d, part, 1000);
        // The console's next line arrives after the stall: it is text again, not packet data.
        const Split s = split(d, bytes("state\n"), 1000 + kFrameTimeoutMs + 1);
        CHECK(s.drops == std::vector<Drop>{Drop::Stalled});
        CHECK(s.text == "state\n");
        // Within the timeout the packet goes on: a slow client still gets through.
        Demux d2;
        split(d2, part, 5000);
        const Split s2 = split(d2, Buf(kDocWifiRpc.begin() + 20, kDocWifiRpc.end()), 5000 + kFrameTimeoutMs);
        CHECK(s2.packets.size() == 1);
        CHECK(s2.drops.empty());
    }
    SUBCASE("a line that stopped after the first header bytes is still text") {
        Demux d;
        CHECK(split(d, bytes("IMPR"), 10).text.empty());
        const Split s = split(d, bytes("ESS\n"), 10 + kFrameTimeoutMs + 1);
        CHECK(s.text == "IMPRESS\n");
        CHECK(s.drops.empty());
    }
    SUBCASE("the longest packet, and a length that runs past what arrives") {
        Demux d;
        const Buf longest = packet(Type::RpcResult, Buf(kMaxData, 0x0A));
        const Split s = split(d, longest);
        REQUIRE(s.packets.size() == 1);
        CHECK(s.packets[0].second.size() == kMaxData);
        CHECK(s.text == "\n");
    }
    SUBCASE("a wrong version is not a packet") {
        Demux d;
        Buf in = kStateRpc;
        in[6] = 0x02;
        in.push_back('\n');
        const Split s = split(d, in);
        CHECK(s.packets.empty());
        CHECK(s.text == std::string(in.begin(), in.end()));
    }
}

TEST_CASE("Improv service: current state and device info, as ESP Web Tools asks for them first") {
    Rig r;
    r.send(kStateRpc);
    Buf expected = kNoError;
    expected.insert(expected.end(), kReady.begin(), kReady.end());
    CHECK(r.out.wire == expected);
    CHECK(r.out.writes == 2);
    r.out.clear();
    r.send(kInfoRpc);
    auto p = r.out.packets();
    REQUIRE(p.size() == 2);
    CHECK(p[1].first == Type::RpcResult);
    CHECK(p[1].second[0] == 0x03);
    CHECK(strings(p[1].second) ==
          std::vector<std::string>{"claude-gauge", "0.1.0", "cyd/esp32", "claude-gauge"});
    // A provisioned device also sends the next URL: the daemon's page.
    r.wifi.joined = true;
    r.out.clear();
    r.send(kStateRpc);
    p = r.out.packets();
    REQUIRE(p.size() == 3);
    CHECK(p[1].second == Buf({0x04}));
    CHECK(p[2].second[0] == 0x02);
    CHECK(strings(p[2].second) == std::vector<std::string>{"http://192.168.1.20:8787/"});
    // Found by mDNS (no stored URL): provisioned, with an empty list.
    r.wifi.url = "";
    r.out.clear();
    r.send(kStateRpc);
    p = r.out.packets();
    REQUIRE(p.size() == 3);
    CHECK(strings(p[2].second).empty());
}

TEST_CASE("Improv service: Wi-Fi settings join, then answer with the next URL") {
    Rig r;
    r.send(rpc(0x01, {"home", "hunter22"}), 100);
    auto p = r.out.packets();
    REQUIRE(p.size() == 2);
    CHECK(p[0].second == Buf({0x00}));
    CHECK(p[1].first == Type::CurrentState);
    CHECK(p[1].second == Buf({0x03}));
    CHECK(r.wifi.joining_ssid == "home");
    CHECK(r.svc.state() == State::Provisioning);
    r.out.clear();
    r.svc.tick(200);
    CHECK(r.out.wire.empty());
    r.wifi.status = JoinStatus::Joined;
    r.wifi.joined = true;
    r.svc.tick(300);
    p = r.out.packets();
    REQUIRE(p.size() == 2);
    CHECK(p[0].second == Buf({0x04}));
    CHECK(p[1].second[0] == 0x01);
    CHECK(strings(p[1].second) == std::vector<std::string>{"http://192.168.1.20:8787/"});
    CHECK(r.svc.state() == State::Provisioned);
}

TEST_CASE("Improv service: a join that fails or never finishes says unable to connect, then ready") {
    SUBCASE("wrong password") {
        Rig r;
        r.send(rpc(0x01, {"home", "wrong"}), 0);
        r.out.clear();
        r.svc.tick(10);
        const auto p = r.out.packets();
        REQUIRE(p.size() == 2);
        CHECK(p[0].first == Type::ErrorState);
        CHECK(p[0].second == Buf({0x03}));
        CHECK(p[1].second == Buf({0x02}));
    }
    SUBCASE("no answer within the timeout") {
        Rig r;
        r.send(rpc(0x01, {"home", "hunter22"}), 1000);
        r.out.clear();
        r.svc.tick(1000 + kConnectTimeoutMs - 1);
        CHECK(r.out.wire.empty());
        r.svc.tick(1000 + kConnectTimeoutMs);
        const auto p = r.out.packets();
        REQUIRE(p.size() == 2);
        CHECK(p[0].second == Buf({0x03}));
        CHECK(r.svc.state() == State::Ready);
    }
}

TEST_CASE("Improv service: scan lists each SSID once, strongest first, then an empty result") {
    Rig r;
    r.wifi.seen = {net("cafe", -80, false), net("home", -70, true), net("", -30, true),
                   net("home", -50, true), net("attic", -60, true)};
    for (int i = 0; i < 20; ++i)
        r.wifi.seen.push_back(net(("far" + std::to_string(i)).c_str(), -90 - i, true));
    r.send(rpc(0x04, {}), 0);
    CHECK(r.wifi.scan_started);
    r.svc.tick(5);
    CHECK(r.out.packets().size() == 1);  // "no error" only, the scan runs
    r.out.clear();
    r.wifi.scan_status = ScanStatus::Done;
    r.svc.tick(10);
    const auto p = r.out.packets();
    REQUIRE(p.size() == kMaxNetworks + 1);
    CHECK(strings(p[0].second) == std::vector<std::string>{"home", "-50", "YES"});
    CHECK(strings(p[1].second) == std::vector<std::string>{"attic", "-60", "YES"});
    CHECK(strings(p[2].second) == std::vector<std::string>{"cafe", "-80", "NO"});
    CHECK(strings(p[3].second)[0] == "far0");
    CHECK(strings(p[kMaxNetworks - 1].second)[0] == "far12");
    CHECK(strings(p[kMaxNetworks].second).empty());
    CHECK(r.wifi.scans_ended == 1);
}

TEST_CASE("Improv service: a scan that fails or hangs ends with an empty list") {
    Rig r;
    r.send(rpc(0x04, {}), 0);
    r.out.clear();
    r.svc.tick(kScanTimeoutMs);
    auto p = r.out.packets();
    REQUIRE(p.size() == 1);
    CHECK(strings(p[0].second).empty());
    r.out.clear();
    r.wifi.scan_status = ScanStatus::Failed;
    r.send(rpc(0x04, {}), 20000);
    r.svc.tick(20001);
    p = r.out.packets();
    REQUIRE(p.size() == 2);
    CHECK(strings(p[1].second).empty());
}

TEST_CASE("Improv service: vendor RPC 0xC0 reads and stores the daemon URL and token") {
    Rig r;
    r.send(rpc(0xC0, {}));
    auto p = r.out.packets();
    REQUIRE(p.size() == 2);
    CHECK(strings(p[1].second) ==
          std::vector<std::string>{"url", "http://192.168.1.20:8787/usage", "token", "none"});
    r.out.clear();
    r.send(rpc(0xC0, {"url", "http://10.0.0.5:9000/usage", "token", "s3cret-token"}));
    p = r.out.packets();
    REQUIRE(p.size() == 2);
    CHECK(p[0].second == Buf({0x00}));
    CHECK(p[1].second[0] == 0xC0);
    CHECK(strings(p[1].second) == std::vector<std::string>{"http://10.0.0.5:9000/"});
    CHECK(r.wifi.stores.back() ==
          std::make_pair(std::string("http://10.0.0.5:9000/usage"), std::string("s3cret-token")));
    // The restart waits kSettingsRestartDelayMs after the last settings RPC, then comes once.
    CHECK_FALSE(r.svc.restartDue(kSettingsRestartDelayMs - 1));
    r.send(rpc(0xC0, {"token", "second-token"}), 500);
    CHECK_FALSE(r.svc.restartDue(kSettingsRestartDelayMs));
    CHECK(r.svc.restartDue(500 + kSettingsRestartDelayMs));
    CHECK_FALSE(r.svc.restartDue(500 + kSettingsRestartDelayMs + 1));
    // The token is never sent back, only whether there is one.
    r.out.clear();
    r.send(rpc(0xC0, {}));
    CHECK(strings(r.out.packets()[1].second)[3] == "set");
    // Only the token; the URL stays.
    r.send(rpc(0xC0, {"token", ""}));
    CHECK(r.wifi.stores.back() == std::make_pair(std::string("-"), std::string("")));
    CHECK(r.wifi.url == "http://10.0.0.5:9000/usage");
}

TEST_CASE("Improv service: hostile RPCs change nothing and are answered with an error") {
    Rig r;
    struct Case {
        const char* what;
        Buf packet;
        uint8_t error;
    };
    Buf inner_len = rpc(0x01, {"home", "hunter22"});
    inner_len[kPrefixLen + 1] += 1;  // the RPC's own length byte disagrees with the packet's
    inner_len[inner_len.size() - 2] = checksum(inner_len.data(), inner_len.size() - 2);
    Buf bad_sum = kInfoRpc;
    bad_sum.back() ^= 0xFF;
    const std::vector<Case> cases = {
        {"unknown command", rpc(0x7E, {}), 0x02},
        {"hostname (not offered)", rpc(0x05, {}), 0x02},
        {"state with data", rpc(0x02, {"x"}), 0x01},
        {"SSID longer than 32 bytes", rpc(0x01, {std::string(33, 's'), "pw"}), 0x01},
        {"password longer than 64 bytes", rpc(0x01, {"home", std::string(65, 'p')}), 0x01},
        {"empty SSID", rpc(0x01, {"", "pw"}), 0x01},
        {"SSID with a NUL byte", rpc(0x01, {std::string("ho\0me", 5), "pw"}), 0x01},
        {"one string only", rpc(0x01, {"home"}), 0x01},
        {"inner length mismatch", inner_len, 0x01},
        {"bad checksum", bad_sum, 0x01},
        {"vendor: unknown key", rpc(0xC0, {"host", "x"}), 0x01},
        {"vendor: key twice", rpc(0xC0, {"url", "http://a/usage", "url", "http://b/usage"}), 0x01},
        {"vendor: odd strings", rpc(0xC0, {"url"}), 0x01},
        {"vendor: bad URL", rpc(0xC0, {"url", "ftp://x"}), 0x01},
        {"vendor: bad token", rpc(0xC0, {"token", "a b"}), 0x01},
    };
    for (const Case& c : cases) {
        CAPTURE(c.what);
        r.out.clear();
        r.send(c.packet);
        const auto p = r.out.packets();
        REQUIRE(p.size() == 1);
        CHECK(p[0].first == Type::ErrorState);
        CHECK(p[0].second == Buf({c.error}));
        CHECK(r.svc.state() == State::Ready);
        CHECK(r.wifi.joining_ssid.empty());
        CHECK(r.wifi.stores.empty());
        CHECK_FALSE(r.svc.restartDue(100000));
    }
    // Packets the device itself sends, echoed back, are ignored silently.
    r.out.clear();
    r.send(kReady);
    r.send(packet(Type::RpcResult, {0x03, 0x00}));
    CHECK(r.out.wire.empty());
    // Nothing was lost: the console line and a good RPC after all that still work.
    r.text.clear();
    r.send(bytes("state\n"));
    r.send(kStateRpc);
    CHECK(r.text == "state\n");
    CHECK(r.out.packets().size() == 2);
}
