// Improv Wi-Fi over serial (https://www.improv-wifi.com/serial/): the packet codec, the byte demultiplexer
// that tells Improv packets from the serial console's text commands on the same port, and the provisioning
// service (current state, device info, Wi-Fi settings, network scan, and claude-gauge's vendor RPC for the
// daemon URL and token). Portable: no heap, fixed buffers, time injected; the platform supplies Wi-Fi and
// storage through `Backend` and the port through `Output`.
//
// Packet (both directions):  "IMPROV" | version (1) | type | length | data[length] | checksum
//   checksum = low byte of the sum of every byte before it, header included.
//   Types: 0x01 current state, 0x02 error state, 0x04 RPC result (device -> client); 0x03 RPC (client ->
//   device). RPC data: command | length of the rest | the rest. RPC result data: command | length of the
//   rest | strings, each as length | bytes. Every packet this device sends ends with '\n' (the browser's
//   reader starts a new line there; the serial console's readers see one line per packet).
//
// Telling the two protocols apart, byte-exactly (Demux): text commands are lower-case words, Improv packets
// start with the six bytes "IMPROV" and the version byte 0x01. At the start of a line (after CR or LF, or
// after a packet) the demux holds bytes while they match "IMPROV" + 0x01; on the first byte that does not
// match, everything held is handed back as text, in order, so a console line is never changed (a line that
// merely starts with "IMPROV" stays text). Once the seven bytes matched, the bytes up to the checksum are a
// packet whatever they contain. A packet whose checksum is wrong is dropped; so is a packet that stalls for
// kFrameTimeoutMs (a client that went away), and the byte after the stall starts afresh. Nothing the
// console sends is lost, and a bad packet changes no state.
//
// Vendor RPC 0xC0 "daemon settings" (claude-gauge only; docs/firmware.md):
//   data = strings.  No string: get -> RPC result "url", <stored URL or "">, "token", "set" | "none".
//   Pairs "url" <value> and/or "token" <value>, each at most once: set them ("" clears; a key left out stays
//   as it is) -> error state 0x00, RPC result <next URL> (none when there is no daemon URL), then the device
//   applies them: it restarts kSettingsRestartDelayMs after the last settings RPC. A bad pair or value ->
//   error state 0x01 (invalid RPC), nothing stored; a value the device cannot change (compiled in) -> 0xFF.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace gauge {
namespace improv {

// The firmware name the device reports in device info; the install page's manifests carry the same name,
// so ESP Web Tools offers "Update" rather than "Install" on a gauge that already runs claude-gauge.
constexpr const char* kFirmwareName = "claude-gauge";

constexpr uint8_t kHeader[6] = {'I', 'M', 'P', 'R', 'O', 'V'};
constexpr size_t kHeaderLen = 6;
constexpr uint8_t kVersion = 1;
constexpr size_t kMaxData = 255;  // one length byte
// Header, version, type, length before the data; the checksum after it.
constexpr size_t kPrefixLen = kHeaderLen + 3;
constexpr size_t kMaxFrame = kPrefixLen + kMaxData + 1;
constexpr size_t kMaxPacket = kMaxFrame + 1;  // with the trailing '\n'
// A packet that has not completed this long after its previous byte is abandoned (at 115200 baud a whole
// packet takes 23 ms).
constexpr uint32_t kFrameTimeoutMs = 1000;
// How long a Wi-Fi join may take before the device reports "unable to connect" (ESP Web Tools waits 45 s).
constexpr uint32_t kConnectTimeoutMs = 30000;
// A network scan that has not finished by then is reported as an empty list.
constexpr uint32_t kScanTimeoutMs = 15000;
// New daemon settings take effect by restarting the device this long after the last one was stored, so a
// URL and a token sent as two RPCs (together they may not fit one packet) both land first.
constexpr uint32_t kSettingsRestartDelayMs = 1000;
// Networks reported per scan (strongest first, one entry per SSID).
constexpr size_t kMaxNetworks = 16;
// Strings in one RPC or result; SSID and password limits of 802.11 / WPA2.
constexpr size_t kMaxStrings = 8;
constexpr size_t kMaxSsid = 32;
constexpr size_t kMaxPassword = 64;

enum class Type : uint8_t { CurrentState = 0x01, ErrorState = 0x02, Rpc = 0x03, RpcResult = 0x04 };
enum class State : uint8_t { Stopped = 0x00, Ready = 0x02, Provisioning = 0x03, Provisioned = 0x04 };
enum class Error : uint8_t {
    None = 0x00,
    InvalidRpc = 0x01,
    UnknownRpc = 0x02,
    UnableToConnect = 0x03,
    Unknown = 0xFF
};
enum class Command : uint8_t {
    WifiSettings = 0x01,
    CurrentState = 0x02,
    DeviceInfo = 0x03,
    ScanNetworks = 0x04,
    DaemonSettings = 0xC0,  // vendor RPC, see above
};

// ---- Codec ------------------------------------------------------------------------------------------

// A byte string (not NUL-terminated).
struct Bytes {
    const uint8_t* data;
    size_t len;
};
Bytes bytesOf(const char* text);  // strlen

uint8_t checksum(const uint8_t* bytes, size_t n);

// Writes one whole packet (header .. checksum, then '\n') into out. Returns its length, or 0 when `len`
// exceeds kMaxData or the packet does not fit in `cap`.
size_t encodePacket(Type type, const uint8_t* data, size_t len, uint8_t* out, size_t cap);

// The data of an RPC or an RPC result: command | length of the rest | each string as length | bytes.
// Returns its length, or 0 when a string is longer than 255 bytes or the whole is longer than kMaxData.
size_t encodeStrings(uint8_t command, const Bytes* strings, size_t count, uint8_t* out, size_t cap);

struct Strings {
    Bytes item[kMaxStrings];
    size_t count;
};
// Splits length-prefixed strings that exactly fill `len` bytes; false when one overruns the end or there
// are more than kMaxStrings.
bool parseStrings(const uint8_t* data, size_t len, Strings& out);

// An RPC (or RPC result) body: command | length | payload. False unless the length byte matches exactly.
struct Rpc {
    uint8_t command;
    const uint8_t* payload;
    size_t len;
};
bool parseRpc(const uint8_t* data, size_t len, Rpc& out);

// The daemon's own page for a daemon URL: "http://host:port/usage" -> "http://host:port/". Writes "" (and
// returns false) for anything that is not http(s)://host[...].
bool daemonPageUrl(const char* usage_url, char* out, size_t cap);

// ---- Demux ------------------------------------------------------------------------------------------

enum class EventKind : uint8_t {
    None,    // byte held (a possible packet start, or inside a packet)
    Text,    // text[0 .. text_len) go to the console's line reader, in this order
    Packet,  // a whole packet with a good checksum: type, data[0 .. len)
};
enum class Drop : uint8_t {
    None,
    BadChecksum,  // a whole packet arrived but its checksum is wrong (type says what it claimed to be)
    Stalled,      // a packet stopped arriving for kFrameTimeoutMs; this byte started afresh
};

struct Event {
    EventKind kind;
    const uint8_t* text;
    size_t text_len;
    Type type;
    const uint8_t* data;
    size_t len;
    // Set alongside any kind when a packet was dropped on the way to this event.
    Drop dropped;
    Type dropped_type;
};

class Demux {
  public:
    Demux();
    // Feeds one byte received at `now`. Pointers in the result stay valid until the next push().
    Event push(uint8_t byte, uint32_t now);
    // True while a possible packet is held (nothing has been handed back as text yet).
    bool holding() const { return phase_ != Phase::Text; }
    void reset();

