// The serial port carries two protocols: the console's text commands (serial_commands.h) and Improv Wi-Fi
// packets (core improv.h). SerialLink routes every received byte through the core's Improv demux: packets
// (and dropped ones) to the Improv service, console text to the line reader, byte for byte in order.
// Header only and Arduino-free: the ESP32 app (improv_serial.h) and the native virtual device's serial
// console both use it; the native glue test drives it byte by byte.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http_request.h"
#include "improv.h"
#include "serial_commands.h"

namespace gauge {
namespace esp32 {

class SerialLink {
  public:
    // Feeds one byte received at `now`. True when a console line is complete in lines.line() (one byte can
    // complete at most one line: only the last byte handed back can be a line end).
    bool feed(uint8_t byte, uint32_t now, improv::Service& improv, LineReader& lines) {
        const improv::Event e = demux_.push(byte, now);
        improv.onEvent(e, now);
        bool line = false;
        for (size_t i = 0; i < e.text_len; ++i) line = lines.push(static_cast<char>(e.text[i])) || line;
        return line;
    }
    // True while a possible Improv packet is held back from the console.
    bool holding() const { return demux_.holding(); }

  private:
    improv::Demux demux_;
};

// Daemon settings that arrive over Improv's vendor RPC obey the console's and the portal's rules
// (http_request.h): the URL empty (find the daemon by mDNS) or plausibleDaemonUrl(), the token empty (none)
// or validToken(). nullptr = not being changed.
inline improv::StoreResult checkDaemonSettings(const char* url, const char* token) {
    if (url && url[0] && !plausibleDaemonUrl(url)) return improv::StoreResult::BadUrl;
    if (token && token[0] && !validToken(token)) return improv::StoreResult::BadToken;
    return improv::StoreResult::Stored;
}

}  // namespace esp32
}  // namespace gauge
