#include "console.h"

#include <Arduino.h>
#include <esp_log.h>
#include <freertos/FreeRTOS.h>
#include <freertos/semphr.h>
#include <freertos/task.h>
#include <stdarg.h>
#include <stdio.h>

#include "console_lines.h"

namespace gauge {
namespace esp32 {

namespace {

StaticSemaphore_t g_log_mutex_buf;
SemaphoreHandle_t g_log_mutex = nullptr;
char g_log_text[512];                 // one esp_log message, formatted (guarded by g_log_mutex)
char g_log_line[kConsoleLineBuffer];  // one "# log" line of it (guarded by g_log_mutex)
volatile unsigned g_dropped = 0;

// `buf` holds a line of `len` characters and has room for two more: the CRLF goes in place, and the whole
// line leaves in one HardwareSerial::write(buf, n) -> uartWriteBuf(): one uart_write_bytes() under the
// UART mutex, so a line from another task lands before or after this one, never inside it.
void writeLine(char* buf, size_t len) {
    buf[len] = '\r';
    buf[len + 1] = '\n';
    Serial.write(reinterpret_cast<const uint8_t*>(buf), len + 2);
}

// esp_log_set_vprintf() hook. Runs in whatever task logged (WiFi, lwIP, mDNS, ...), never in an ISR
// (ESP_LOGx is not allowed there; ESP_EARLY_LOGx goes to the ROM channel, which consoleBegin() silences).
int logVprintf(const char* fmt, va_list ap) {
    if (xPortInIsrContext() || g_log_mutex == nullptr) return 0;
    // A log call made while this task already formats one (e.g. from inside the UART driver) is dropped
    // rather than deadlocking on our own mutex.
    if (xSemaphoreGetMutexHolder(g_log_mutex) == xTaskGetCurrentTaskHandle() ||
        xSemaphoreTake(g_log_mutex, pdMS_TO_TICKS(50)) != pdTRUE) {
        g_dropped = g_dropped + 1;
        return 0;
    }
    const int n = vsnprintf(g_log_text, sizeof g_log_text, fmt, ap);
    if (n > 0) {
        const size_t len =
            static_cast<size_t>(n) < sizeof g_log_text ? static_cast<size_t>(n) : sizeof g_log_text - 1;
        forEachLogLine(g_log_text, len, g_log_line, [](char* line, size_t l) { writeLine(line, l); });
    }
    xSemaphoreGive(g_log_mutex);
    return n;
}

}  // namespace

void consoleBegin() {
    if (g_log_mutex == nullptr) g_log_mutex = xSemaphoreCreateMutexStatic(&g_log_mutex_buf);
    // Arduino-ESP32 2.0.17 HardwareSerial::setDebugOutput(false) -> uartSetDebug(NULL) ->
    // ets_install_putc1(NULL): the ROM printf channel that log_printf()/ets_printf() use goes nowhere (the
    // way ESP-IDF itself mutes it for CONFIG_ESP_CONSOLE_NONE). Must follow Serial.begin(): before it,
    // setDebugOutput() returns without doing anything.
    Serial.setDebugOutput(false);
    esp_log_set_vprintf(&logVprintf);
}

void consoleWrite(const char* line) {
    char buf[kConsoleLineBuffer];
    const size_t len = strnlen(line, kConsoleLineMax);
    memcpy(buf, line, len);
    writeLine(buf, len);
}

void consolef(const char* fmt, ...) {
    char buf[kConsoleLineBuffer];
    buf[0] = '#';
    buf[1] = ' ';
    va_list ap;
    va_start(ap, fmt);
    // At most kConsoleLineMax - 2 characters after "# ", leaving room for the CRLF.
    const int n = vsnprintf(buf + 2, kConsoleLineMax - 1, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    const size_t text =
        static_cast<size_t>(n) < kConsoleLineMax - 2 ? static_cast<size_t>(n) : kConsoleLineMax - 2;
    writeLine(buf, 2 + text);
}

unsigned consoleDroppedLogs() {
    return g_dropped;
}

}  // namespace esp32
}  // namespace gauge
