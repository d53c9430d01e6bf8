// The virtual device: the gauge core with a host HAL, so the whole device runs on a PC against a real daemon.
// Real monotonic time, a real HTTP client (libcurl, non-blocking multi interface, so a hanging daemon never
// stalls the picture) polling --url at the Poller's pace, JSON through usage_json.cpp, and the same state
// lines the ESP32 prints on serial, on stdout: whenever the line changes (at most every 100 ms, like the
// ESP32) and at least once per second. Diagnostics go to stderr, prefixed "# ".
//
// Frames are on a fixed step of the device's clock (every kFrameMs since boot), and the line gaps above
// are measured on that clock too: when the host runs this process late (a busy machine), the frames it
// missed are computed then, each at its own time, so the printed timeline (t=) is the same as on an idle
// machine and a short state (the self-test's full-scale moment, a blink) is never skipped.
//
//   virtual-device --url http://127.0.0.1:8787/usage [--token T] [--once] [--duration-ms N]
//   virtual-device --serial [--url U] [--token T] [--wifi SSID:PASSWORD[:RSSI]]...
//
// --serial makes stdin/stdout the ESP32's serial port: the same console commands (serial_commands.h) and
// Improv Wi-Fi (core improv.h, routed by improv_link.h) on one byte stream, answered like the board does.
// Wi-Fi is simulated: without --wifi the device is on a network from the start (a board with credentials
// compiled in); with --wifi it starts unjoined, polls nothing, and joins a listed network through Improv
// when given its password. --url/--token are its stored settings (NVS), which Improv's vendor RPC replaces
// (then it restarts, as the board does). End of stdin (the port closed) exits 0.
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/poll.h>  // not <poll.h>: the core has a poll.h of its own
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <curl/curl.h>

#include "app_config.h"
#include "board_config.h"
#include "gauge.h"
#include "improv.h"
#include "improv_link.h"
#include "serial_commands.h"
#include "usage_json.h"

