#include "improv.h"

#include <stdio.h>
#include <string.h>

namespace gauge {
namespace improv {

namespace {

bool equals(const Bytes& b, const char* text) {
    const size_t n = strlen(text);
    return b.len == n && memcmp(b.data, text, n) == 0;
}

// Copies a received string into a C string; false when it does not fit or contains a NUL byte (a C string
// could not carry it, and no SSID, password, URL or token needs one).
bool toCString(const Bytes& b, char* out, size_t cap) {
    if (b.len + 1 > cap || memchr(b.data, 0, b.len) != nullptr) return false;
    memcpy(out, b.data, b.len);
    out[b.len] = '\0';
    return true;
}

}  // namespace

Bytes bytesOf(const char* text) {
    return Bytes{reinterpret_cast<const uint8_t*>(text), strlen(text)};
}

uint8_t checksum(const uint8_t* bytes, size_t n) {
    uint32_t sum = 0;
    for (size_t i = 0; i < n; ++i) sum += bytes[i];
    return static_cast<uint8_t>(sum & 0xFF);
}

size_t encodePacket(Type type, const uint8_t* data, size_t len, uint8_t* out, size_t cap) {
    const size_t total = kPrefixLen + len + 2;
    if (len > kMaxData || cap < total) return 0;
    memcpy(out, kHeader, kHeaderLen);
    out[kHeaderLen] = kVersion;
    out[kHeaderLen + 1] = static_cast<uint8_t>(type);
    out[kHeaderLen + 2] = static_cast<uint8_t>(len);
    if (len) memcpy(out + kPrefixLen, data, len);
    out[kPrefixLen + len] = checksum(out, kPrefixLen + len);
    out[kPrefixLen + len + 1] = '\n';
    return total;
}

size_t encodeStrings(uint8_t command, const Bytes* strings, size_t count, uint8_t* out, size_t cap) {
    size_t rest = 0;
    for (size_t i = 0; i < count; ++i) {
        if (strings[i].len > 255) return 0;
        rest += 1 + strings[i].len;
    }
    const size_t total = 2 + rest;
    if (total > kMaxData || total > cap) return 0;
    out[0] = command;
    out[1] = static_cast<uint8_t>(rest);
    size_t at = 2;
    for (size_t i = 0; i < count; ++i) {
        out[at++] = static_cast<uint8_t>(strings[i].len);
        if (strings[i].len) memcpy(out + at, strings[i].data, strings[i].len);
        at += strings[i].len;
    }
    return total;
}

bool parseStrings(const uint8_t* data, size_t len, Strings& out) {
    out.count = 0;
    size_t at = 0;
    while (at < len) {
        const size_t n = data[at];
        if (at + 1 + n > len || out.count == kMaxStrings) return false;
        out.item[out.count++] = Bytes{data + at + 1, n};
        at += 1 + n;
    }
    return true;
}

bool parseRpc(const uint8_t* data, size_t len, Rpc& out) {
    if (len < 2 || data[1] != len - 2) return false;
    out = Rpc{data[0], data + 2, len - 2};
    return true;
}

bool daemonPageUrl(const char* usage_url, char* out, size_t cap) {
    if (cap) out[0] = '\0';
    size_t scheme = 0;
    if (strncmp(usage_url, "http://", 7) == 0)
        scheme = 7;
    else if (strncmp(usage_url, "https://", 8) == 0)
        scheme = 8;
    else
        return false;
    const size_t host = strcspn(usage_url + scheme, "/?#");
    if (host == 0 || scheme + host + 2 > cap) return false;
    memcpy(out, usage_url, scheme + host);
    out[scheme + host] = '/';
    out[scheme + host + 1] = '\0';
    return true;
}

// ---- Demux

Demux::Demux() {
    reset();
}

void Demux::reset() {
    phase_ = Phase::Text;
    line_start_ = true;
    last_ms_ = 0;
    len_ = 0;
    need_ = 0;
}

Event Demux::textEvent(uint8_t byte) {
    text_[0] = byte;
    line_start_ = byte == '\r' || byte == '\n';
    return Event{EventKind::Text, text_, 1, Type::Rpc, nullptr, 0, Drop::None, Type::Rpc};
}

Event Demux::push(uint8_t byte, uint32_t now) {
    Event e{EventKind::None, nullptr, 0, Type::Rpc, nullptr, 0, Drop::None, Type::Rpc};
    if (phase_ != Phase::Text && static_cast<uint32_t>(now - last_ms_) > kFrameTimeoutMs) {
        if (phase_ == Phase::Header) {
            // It never became a packet: the held bytes were text, and so is this byte (same line).
            memcpy(text_, buf_, len_);
            text_[len_] = byte;
            e.kind = EventKind::Text;
            e.text = text_;
            e.text_len = len_ + 1;
            phase_ = Phase::Text;
            len_ = 0;
            line_start_ = byte == '\r' || byte == '\n';
            return e;
        }
        e.dropped = Drop::Stalled;
        e.dropped_type = len_ > kHeaderLen + 1 ? static_cast<Type>(buf_[kHeaderLen + 1]) : Type::Rpc;
        phase_ = Phase::Text;
        len_ = 0;
        line_start_ = true;
    }
    last_ms_ = now;
    switch (phase_) {
        case Phase::Text:
            if (line_start_ && byte == kHeader[0]) {
                phase_ = Phase::Header;
                buf_[0] = byte;
                len_ = 1;
                return e;
            } else {
                const Drop d = e.dropped;
                const Type dt = e.dropped_type;
                e = textEvent(byte);
                e.dropped = d;
                e.dropped_type = dt;
                return e;
            }
        case Phase::Header: {
            const uint8_t expected = len_ < kHeaderLen ? kHeader[len_] : kVersion;
            if (byte == expected) {
                buf_[len_++] = byte;
                if (len_ == kHeaderLen + 1) phase_ = Phase::Frame;
                return e;
            }
            memcpy(text_, buf_, len_);
            text_[len_] = byte;
            e.kind = EventKind::Text;
            e.text = text_;
            e.text_len = len_ + 1;
            phase_ = Phase::Text;
            len_ = 0;
            line_start_ = byte == '\r' || byte == '\n';
            return e;
        }
        case Phase::Frame: {
            buf_[len_++] = byte;
            if (len_ == kPrefixLen) need_ = kPrefixLen + buf_[kPrefixLen - 1] + 1;
            if (len_ < kPrefixLen || len_ < need_) return e;
            const size_t n = len_;
            phase_ = Phase::Text;
            len_ = 0;
            line_start_ = true;
            const Type type = static_cast<Type>(buf_[kHeaderLen + 1]);
            if (checksum(buf_, n - 1) != buf_[n - 1]) {
                e.dropped = Drop::BadChecksum;
                e.dropped_type = type;
                return e;
            }
            e.kind = EventKind::Packet;
            e.type = type;
            e.data = buf_ + kPrefixLen;
            e.len = buf_[kPrefixLen - 1];
            return e;
        }
    }
    return e;
}

// ---- Service

Service::Service(Backend& backend, Output& out)
    : backend_(backend),
      out_(out),
      joining_(false),
      join_started_ms_(0),
      scanning_(false),
      scan_started_ms_(0),
      restart_pending_(false),
      settings_stored_ms_(0),
      sent_(0) {
    memset(networks_, 0, sizeof networks_);
}

State Service::state() {
    if (joining_) return State::Provisioning;
    return backend_.wifiJoined() ? State::Provisioned : State::Ready;
}

bool Service::restartDue(uint32_t now) {
    if (!restart_pending_ || static_cast<uint32_t>(now - settings_stored_ms_) < kSettingsRestartDelayMs)
        return false;
    restart_pending_ = false;
    return true;
}

void Service::sendPacket(Type t, const uint8_t* data, size_t len) {
    uint8_t packet[kMaxPacket];
    const size_t n = encodePacket(t, data, len, packet, sizeof packet);
    if (n == 0) return;
    out_.write(packet, n);
    ++sent_;
}

void Service::sendState(State s) {
    const uint8_t b = static_cast<uint8_t>(s);
    sendPacket(Type::CurrentState, &b, 1);
}

void Service::sendError(Error e) {
    const uint8_t b = static_cast<uint8_t>(e);
    sendPacket(Type::ErrorState, &b, 1);
}

void Service::sendResult(Command c, const Bytes* strings, size_t count) {
    uint8_t data[kMaxData];
    const size_t n = encodeStrings(static_cast<uint8_t>(c), strings, count, data, sizeof data);
    if (n == 0) {
        sendError(Error::Unknown);
        return;
    }
    sendPacket(Type::RpcResult, data, n);
}

// The "next URL" of a provisioned device: the daemon's page, which shows this gauge's picture (the gauge has
// no web page of its own). No daemon URL stored (found by mDNS) -> an empty list.
void Service::sendNextUrl(Command c) {
    char url[kMaxData + 1];
    char page[kMaxData + 1];
    backend_.daemonUrl(url, sizeof url);
    if (daemonPageUrl(url, page, sizeof page)) {
        const Bytes s = bytesOf(page);
        sendResult(c, &s, 1);
    } else {
        sendResult(c, nullptr, 0);
    }
}

void Service::onEvent(const Event& e, uint32_t now) {
    // A corrupted RPC is answered, so the client fails fast instead of waiting; anything else that went
    // wrong (an echo of our own packets, a client that vanished mid-packet) is dropped without a word.
    if (e.dropped == Drop::BadChecksum && e.dropped_type == Type::Rpc) sendError(Error::InvalidRpc);
    if (e.kind == EventKind::Packet && e.type == Type::Rpc) handleRpc(e.data, e.len, now);
}

void Service::handleRpc(const uint8_t* data, size_t len, uint32_t now) {
    Rpc rpc;
    if (!parseRpc(data, len, rpc)) {
        sendError(Error::InvalidRpc);
        return;
    }
    Strings s;
    const bool strings_ok = parseStrings(rpc.payload, rpc.len, s);
    switch (static_cast<Command>(rpc.command)) {
        case Command::CurrentState: {
            if (rpc.len != 0) break;
            sendError(Error::None);
            const State st = state();
            sendState(st);
            if (st == State::Provisioned) sendNextUrl(Command::CurrentState);
            return;
        }
        case Command::DeviceInfo: {
            if (rpc.len != 0) break;
            sendError(Error::None);
            const DeviceInfo info = backend_.deviceInfo();
            const Bytes items[4] = {bytesOf(kFirmwareName), bytesOf(info.version), bytesOf(info.chip),
                                    bytesOf(info.name)};
            sendResult(Command::DeviceInfo, items, 4);
            return;
        }
        case Command::ScanNetworks:
            if (rpc.len != 0) break;
            sendError(Error::None);
            if (scanning_) return;  // the scan in progress answers this request too
            if (joining_ || !backend_.beginScan()) {
                sendResult(Command::ScanNetworks, nullptr, 0);
                return;
            }
            scanning_ = true;
            scan_started_ms_ = now;
            return;
        case Command::WifiSettings:
            if (!strings_ok) break;
            wifiSettings(s, now);
            return;
        case Command::DaemonSettings:
            if (!strings_ok) break;
            daemonSettings(s, now);
            return;
        default:
            sendError(Error::UnknownRpc);
            return;
    }
    sendError(Error::InvalidRpc);
}

void Service::wifiSettings(const Strings& s, uint32_t now) {
    char ssid[kMaxSsid + 1];
    char password[kMaxPassword + 1];
    if (s.count != 2 || s.item[0].len == 0 || !toCString(s.item[0], ssid, sizeof ssid) ||
        !toCString(s.item[1], password, sizeof password)) {
        sendError(Error::InvalidRpc);
        return;
    }
    sendError(Error::None);
    if (scanning_) {  // the join needs the radio; the client is no longer waiting for that list
        scanning_ = false;
        backend_.endScan();
    }
    if (!backend_.beginJoin(ssid, password)) {
        joining_ = false;
        sendError(Error::UnableToConnect);
        sendState(State::Ready);
        return;
    }
    joining_ = true;
    join_started_ms_ = now;
    sendState(State::Provisioning);
}

void Service::daemonSettings(const Strings& s, uint32_t now) {
    if (s.count == 0) {
        char url[kMaxData + 1];
        backend_.daemonUrl(url, sizeof url);
        const Bytes items[4] = {bytesOf("url"), bytesOf(url), bytesOf("token"),
                                bytesOf(backend_.hasToken() ? "set" : "none")};
        sendError(Error::None);
        sendResult(Command::DaemonSettings, items, 4);
        return;
    }
    char url[kMaxData + 1];
    char token[kMaxData + 1];
    bool has_url = false;
    bool has_token = false;
    bool ok = s.count % 2 == 0;
    for (size_t i = 0; ok && i + 1 < s.count; i += 2) {
        if (equals(s.item[i], "url") && !has_url) {
            has_url = ok = toCString(s.item[i + 1], url, sizeof url);
        } else if (equals(s.item[i], "token") && !has_token) {
            has_token = ok = toCString(s.item[i + 1], token, sizeof token);
        } else {
            ok = false;
        }
    }
    if (!ok) {
        sendError(Error::InvalidRpc);
        return;
    }
    switch (backend_.storeDaemonSettings(has_url ? url : nullptr, has_token ? token : nullptr)) {
        case StoreResult::Stored:
            sendError(Error::None);
            sendNextUrl(Command::DaemonSettings);
            restart_pending_ = true;  // counted from the last one: a URL and a token may come as two RPCs
            settings_stored_ms_ = now;
            return;
        case StoreResult::BadUrl:
        case StoreResult::BadToken:
            sendError(Error::InvalidRpc);
            return;
        case StoreResult::Failed:
            sendError(Error::Unknown);
            return;
    }
}

void Service::finishScan() {
    size_t count = 0;
    backend_.scanStatus(&count);
    size_t kept = 0;
    for (size_t i = 0; i < count; ++i) {
        Network n;
        memset(&n, 0, sizeof n);
        if (!backend_.scanned(i, &n)) continue;
        n.ssid[kMaxSsid] = '\0';
        if (n.ssid[0] == '\0') continue;  // hidden networks cannot be picked from a list
        // One entry per SSID (the strongest), strongest first, at most kMaxNetworks.
        size_t at = 0;
        while (at < kept && strcmp(networks_[at].ssid, n.ssid) != 0) ++at;
        if (at < kept) {
            if (n.rssi <= networks_[at].rssi) continue;
            memmove(&networks_[at], &networks_[at + 1], (kept - at - 1) * sizeof(Network));
            --kept;
        }
        size_t pos = 0;
        while (pos < kept && networks_[pos].rssi >= n.rssi) ++pos;
        if (pos >= kMaxNetworks) continue;
        const size_t move = (kept < kMaxNetworks ? kept : kMaxNetworks - 1) - pos;
        memmove(&networks_[pos + 1], &networks_[pos], move * sizeof(Network));
        networks_[pos] = n;
        if (kept < kMaxNetworks) ++kept;
    }
    backend_.endScan();
    for (size_t i = 0; i < kept; ++i) {
        char rssi[8];
        snprintf(rssi, sizeof rssi, "%d", static_cast<int>(networks_[i].rssi));
        const Bytes items[3] = {bytesOf(networks_[i].ssid), bytesOf(rssi),
                                bytesOf(networks_[i].secured ? "YES" : "NO")};
        sendResult(Command::ScanNetworks, items, 3);
    }
    sendResult(Command::ScanNetworks, nullptr, 0);  // the end of the list
}

void Service::tick(uint32_t now) {
    if (joining_) {
        const JoinStatus st = backend_.joinStatus();
        if (st == JoinStatus::Joined) {
            joining_ = false;
            sendState(State::Provisioned);
            sendNextUrl(Command::WifiSettings);
        } else if (st == JoinStatus::Failed ||
                   static_cast<uint32_t>(now - join_started_ms_) >= kConnectTimeoutMs) {
            joining_ = false;
            sendError(Error::UnableToConnect);
            sendState(State::Ready);
        }
    }
    if (scanning_) {
        size_t count = 0;
        const ScanStatus st = backend_.scanStatus(&count);
        if (st == ScanStatus::Done) {
            scanning_ = false;
            finishScan();
        } else if (st == ScanStatus::Failed ||
                   static_cast<uint32_t>(now - scan_started_ms_) >= kScanTimeoutMs) {
            scanning_ = false;
            backend_.endScan();
            sendResult(Command::ScanNetworks, nullptr, 0);
        }
    }
}

}  // namespace improv
}  // namespace gauge
