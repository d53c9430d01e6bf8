// The serial port of the ESP32 app carries only protocol lines: the core's state lines ("GAUGE ...") and
// lines starting with "# " -- and, both ways, Improv Wi-Fi packets ("IMPROV...", improv_serial.h), each
// also one write. Everything goes out here, one whole line per write, so lines from different
// tasks never interleave; ESP-IDF's log (esp_log, which the WiFi, lwIP, mDNS and NVS libraries use) is routed
// in as "# log ..." lines, and the Arduino core's ets_printf channel (log_e & co., which wrote straight into
// the UART FIFO past the driver's buffer) is switched off.
#pragma once

#include <stddef.h>

namespace gauge {
namespace esp32 {

// After Serial.begin(): route esp_log, silence the ROM putc channel.
void consoleBegin();
// One line (without line ending) + CRLF in a single write. For state lines and "# " lines.
void consoleWrite(const char* line);
// "# " + printf-formatted text + CRLF in a single write; cut at console_lines.h's kConsoleLineMax.
void consolef(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
// Log lines esp_log produced that could not be written (another task held the port too long, or a log call
// from inside the console itself).
unsigned consoleDroppedLogs();

}  // namespace esp32
}  // namespace gauge