namespace {

// The device's body cap (gauge_config.h): a bigger body is refused as BadBody without being parsed.
constexpr size_t kMaxBodyBytes = gauge::cfg::kMaxBodyBytes;
// The step between two frames on the device's clock; the core's physics are time-exact whatever the step.
constexpr uint32_t kFrameMs = 20;
// Like the ESP32: a changed line at most this often, an unchanged one at least this often.
constexpr uint32_t kLineMinGapMs = 100;
constexpr uint32_t kLineHeartbeatMs = 1000;

volatile sig_atomic_t g_stop = 0;
void onSignal(int) {
    g_stop = 1;
}

struct SimNetwork {
    std::string ssid;
    std::string password;
    int rssi;
};

struct Options {
    std::string url;
    std::string token;
    bool once = false;
    bool has_duration = false;
    uint64_t duration_ms = 0;
    bool serial = false;
    std::vector<SimNetwork> wifi;
};

void printUsage(FILE* to) {
    fprintf(to,
            "usage: virtual-device --url URL [--token TOKEN] [--once] [--duration-ms N]\n"
            "       virtual-device --serial [--url URL] [--token TOKEN] [--wifi SSID:PASSWORD[:RSSI]]...\n"
            "\n"
            "Runs the gauge core on this machine against a claude-gauge daemon and prints the device's\n"
            "state lines (GAUGE t=... phase=... tach=... ...) on stdout, like the ESP32 does on serial.\n"
            "\n"
            "  --url URL          the daemon's usage endpoint, e.g. http://127.0.0.1:8787/usage (required)\n"
            "  --token TOKEN      send \"Authorization: Bearer TOKEN\"\n"
            "  --once             after the first poll result (and the boot self-test), print one line and\n"
            "                     exit: 0 when that result was ok, 1 when it was a failure\n"
            "  --duration-ms N    exit (status 0) after N milliseconds\n"
            "  --serial           stdin/stdout are the board's serial port: console commands and Improv\n"
            "                     Wi-Fi, as on the ESP32; --url and --token are its stored settings\n"
            "  --wifi SSID:PASSWORD[:RSSI]\n"
            "                     (with --serial) a simulated network; the device starts unjoined and\n"
            "                     joins through Improv. Without any, it is on a network from the start\n"
            "  --help             this text\n"
            "\n"
            "SIGINT/SIGTERM exit cleanly with status 0. Bad flags exit with status 2.\n");
}

// Returns false (after printing why) on a bad command line.
bool parseArgs(int argc, char** argv, Options& o, bool* help) {
    *help = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&](const char* flag) -> const char* {
            if (i + 1 >= argc) {
                fprintf(stderr, "virtual-device: %s needs a value\n", flag);
                return nullptr;
            }
            return argv[++i];
        };
        if (a == "--help" || a == "-h") {
            *help = true;
            return true;
        } else if (a == "--url") {
            const char* v = value("--url");
            if (!v) return false;
            o.url = v;
        } else if (a == "--token") {
            const char* v = value("--token");
            if (!v) return false;
            o.token = v;
            if (o.token.empty() || o.token.find_first_of("\r\n") != std::string::npos) {
                fprintf(stderr, "virtual-device: --token must be non-empty and on one line\n");
                return false;
            }
        } else if (a == "--once") {
            o.once = true;
        } else if (a == "--serial") {
            o.serial = true;
        } else if (a == "--wifi") {
            const char* v = value("--wifi");
            if (!v) return false;
            const std::string spec = v;
            const size_t c1 = spec.find(':');
            const size_t c2 = c1 == std::string::npos ? c1 : spec.find(':', c1 + 1);
            SimNetwork n{spec.substr(0, c1), c1 == std::string::npos ? "" : spec.substr(c1 + 1, c2 - c1 - 1),
                         -55};
            if (c2 != std::string::npos) n.rssi = atoi(spec.c_str() + c2 + 1);
            if (n.ssid.empty() || n.ssid.size() > gauge::improv::kMaxSsid || n.rssi > 0 || n.rssi < -127) {
                fprintf(stderr,
                        "virtual-device: --wifi needs SSID:PASSWORD[:RSSI] (SSID 1-32 bytes), got \"%s\"\n",
                        v);
                return false;
            }
            o.wifi.push_back(n);
        } else if (a == "--duration-ms") {
            const char* v = value("--duration-ms");
            if (!v) return false;
            char* end = nullptr;
            errno = 0;
            const unsigned long long n = strtoull(v, &end, 10);
            if (*v == '\0' || *v == '-' || *end != '\0' || errno == ERANGE) {
                fprintf(stderr,
                        "virtual-device: --duration-ms needs a whole number of milliseconds, got \"%s\"\n",
                        v);
                return false;
            }
            o.has_duration = true;
            o.duration_ms = n;
        } else {
            fprintf(stderr, "virtual-device: unknown argument \"%s\" (try --help)\n", a.c_str());
            return false;
        }
    }
    if (!o.wifi.empty() && !o.serial) {
        fprintf(stderr, "virtual-device: --wifi needs --serial (networks are joined through Improv)\n");
        return false;
    }
    if (o.serial && (o.once || o.has_duration)) {
        fprintf(stderr, "virtual-device: --serial runs until stdin closes; drop --once/--duration-ms\n");
        return false;
    }
    if (o.url.empty() && !o.serial) {
        fprintf(stderr, "virtual-device: --url is required, e.g. --url http://127.0.0.1:8787/usage\n");
        return false;
    }
    if (!o.url.empty() && o.url.compare(0, 7, "http://") != 0 && o.url.compare(0, 8, "https://") != 0) {
        fprintf(stderr, "virtual-device: --url must start with http:// or https://, got \"%s\"\n",
                o.url.c_str());
        return false;
    }
    return true;
}

// Milliseconds on the monotonic clock since the first call (a uint32 of it is the device's millis()).
uint64_t monotonicMs() {
    static bool started = false;
    static timespec origin;
    timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (!started) {
        origin = now;
        started = true;
    }
    const int64_t ns =
        (static_cast<int64_t>(now.tv_sec) - origin.tv_sec) * 1000000000LL + (now.tv_nsec - origin.tv_nsec);
    return static_cast<uint64_t>(ns / 1000000);
}

