// The core's Improv Wi-Fi codec (firmware/core/improv.h) as a small WebAssembly module for the client side:
// the install page's vendor RPC (simulator/src/install), the HIL serial adapter and the tests use it
// through improvCodec.ts, so packets are framed, checked and split by the same code the gauge runs.
// One demux per instance (one serial port); no heap, no imports.
#include <stddef.h>
#include <stdint.h>

#include "improv.h"

#define IMPROV_EXPORT(name) extern "C" __attribute__((export_name(name)))

using namespace gauge::improv;

namespace {

constexpr uint32_t kAbiVersion = 1;

Demux g_demux;
Event g_event;
// Strings to encode: their bytes back to back, and their lengths.
uint8_t g_strings[kMaxData];
uint32_t g_string_lens[kMaxStrings];
// The last packet encoded.
uint8_t g_out[kMaxPacket];
// The strings of the last packet parsed: offsets into its data, and lengths.
uint32_t g_parsed_offsets[kMaxStrings];
uint32_t g_parsed_lens[kMaxStrings];

}  // namespace

IMPROV_EXPORT("improv_abi_version") uint32_t improv_abi_version() {
    return kAbiVersion;
}

// ---- Constants the wrapper reads instead of repeating them.
IMPROV_EXPORT("improv_max_data") uint32_t improv_max_data() {
    return kMaxData;
}
IMPROV_EXPORT("improv_max_strings") uint32_t improv_max_strings() {
    return kMaxStrings;
}
IMPROV_EXPORT("improv_frame_timeout_ms") uint32_t improv_frame_timeout_ms() {
    return kFrameTimeoutMs;
}
IMPROV_EXPORT("improv_firmware_name") const char* improv_firmware_name() {
    return kFirmwareName;
}

// The protocol's numbers by name ("group.name"), so the wrapper never writes one down itself.
struct Named {
    const char* name;
    uint8_t value;
};
const Named kNames[] = {
    {"type.current_state", static_cast<uint8_t>(Type::CurrentState)},
    {"type.error_state", static_cast<uint8_t>(Type::ErrorState)},
    {"type.rpc", static_cast<uint8_t>(Type::Rpc)},
    {"type.rpc_result", static_cast<uint8_t>(Type::RpcResult)},
    {"state.stopped", static_cast<uint8_t>(State::Stopped)},
    {"state.ready", static_cast<uint8_t>(State::Ready)},
    {"state.provisioning", static_cast<uint8_t>(State::Provisioning)},
    {"state.provisioned", static_cast<uint8_t>(State::Provisioned)},
    {"error.none", static_cast<uint8_t>(Error::None)},
    {"error.invalid_rpc", static_cast<uint8_t>(Error::InvalidRpc)},
    {"error.unknown_rpc", static_cast<uint8_t>(Error::UnknownRpc)},
    {"error.unable_to_connect", static_cast<uint8_t>(Error::UnableToConnect)},
    {"error.unknown", static_cast<uint8_t>(Error::Unknown)},
    {"command.wifi_settings", static_cast<uint8_t>(Command::WifiSettings)},
    {"command.current_state", static_cast<uint8_t>(Command::CurrentState)},
    {"command.device_info", static_cast<uint8_t>(Command::DeviceInfo)},
    {"command.scan_networks", static_cast<uint8_t>(Command::ScanNetworks)},
    {"command.daemon_settings", static_cast<uint8_t>(Command::DaemonSettings)},
};
IMPROV_EXPORT("improv_name_count") uint32_t improv_name_count() {
    return sizeof kNames / sizeof kNames[0];
}
IMPROV_EXPORT("improv_name") const char* improv_name(uint32_t i) {
    return i < improv_name_count() ? kNames[i].name : "";
}
IMPROV_EXPORT("improv_name_value") uint32_t improv_name_value(uint32_t i) {
    return i < improv_name_count() ? kNames[i].value : 0;
}

