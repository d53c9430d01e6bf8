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
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <string>

#include <curl/curl.h>

#include "gauge.h"
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

struct Options {
    std::string url;
    std::string token;
    bool once = false;
    bool has_duration = false;
    uint64_t duration_ms = 0;
};

void printUsage(FILE* to) {
    fprintf(to,
            "usage: virtual-device --url URL [--token TOKEN] [--once] [--duration-ms N]\n"
            "\n"
            "Runs the gauge core on this machine against a claude-gauge daemon and prints the device's\n"
            "state lines (GAUGE t=... phase=... tach=... ...) on stdout, like the ESP32 does on serial.\n"
            "\n"
            "  --url URL          the daemon's usage endpoint, e.g. http://127.0.0.1:8787/usage (required)\n"
            "  --token TOKEN      send \"Authorization: Bearer TOKEN\"\n"
            "  --once             after the first poll result (and the boot self-test), print one line and\n"
            "                     exit: 0 when that result was ok, 1 when it was a failure\n"
            "  --duration-ms N    exit (status 0) after N milliseconds\n"
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
    if (o.url.empty()) {
        fprintf(stderr, "virtual-device: --url is required, e.g. --url http://127.0.0.1:8787/usage\n");
        return false;
    }
    if (o.url.compare(0, 7, "http://") != 0 && o.url.compare(0, 8, "https://") != 0) {
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
    bool init(const Options& o, uint32_t timeout_ms) {
        multi_ = curl_multi_init();
        easy_ = curl_easy_init();
        if (!multi_ || !easy_) return false;
        if (!o.token.empty()) {
            const std::string h = "Authorization: Bearer " + o.token;
            headers_ = curl_slist_append(headers_, h.c_str());
        }
        headers_ = curl_slist_append(headers_, "Accept: application/json");
        curl_easy_setopt(easy_, CURLOPT_URL, o.url.c_str());
        curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, headers_);
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

    bool start() {
        body_.clear();
        too_large_ = false;
        error_[0] = '\0';
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

    // Waits up to `wait_ms` for network activity, then drives the transfer. True when the request finished;
    // then `outcome` is set, and `body` holds the body when the status was 2xx.
    bool poll(uint32_t wait_ms, gauge::PollOutcome* outcome, std::string* detail) {
        if (!busy_) {
            sleepMs(wait_ms);
            return false;
        }
        curl_multi_poll(multi_, nullptr, 0, static_cast<int>(wait_ms), nullptr);
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

    // Maps a finished transfer onto the core's outcomes (like platform/esp32/http_response.h does for
    // HTTPClient): 2xx -> decode the body; 401/403 -> Unauthorized; other statuses -> HttpError; network
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
        if (!http.init(o, device.requestTimeoutMs())) {
            fprintf(stderr, "# error: could not set up libcurl\n");
            curl_global_cleanup();
            return 1;
        }
        const uint64_t start = monotonicMs();
        device.boot(static_cast<uint32_t>(start));
        fprintf(stderr, "# virtual device polling %s every %u ms (request timeout %u ms)\n", o.url.c_str(),
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
                    fprintf(stderr,
                            "# poll: the previous request outlived the poller's timeout; abandoned\n");
                }
                if (!http.start()) {
                    device.onPollResult(now, gauge::PollOutcome::ConnectFailed);
                    fprintf(stderr, "# poll: could not start a request\n");
                }
            }
            gauge::PollOutcome outcome = gauge::PollOutcome::Count;
            std::string detail;
            if (http.poll(kFrameMs, &outcome, &detail)) {
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
                    fprintf(stderr, "# poll: %s%s%s\n", gauge::pollOutcomeName(outcome), explain ? " - " : "",
                            explain ? detail.c_str() : "");
                    last_logged = outcome;
                }
            }
            if (device.wantsRediscovery()) {
                fprintf(stderr, "# rediscovery requested; the URL is fixed (--url), so polling it again\n");
                device.ackRediscovery();
            }
        }
        if (g_stop) fprintf(stderr, "# stopping on signal\n");
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