  private:
    enum class Phase : uint8_t { Text, Header, Frame };
    Event textEvent(uint8_t byte);
    Phase phase_;
    bool line_start_;
    uint32_t last_ms_;
    size_t len_;   // bytes in buf_
    size_t need_;  // whole frame length, once known (Frame phase)
    uint8_t buf_[kMaxFrame];
    uint8_t text_[kHeaderLen + 2];
};

// ---- Service ----------------------------------------------------------------------------------------

struct Network {
    char ssid[kMaxSsid + 1];
    int8_t rssi;
    bool secured;
};

enum class JoinStatus : uint8_t { Joining, Joined, Failed };
enum class ScanStatus : uint8_t { Running, Done, Failed };
enum class StoreResult : uint8_t { Stored, BadUrl, BadToken, Failed };

struct DeviceInfo {
    const char* version;  // firmware version, e.g. "0.1.0"
    const char* chip;     // hardware variant / chip, e.g. "cyd/esp32"
    const char* name;     // device name, e.g. "claude-gauge"
};

// What the service needs from the platform. Every method has a harmless default (the core links no C++
// runtime, so nothing here is pure virtual); a platform overrides all of them.
class Backend {
  public:
    virtual bool wifiJoined() { return false; }
    // Starts joining this network (and remembers it for the next boot). False when it could not start.
    virtual bool beginJoin(const char* ssid, const char* password) {
        (void)ssid;
        (void)password;
        return false;
    }
    virtual JoinStatus joinStatus() { return JoinStatus::Failed; }
    // Starts a scan; scanStatus() reports it; scanned(i) reads result i < count; endScan() frees them.
    virtual bool beginScan() { return false; }
    virtual ScanStatus scanStatus(size_t* count) {
        *count = 0;
        return ScanStatus::Failed;
    }
    virtual bool scanned(size_t i, Network* out) {
        (void)i;
        (void)out;
        return false;
    }
    virtual void endScan() {}
    virtual DeviceInfo deviceInfo() { return DeviceInfo{"", "", ""}; }
    // The stored daemon URL ("" when it is found by mDNS) and whether a token is stored.
    virtual void daemonUrl(char* out, size_t cap) {
        if (cap) out[0] = '\0';
    }
    virtual bool hasToken() { return false; }
    // Validates and stores the daemon settings; nullptr leaves that one as it is, "" clears it. The platform
    // applies them after the reply has gone out (see Service::applyPending()).
    virtual StoreResult storeDaemonSettings(const char* url, const char* token) {
        (void)url;
        (void)token;
        return StoreResult::Failed;
    }