// ---- Demux: one byte in, what it made.
// Returns 0 (held), 1 (text: improv_text_*), 2 (packet: improv_packet_*).
IMPROV_EXPORT("improv_push") uint32_t improv_push(uint32_t byte, uint32_t now) {
    g_event = g_demux.push(static_cast<uint8_t>(byte), now);
    return static_cast<uint32_t>(g_event.kind);
}
// 0 none, 1 bad checksum, 2 stalled (Drop), for the byte just pushed.
IMPROV_EXPORT("improv_dropped") uint32_t improv_dropped() {
    return static_cast<uint32_t>(g_event.dropped);
}
IMPROV_EXPORT("improv_text_ptr") const uint8_t* improv_text_ptr() {
    return g_event.text;
}
IMPROV_EXPORT("improv_text_len") uint32_t improv_text_len() {
    return static_cast<uint32_t>(g_event.text_len);
}
IMPROV_EXPORT("improv_packet_type") uint32_t improv_packet_type() {
    return static_cast<uint32_t>(g_event.type);
}
IMPROV_EXPORT("improv_packet_ptr") const uint8_t* improv_packet_ptr() {
    return g_event.data;
}
IMPROV_EXPORT("improv_packet_len") uint32_t improv_packet_len() {
    return static_cast<uint32_t>(g_event.len);
}
IMPROV_EXPORT("improv_reset") void improv_reset() {
    g_demux.reset();
}

// ---- The last packet's data as an RPC result: command, then its strings.
// Returns the number of strings, or -1 when the data is not command | length | strings.
IMPROV_EXPORT("improv_parse_strings") int32_t improv_parse_strings() {
    Rpc rpc;
    Strings s;
    if (!g_event.data || !parseRpc(g_event.data, g_event.len, rpc) || !parseStrings(rpc.payload, rpc.len, s))
        return -1;
    for (size_t i = 0; i < s.count; ++i) {
        g_parsed_offsets[i] = static_cast<uint32_t>(s.item[i].data - g_event.data);
        g_parsed_lens[i] = static_cast<uint32_t>(s.item[i].len);
    }
    return static_cast<int32_t>(s.count);
}
IMPROV_EXPORT("improv_parsed_offsets") const uint32_t* improv_parsed_offsets() {
    return g_parsed_offsets;
}
IMPROV_EXPORT("improv_parsed_lens") const uint32_t* improv_parsed_lens() {
    return g_parsed_lens;
}

// ---- Encoding: an RPC (type 3) or any packet whose data is command | length | strings.
IMPROV_EXPORT("improv_strings_ptr") uint8_t* improv_strings_ptr() {
    return g_strings;
}
IMPROV_EXPORT("improv_string_lens_ptr") uint32_t* improv_string_lens_ptr() {
    return g_string_lens;
}
// Encodes `count` strings from the buffers above into a whole packet (with its '\n') at improv_out_ptr().
// Returns its length, or 0 when it does not fit in one packet.
IMPROV_EXPORT("improv_encode") uint32_t improv_encode(uint32_t type, uint32_t command, uint32_t count) {
    if (count > kMaxStrings) return 0;
    Bytes items[kMaxStrings];
    size_t at = 0;
    for (uint32_t i = 0; i < count; ++i) {
        if (g_string_lens[i] > sizeof g_strings - at) return 0;
        items[i] = Bytes{g_strings + at, g_string_lens[i]};
        at += g_string_lens[i];
    }
    uint8_t data[kMaxData];
    const size_t n = encodeStrings(static_cast<uint8_t>(command), items, count, data, sizeof data);
    if (n == 0) return 0;
    return static_cast<uint32_t>(encodePacket(static_cast<Type>(type), data, n, g_out, sizeof g_out));
}
// Encodes a packet whose data is the first `len` bytes of the strings buffer, as they are (state and error
// packets: one byte).
IMPROV_EXPORT("improv_encode_raw") uint32_t improv_encode_raw(uint32_t type, uint32_t len) {
    if (len > sizeof g_strings) return 0;
    return static_cast<uint32_t>(encodePacket(static_cast<Type>(type), g_strings, len, g_out, sizeof g_out));
}
IMPROV_EXPORT("improv_out_ptr") const uint8_t* improv_out_ptr() {
    return g_out;
}
