// Serial console of the ESP32 app, the input side: a few commands in (state_line_gate.h paces the state
// lines out). Header only and Arduino-free; the native glue test drives it byte by byte.
//
// Input: one command per line (CR, LF or CRLF), at most kMaxCommandLine bytes; longer lines are dropped
// whole. Commands (case-sensitive, arguments separated by one or more spaces):
//
//   state              print the state line now
//   info               print "# info ..." (board, firmware, reset reason, IP, daemon URL, health, poll stats)
//   heap               print the "# heap ..." line now
//   url <http://...>   poll this daemon URL from now on (not persisted); "url -" returns to the configured
//   one token <t>          send "Authorization: Bearer <t>" from now on ("token -" sends none; not persisted)
//   rediscover         resolve the daemon by mDNS again now
//   selftest           run the boot self-test sweep again
//   setup              restart into the WiFi setup portal
//   reboot             restart the ESP32
//   help               list the commands
//
// Each command answers "# ok <command>" or "# error <reason>".
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http_request.h"

namespace gauge {
namespace esp32 {

constexpr size_t kMaxCommandLine = 200;

enum class CommandKind : uint8_t {
    None,
    State,
    Info,
    Heap,
    Url,
    Token,
    Rediscover,
    SelfTest,
    Setup,
    Reboot,
    Help,
    Unknown,
    BadArg
};

struct Command {
    CommandKind kind;
    const char* arg;  // points into the LineReader's buffer; valid until the next push(); "" when none
};

// Accumulates bytes into lines without ever growing: a line longer than the buffer is discarded whole.
class LineReader {
  public:
    LineReader() : len_(0), overflow_(false), last_was_cr_(false) { buf_[0] = '\0'; }

    // Feeds one byte; returns true when a complete line is ready in line().
    bool push(char c) {
        if (c == '\n' && last_was_cr_) {  // the LF of a CRLF: the line already ended at the CR
            last_was_cr_ = false;
            return false;
        }
        last_was_cr_ = (c == '\r');
        if (c == '\r' || c == '\n') {
            const bool ok = !overflow_;
            buf_[ok ? len_ : 0] = '\0';
            len_ = 0;
            overflow_ = false;
            return ok;
        }
        if (c == '\0') return false;  // stray NULs (a reset glitch) are not part of a command
        if (len_ + 1 >= sizeof(buf_)) {
            overflow_ = true;
            return false;
        }
        if (!overflow_) buf_[len_++] = c;
        return false;
    }

    char* line() { return buf_; }

  private:
    char buf_[kMaxCommandLine + 1];
    size_t len_;
    bool overflow_;
    bool last_was_cr_;
};

// Parses one line in place (trims spaces; the argument is cut at its end).
inline Command parseCommand(char* line) {
    while (*line == ' ' || *line == '\t') ++line;
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t')) line[--n] = '\0';
    if (n == 0) return Command{CommandKind::None, ""};
    char* arg = line;
    while (*arg && *arg != ' ' && *arg != '\t') ++arg;
    if (*arg) {
        *arg++ = '\0';
        while (*arg == ' ' || *arg == '\t') ++arg;
    }
    struct Name {
        const char* name;
        CommandKind kind;
        bool needs_arg;
    };
    static const Name kNames[] = {
        {"state", CommandKind::State, false},       {"info", CommandKind::Info, false},
        {"heap", CommandKind::Heap, false},         {"url", CommandKind::Url, true},
        {"token", CommandKind::Token, true},        {"rediscover", CommandKind::Rediscover, false},
        {"selftest", CommandKind::SelfTest, false}, {"setup", CommandKind::Setup, false},
        {"reboot", CommandKind::Reboot, false},     {"help", CommandKind::Help, false},
    };
    for (const Name& k : kNames) {
        if (strcmp(line, k.name) != 0) continue;
        if (k.needs_arg && *arg == '\0') return Command{CommandKind::BadArg, "missing argument"};
        if (!k.needs_arg && *arg != '\0') return Command{CommandKind::BadArg, "unexpected argument"};
        return Command{k.kind, arg};
    }
    return Command{CommandKind::Unknown, line};
}

// A daemon URL the device can poll (http_request.h's parser: http only, a host, at most kMaxUrlBytes, no
// spaces or control bytes). "-" is accepted by the caller separately (back to the configured URL).
inline bool plausibleDaemonUrl(const char* url) {
    DaemonUrl u;
    return parseDaemonUrl(url, &u);
}

// The help line, one place for the command list.
constexpr const char* kHelpLine =
    "# commands: state | info | heap | url <http://...>|- | token <t>|- | rediscover | selftest | setup | "
    "reboot | help";

}  // namespace esp32
}  // namespace gauge