// One GET /usage at a time through curl's multi interface.
class HttpPoller {
  public:
    bool init(uint32_t timeout_ms) {
        multi_ = curl_multi_init();
        easy_ = curl_easy_init();
        if (!multi_ || !easy_) return false;
        curl_easy_setopt(easy_, CURLOPT_USERAGENT, "claude-gauge-virtual-device/1");
        curl_easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(easy_, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(easy_, CURLOPT_PROTOCOLS_STR, "http,https");
        // The Poller's request timeout, for connecting and for the whole request.
        curl_easy_setopt(easy_, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_ms));
        curl_easy_setopt(easy_, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
        curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &HttpPoller::onData);
        curl_easy_setopt(easy_, CURLOPT_WRITEDATA, this);
        curl_easy_setopt(easy_, CURLOPT_ERRORBUFFER, error_);
        return true;
    }

    ~HttpPoller() {
        if (multi_ && easy_ && busy_) curl_multi_remove_handle(multi_, easy_);
        if (easy_) curl_easy_cleanup(easy_);
        if (multi_) curl_multi_cleanup(multi_);
        curl_slist_free_all(headers_);
    }

    bool busy() const { return busy_; }

    // Starts a GET of `url`, with "Authorization: Bearer <token>" unless the token is empty.
    bool start(const std::string& url, const std::string& token) {
        body_.clear();
        too_large_ = false;
        error_[0] = '\0';
        curl_slist_free_all(headers_);
        headers_ = nullptr;
        if (!token.empty())
            headers_ = curl_slist_append(headers_, ("Authorization: Bearer " + token).c_str());
        headers_ = curl_slist_append(headers_, "Accept: application/json");
        curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, headers_);
        curl_easy_setopt(easy_, CURLOPT_URL, url.c_str());
        if (curl_multi_add_handle(multi_, easy_) != CURLM_OK) return false;
        busy_ = true;
        return true;
    }

    // Drops the transfer in flight without a result.
    void abandon() {
        if (!busy_) return;
        curl_multi_remove_handle(multi_, easy_);
        busy_ = false;
    }

    // Waits up to `wait_ms` for network activity (or input on `wake_fd`, when >= 0), then drives the
    // transfer. True when the request finished; then `outcome` is set, and `body` holds the body when the
    // status was 2xx.
    bool poll(uint32_t wait_ms, gauge::PollOutcome* outcome, std::string* detail, int wake_fd = -1) {
        if (!busy_) {
            if (wake_fd < 0) {
                sleepMs(wait_ms);
            } else {
                pollfd p{wake_fd, POLLIN, 0};
                ::poll(&p, 1, static_cast<int>(wait_ms));
            }
            return false;
        }
        curl_waitfd extra{static_cast<curl_socket_t>(wake_fd), CURL_WAIT_POLLIN, 0};
        curl_multi_poll(multi_, wake_fd >= 0 ? &extra : nullptr, wake_fd >= 0 ? 1 : 0,
                        static_cast<int>(wait_ms), nullptr);
        int running = 0;
        curl_multi_perform(multi_, &running);
        int queued = 0;
        while (CURLMsg* msg = curl_multi_info_read(multi_, &queued)) {
            if (msg->msg != CURLMSG_DONE) continue;
            const CURLcode code = msg->data.result;
            curl_multi_remove_handle(multi_, easy_);
            busy_ = false;
            long status = 0;
            curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
            *outcome = classify(code, status, detail);
            return true;
        }
        return false;
    }

    const std::string& body() const { return body_; }

  private:
    static size_t onData(char* data, size_t size, size_t n, void* self_ptr) {
        HttpPoller* self = static_cast<HttpPoller*>(self_ptr);
        const size_t len = size * n;
        if (self->body_.size() + len > kMaxBodyBytes) {
            self->too_large_ = true;
            return 0;  // abort the transfer: CURLE_WRITE_ERROR
        }
        self->body_.append(data, len);
        return len;
    }

    static void sleepMs(uint32_t ms) {
        timespec ts{static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1000000L};
        nanosleep(&ts, nullptr);  // a signal cuts it short, which is what we want
    }

    // Maps a finished transfer onto the core's outcomes (like platform/esp32/host_tested/http_response.h does
    // for HTTPClient): 2xx -> decode the body; 401/403 -> Unauthorized; other statuses -> HttpError; network
    // failures -> ConnectFailed; curl's timeout -> Timeout; a body that is cut short or too big -> BadBody.
    gauge::PollOutcome classify(CURLcode code, long status, std::string* detail) {
        *detail = error_[0] ? error_ : curl_easy_strerror(code);
        switch (code) {
            case CURLE_OK:
                break;
            case CURLE_OPERATION_TIMEDOUT:
                return gauge::PollOutcome::Timeout;
            case CURLE_WRITE_ERROR:
                if (too_large_) *detail = "body larger than " + std::to_string(kMaxBodyBytes) + " bytes";
                return gauge::PollOutcome::BadBody;
            case CURLE_PARTIAL_FILE:
            case CURLE_BAD_CONTENT_ENCODING:
            case CURLE_WEIRD_SERVER_REPLY:
                return gauge::PollOutcome::BadBody;
            default:
                return gauge::PollOutcome::ConnectFailed;
        }
        *detail = "HTTP " + std::to_string(status);
        if (status == 401 || status == 403) return gauge::PollOutcome::Unauthorized;
        if (status < 200 || status >= 300) return gauge::PollOutcome::HttpError;
        return gauge::PollOutcome::Ok;  // the body still has to be decoded
    }

    CURLM* multi_ = nullptr;
    CURL* easy_ = nullptr;
    curl_slist* headers_ = nullptr;
    std::string body_;
    bool busy_ = false;
    bool too_large_ = false;
    char error_[CURL_ERROR_SIZE] = {0};
};