  protected:
    ~Backend() = default;
};

class Output {
  public:
    // One whole packet per call, so a platform that writes it in one go never lets another line in.
    virtual void write(const uint8_t* bytes, size_t n) {
        (void)bytes;
        (void)n;
    }

  protected:
    ~Output() = default;
};

class Service {
  public:
    Service(Backend& backend, Output& out);
    // Handles what the demux produced: packets, and dropped ones (a bad RPC is answered "invalid RPC").
    void onEvent(const Event& e, uint32_t now);
    // Drives a join or a scan in progress. Call often.
    void tick(uint32_t now);
    // The state a client would be told now.
    State state();
    bool joining() const { return joining_; }
    // True once, kSettingsRestartDelayMs after the last daemon settings were stored and answered: the
    // platform applies them now (the ESP32 restarts).
    bool restartDue(uint32_t now);
    // Packets sent since construction (for tests and the info command).
    uint32_t packetsSent() const { return sent_; }

  private:
    void handleRpc(const uint8_t* data, size_t len, uint32_t now);
    void wifiSettings(const Strings& s, uint32_t now);
    void daemonSettings(const Strings& s, uint32_t now);
    void sendState(State s);
    void sendError(Error e);
    void sendResult(Command c, const Bytes* strings, size_t count);
    void sendNextUrl(Command c);
    void sendPacket(Type t, const uint8_t* data, size_t len);
    void finishScan();

    Backend& backend_;
    Output& out_;
    bool joining_;
    uint32_t join_started_ms_;
    bool scanning_;
    uint32_t scan_started_ms_;
    bool restart_pending_;
    uint32_t settings_stored_ms_;
    uint32_t sent_;
    Network networks_[kMaxNetworks];
};

}  // namespace improv
}  // namespace gauge