// The state line without its t= token, to tell a real change from the clock moving on.
std::string withoutTime(const char* line) {
    const char* t = strstr(line, " t=");
    if (!t) return line;
    const char* end = strchr(t + 1, ' ');
    return std::string(line, t) + (end ? end : "");
}

// Diagnostics: stderr, or the serial port (stdout) in --serial mode, like the board's "# " lines.
FILE* g_log = stderr;
void logLine(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void logLine(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vfprintf(g_log, fmt, ap);
    va_end(ap);
    fflush(g_log);
}

// --serial: stdin/stdout as the board's serial port. The byte routing, the command grammar and the Improv
// protocol are the board's own code (improv_link.h, serial_commands.h, core improv.h); what each command
// does is this device's (its URL override feeds libcurl instead of the board's poll task), and Wi-Fi and
// NVS are simulated here.
class SerialConsole : public gauge::improv::Backend, public gauge::improv::Output {
  public:
    // How long the simulated radio takes to join and to scan.
    static constexpr uint32_t kJoinMs = 200;
    static constexpr uint32_t kScanMs = 100;

    explicit SerialConsole(const Options& o)
        : stored_url_(o.url),
          stored_token_(o.token),
          applied_url_(o.url),
          applied_token_(o.token),
          networks_(o.wifi),
          joined_(o.wifi.empty()),
          service_(*this, *this) {
        fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
    }

    // What the poller uses now: the console's override, else the settings of the last boot (like the board,
    // stored settings take effect at the restart).
    std::string url() const { return override_url_.empty() ? applied_url_ : override_url_; }
    std::string token() const { return token_override_ ? override_token_ : applied_token_; }
    bool networkUp() const { return joined_; }

    // Reads what is waiting on stdin. False at end of input (the port closed). Sets *restart for a reboot.
    bool serviceInput(uint32_t now, gauge::Device& device, bool* restart) {
        uint8_t buf[256];
        for (;;) {
            const ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
            if (n == 0) return false;
            if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
            for (ssize_t i = 0; i < n; ++i)
                if (link_.feed(buf[i], now, service_, lines_)) command(now, device, restart);
        }
    }

    void tick(uint32_t now, bool* restart) {
        service_.tick(now);
        if (service_.restartDue(now)) {
            logLine("# improv: daemon settings stored; restarting to apply them\n");
            *restart = true;
        }
    }

    // A reboot: the console's overrides are gone, the stored settings (NVS) take effect.
    void rebooted() {
        applied_url_ = stored_url_;
        applied_token_ = stored_token_;
        override_url_.clear();
        override_token_.clear();
        token_override_ = false;
        logLine("# claude-gauge %s board=virtual\n", gauge::esp32::kFirmwareVersion);
    }

    // ---- improv::Output
    void write(const uint8_t* bytes, size_t n) override {
        fwrite(bytes, 1, n, stdout);
        fflush(stdout);
    }

    // ---- improv::Backend: simulated Wi-Fi, in-memory NVS
    bool wifiJoined() override { return joined_; }
    bool beginJoin(const char* ssid, const char* password) override {
        join_ssid_ = ssid;
        join_password_ = password;
        join_at_ = monotonicMs() + kJoinMs;
        joined_ = false;
        return true;
    }
    gauge::improv::JoinStatus joinStatus() override {
        if (monotonicMs() < join_at_) return gauge::improv::JoinStatus::Joining;
        for (const SimNetwork& n : networks_)
            if (n.ssid == join_ssid_ && n.password == join_password_) {
                joined_ = true;
                return gauge::improv::JoinStatus::Joined;
            }
        return gauge::improv::JoinStatus::Failed;
    }
    bool beginScan() override {
        scan_at_ = monotonicMs() + kScanMs;
        return true;
    }
    gauge::improv::ScanStatus scanStatus(size_t* count) override {
        *count = networks_.size();
        return monotonicMs() < scan_at_ ? gauge::improv::ScanStatus::Running
                                        : gauge::improv::ScanStatus::Done;
    }
    bool scanned(size_t i, gauge::improv::Network* out) override {
        if (i >= networks_.size()) return false;
        snprintf(out->ssid, sizeof out->ssid, "%s", networks_[i].ssid.c_str());
        out->rssi = static_cast<int8_t>(networks_[i].rssi);
        out->secured = !networks_[i].password.empty();
        return true;
    }
    gauge::improv::DeviceInfo deviceInfo() override {
        return gauge::improv::DeviceInfo{gauge::esp32::kFirmwareVersion, "virtual/native", "claude-gauge"};
    }
    void daemonUrl(char* out, size_t cap) override { snprintf(out, cap, "%s", stored_url_.c_str()); }
    bool hasToken() override { return !stored_token_.empty(); }
    gauge::improv::StoreResult storeDaemonSettings(const char* url, const char* token) override {
        const gauge::improv::StoreResult r = gauge::esp32::checkDaemonSettings(url, token);
        if (r != gauge::improv::StoreResult::Stored) return r;
        if (url) stored_url_ = url;
        if (token) stored_token_ = token;
        return r;
    }

  private:
    void reply(const char* fmt, ...) __attribute__((format(printf, 2, 3))) {
        va_list ap;
        va_start(ap, fmt);
        vfprintf(stdout, fmt, ap);
        va_end(ap);
        fflush(stdout);
    }

    void command(uint32_t now, gauge::Device& device, bool* restart) {
        using gauge::esp32::CommandKind;
        char* line = lines_.line();
        const gauge::esp32::Command c = gauge::esp32::parseCommand(line);
        switch (c.kind) {
            case CommandKind::None:
                return;
            case CommandKind::State: {
                char state[gauge::kStateLineMax];
                gauge::formatStateLine(device.frame(), state, sizeof state);
                reply("%s\n", state);
                break;
            }
            case CommandKind::Info: {
                const gauge::PollStats& st = device.poller().stats();
                const std::string u = url();
                reply(
                    "# info board=virtual fw=%s ip=127.0.0.1 rssi=0 url=%s source=%s requests=%u ok=%u "
                    "failures=%u late=%u\n",
                    gauge::esp32::kFirmwareVersion, u.empty() ? "-" : u.c_str(),
                    override_url_.empty() ? "config" : "serial", static_cast<unsigned>(st.requests),
                    static_cast<unsigned>(st.ok), static_cast<unsigned>(st.failures),
                    static_cast<unsigned>(st.late));
                break;
            }
            case CommandKind::Heap:
                reply("# error heap: the virtual device has no ESP32 heap to report\n");
                return;
            case CommandKind::Url:
                if (strcmp(c.arg, "-") == 0) {
                    override_url_.clear();
                } else if (gauge::esp32::plausibleDaemonUrl(c.arg)) {
                    override_url_ = c.arg;
                } else {
                    reply("# error url must be http://host[:port]/path, at most %u bytes\n",
                          static_cast<unsigned>(gauge::esp32::kMaxUrlBytes));
                    return;
                }
                break;
            case CommandKind::Token:
                if (strcmp(c.arg, "-") != 0 && !gauge::esp32::validToken(c.arg)) {
                    reply("# error token must be 1 to %u printable characters without spaces\n",
                          static_cast<unsigned>(gauge::esp32::kMaxTokenBytes));
                    return;
                }
                token_override_ = true;
                override_token_ = strcmp(c.arg, "-") == 0 ? "" : c.arg;
                break;
            case CommandKind::Setup:
                reply("# error setup: the virtual device has no setup portal (send Wi-Fi over Improv)\n");
                return;
            case CommandKind::Rediscover:
                break;  // no mDNS here: the URL is the stored or overridden one
            case CommandKind::SelfTest:
                device.boot(now);
                break;
            case CommandKind::Reboot:
                reply("# ok reboot\n");
                *restart = true;
                return;
            case CommandKind::Help:
                reply("%s\n", gauge::esp32::kHelpLine);
                break;
            case CommandKind::Unknown:
                reply("# error unknown command \"%.40s\" (try help)\n", c.arg);
                return;
            case CommandKind::BadArg:
                reply("# error %s\n", c.arg);
                return;
        }
        reply("# ok %s\n", line);
    }

    std::string stored_url_, stored_token_;    // NVS
    std::string applied_url_, applied_token_;  // what this boot started with
    std::string override_url_, override_token_;
    bool token_override_ = false;
    std::vector<SimNetwork> networks_;
    bool joined_;
    std::string join_ssid_, join_password_;
    uint64_t join_at_ = 0;
    uint64_t scan_at_ = 0;
    gauge::improv::Service service_;
    gauge::esp32::SerialLink link_;
    gauge::esp32::LineReader lines_;
};

int run(const Options& o) {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "# error: curl_global_init failed\n");
        return 1;
    }
    int exit_code = 0;
    {
        static gauge::Device device;  // static: the ESP32 has no heap for it either
        static gauge::UsageDecoder decoder;
        HttpPoller http;
        if (!http.init(device.requestTimeoutMs())) {
            fprintf(stderr, "# error: could not set up libcurl\n");
            curl_global_cleanup();
            return 1;
        }
        static SerialConsole* console = nullptr;
        if (o.serial) {
            static SerialConsole serial_console(o);
            console = &serial_console;
            g_log = stdout;
            console->rebooted();
        }
        const uint64_t start = monotonicMs();
        device.boot(static_cast<uint32_t>(start));
        logLine("# virtual device polling %s every %u ms (request timeout %u ms)\n",
                o.url.empty() ? "(no daemon URL yet)" : o.url.c_str(),
                static_cast<unsigned>(gauge::cfg::kPollIntervalMs),
                static_cast<unsigned>(device.requestTimeoutMs()));

        std::string last_printed;
        uint64_t last_print_ms = 0;
        bool printed_any = false;
        bool have_result = false;
        bool first_ok = false;
        bool done = false;  // --once printed its line, or stdout closed
        gauge::PollOutcome last_logged = gauge::PollOutcome::Count;
        char line[gauge::kStateLineMax];

        // One frame at device time t: advance the picture, print its line when due.
        auto frame = [&](uint64_t t) {
            device.update(static_cast<uint32_t>(t));
            gauge::formatStateLine(device.frame(), line, sizeof line);
            if (o.once) {
                if (have_result && device.frame().phase != gauge::Phase::SelfTest) {
                    printf("%s\n", line);
                    exit_code = fflush(stdout) != 0 ? 1 : (first_ok ? 0 : 1);
                    done = true;
                }
                return;
            }
            const std::string key = withoutTime(line);
            const bool changed = key != last_printed;
            if (!printed_any || (changed && t - last_print_ms >= kLineMinGapMs) ||
                t - last_print_ms >= kLineHeartbeatMs) {
                printf("%s\n", line);
                if (fflush(stdout) != 0) done = true;  // stdout closed (e.g. piped into head): nobody listens
                last_printed = key;
                last_print_ms = t;
                printed_any = true;
            }
        };
        uint64_t frame_t = start;
        frame(frame_t);
        // Every frame due up to the clock's `now`, each at its own time; returns now for the call that
        // follows (so every core call gets a time no earlier than the one before it).
        auto catch_up = [&](uint64_t now64) {
            while (!done && now64 - frame_t >= kFrameMs) {
                frame_t += kFrameMs;
                frame(frame_t);
            }
            return static_cast<uint32_t>(now64);
        };

        while (!g_stop && !done) {
            const uint64_t now64 = monotonicMs();
            if (o.has_duration && now64 - start >= o.duration_ms) break;
            uint32_t now = catch_up(now64);
            if (done) break;

            if (device.tick(now) == gauge::PollAction::StartRequest) {
                // The poller only asks again while a request is in flight when it already counted that one as
                // timed out (its hard timeout outlasts curl's, so this is a safety net): drop the old
                // transfer.
                if (http.busy()) {
                    http.abandon();
                    logLine("# poll: the previous request outlived the poller's timeout; abandoned\n");
                }
                const std::string url = console ? console->url() : o.url;
                if (console && (!console->networkUp() || url.empty())) {
                    // Like the board: no network, or no daemon known (mDNS is not simulated), fails at once.
                    device.onPollResult(now, gauge::PollOutcome::ConnectFailed);
                } else if (!http.start(url, console ? console->token() : o.token)) {
                    device.onPollResult(now, gauge::PollOutcome::ConnectFailed);
                    logLine("# poll: could not start a request\n");
                }
            }
            gauge::PollOutcome outcome = gauge::PollOutcome::Count;
            std::string detail;
            if (http.poll(kFrameMs, &outcome, &detail, console ? STDIN_FILENO : -1)) {
                now = catch_up(monotonicMs());
                if (outcome == gauge::PollOutcome::Ok) {
                    gauge::Usage usage = gauge::usageDefaults();
                    const gauge::BodyVerdict v = gauge::native::decodeUsageBody(
                        http.body().data(), http.body().size(), decoder, usage);
                    device.onBody(now, v, usage);
                    outcome = v.outcome;
                    if (v.outcome == gauge::PollOutcome::BadBody)
                        detail =
                            "the " + std::to_string(http.body().size()) + "-byte body is not a JSON object";
                    else if (v.outcome != gauge::PollOutcome::Ok)
                        detail = std::string("the decoder said ") + gauge::decodeStatusName(v.status);
                } else {
                    device.onPollResult(now, outcome);
                }
                if (!have_result) first_ok = outcome == gauge::PollOutcome::Ok;
                have_result = true;
                // Log transitions only: a dead daemon should not flood stderr once a second.
                if (outcome != last_logged) {
                    const bool explain = outcome != gauge::PollOutcome::Ok && !detail.empty();
                    logLine("# poll: %s%s%s\n", gauge::pollOutcomeName(outcome), explain ? " - " : "",
                            explain ? detail.c_str() : "");
                    last_logged = outcome;
                }
            }
            if (device.wantsRediscovery()) {
                logLine("# rediscovery requested; the URL is fixed (--url), so polling it again\n");
                device.ackRediscovery();
            }
            if (console) {
                now = catch_up(monotonicMs());
                if (done) break;
                bool restart = false;
                if (!console->serviceInput(now, device, &restart)) break;  // the port closed
                console->tick(now, &restart);
                if (restart) {
                    http.abandon();
                    console->rebooted();
                    device.boot(now);
                    printed_any = false;
                    last_logged = gauge::PollOutcome::Count;
                }
            }
        }
        if (g_stop) logLine("# stopping on signal\n");
    }
    curl_global_cleanup();
    return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
    Options options;
    bool help = false;
    if (!parseArgs(argc, argv, options, &help)) return 2;
    if (help) {
        printUsage(stdout);
        return 0;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);  // a closed stdout pipe must not kill us mid-request; writes just fail
    return run(options);
}
