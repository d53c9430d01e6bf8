// Native runner of the shared test vectors (test/vectors/*.jsonc; format in test/vectors/README.md). The TS
// runner (test/firmware/vectorRunner.ts) runs the same files on the wasm build; both must print the same
// output for every step, which test/firmware/parity.test.ts checks.
//
//   vector-runner [--dump | --record] FILE...
//     prints "ok"/"FAIL" per file with the failed checks, then "N passed, N failed"; exits 1 on any failure.
//     --dump: prints JSON instead: {"files":[{"file","outputs":[...],"failures":[...],"error"}]} (for the
//     parity test and test/vectors/record.mjs).
//     --record: re-records the files' "rec" outputs by running test/vectors/record.mjs (which edits the
//     JSONC text in place, keeping comments and hand-checked expectations; see test/vectors/README.md).
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gauge.h"
#include "usage_json.h"

namespace {

using nlohmann::json;

struct VectorError {
    std::string message;
};

struct FileResult {
    std::string file;
    std::vector<std::string> outputs;
    std::vector<std::string> failures;
    std::string error;  // the file itself is malformed
    size_t checks = 0;
};

constexpr uint64_t kMaxAt = 9007199254740991ULL;  // 2^53 - 1: exact in both runners' numbers
constexpr uint64_t kMaxLoopIterations = 200000;

const char* const kActions[] = {"boot",   "tick",          "payload",    "body",       "fail",
                                "update", "serve_payload", "serve_body", "serve_fail", "serve_none"};
const char* const kStepKeys[] = {"at", "until", "every", "expect", "rec", "note"};
const char* const kLineKeys[] = {"t",     "phase", "tach",  "fuel",  "temp", "boost",
                                 "lamps", "rgb",   "model", "stale", "over"};
const char* const kNeedleKeys[] = {"tach", "fuel", "temp", "boost"};
const char* const kOutKeys[] = {"action", "outcome", "status", "report", "requests"};

template <size_t N>
bool contains(const char* const (&list)[N], const std::string& s) {
    for (const char* x : list)
        if (s == x) return true;
    return false;
}

uint64_t readAt(const json& v, const char* what) {
    if (v.is_number_unsigned()) {
        const uint64_t u = v.get<uint64_t>();
        if (u <= kMaxAt) return u;
    } else if (v.is_number_integer()) {
        const int64_t i = v.get<int64_t>();
        if (i >= 0) return static_cast<uint64_t>(i);
    } else if (v.is_number_float()) {
        const double d = v.get<double>();
        if (d >= 0 && d <= static_cast<double>(kMaxAt) && std::floor(d) == d) return static_cast<uint64_t>(d);
    }
    throw VectorError{std::string(what) + " must be an integer number of ms in 0..2^53-1"};
}

gauge::PollOutcome outcomeByName(const json& v) {
    if (v.is_string()) {
        const std::string name = v.get<std::string>();
        for (uint32_t i = 0; i < static_cast<uint32_t>(gauge::PollOutcome::Count); ++i) {
            const auto o = static_cast<gauge::PollOutcome>(i);
            if (o != gauge::PollOutcome::Ok && name == gauge::pollOutcomeName(o)) return o;
        }
    }
    throw VectorError{
        "fail/serve_fail must name a failure outcome (http_error, timeout, connect_failed, "
        "bad_body, rejected, unauthorized), got " +
        v.dump(-1, ' ', false, json::error_handler_t::replace)};
}

// "key=value" tokens of a line; the first token without '=' is skipped.
std::string tokenValue(const std::string& line, const std::string& key, bool* found) {
    std::istringstream in(line);
    std::string tok;
    const std::string prefix = key + "=";
    while (in >> tok) {
        if (tok.compare(0, prefix.size(), prefix) == 0) {
            *found = true;
            return tok.substr(prefix.size());
        }
    }
    *found = false;
    return "";
}

// An expected value as the text it must equal (numbers as integers, booleans as 1/0).
std::string expectedText(const json& v, const std::string& key) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>() ? "1" : "0";
    if (v.is_number_integer() || v.is_number_unsigned()) return std::to_string(v.get<int64_t>());
    throw VectorError{"expect." + key + " must be a string, an integer or a boolean"};
}

std::string fmtDeg(double d) {
    char buf[64];
    snprintf(buf, sizeof buf, "%.1f", d);
    return buf;
}

std::string stateLine(const gauge::Device& device) {
    char buf[gauge::kStateLineMax];
    gauge::formatStateLine(device.frame(), buf, sizeof buf);
    return buf;
}

std::string bodyOutput(const gauge::native::BodyResult& r) {
    char buf[160];
    gauge::native::formatBodyResult(r, buf, sizeof buf);
    return buf;
}

// Checks one step's "expect" against its output and the state line after it.
void checkExpect(const json& expect, const std::string& out, const std::string& line,
                 const std::string& where, FileResult& result) {
    if (!expect.is_object()) throw VectorError{where + ": expect must be an object"};
    double tolerance = 0;
    if (expect.contains("tolerance")) {
        const json& t = expect["tolerance"];
        if (!t.is_number() || !(t.get<double>() >= 0)) throw VectorError{where + ": tolerance must be >= 0"};
        tolerance = t.get<double>();
    }
    for (auto it = expect.begin(); it != expect.end(); ++it) {
        const std::string& key = it.key();
        const json& want = it.value();
        if (key == "tolerance") continue;
        ++result.checks;
        if (key == "line" || key == "out") {
            if (!want.is_string()) throw VectorError{where + ": expect." + key + " must be a string"};
            const std::string& got = key == "line" ? line : out;
            if (got != want.get<std::string>())
                result.failures.push_back(where + ": " + key + " expected \"" + want.get<std::string>() +
                                          "\" got \"" + got + "\"");
            continue;
        }
        const bool in_line = contains(kLineKeys, key);
        if (!in_line && !contains(kOutKeys, key))
            throw VectorError{where + ": unknown expect key \"" + key + "\""};
        bool found = false;
        const std::string got = tokenValue(in_line ? line : out, key, &found);
        if (!found) {
            result.failures.push_back(where + ": " + key + " not in \"" + (in_line ? line : out) + "\"");
            continue;
        }
        if (contains(kNeedleKeys, key)) {
            if (!want.is_number())
                throw VectorError{where + ": expect." + key + " must be a number (degrees)"};
            const double w = want.get<double>();
            char* end = nullptr;
            const double g = strtod(got.c_str(), &end);
            if (end == got.c_str() || std::fabs(g - w) > tolerance + 1e-9)
                result.failures.push_back(where + ": " + key + " expected " + fmtDeg(w) + " (tolerance " +
                                          fmtDeg(tolerance) + ") got " + got);
            continue;
        }
        const std::string w = expectedText(want, key);
        if (got != w) result.failures.push_back(where + ": " + key + " expected " + w + " got " + got);
    }
}

FileResult runFile(const std::string& path) {
    FileResult result;
    result.file = path;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        result.error = "cannot read " + path;
        return result;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    const json doc = json::parse(ss.str(), nullptr, /*allow_exceptions=*/false, /*ignore_comments=*/true);
    try {
        if (doc.is_discarded()) throw VectorError{"not valid JSON with comments"};
        if (!doc.is_object()) throw VectorError{"the top level must be an object"};
        for (auto it = doc.begin(); it != doc.end(); ++it)
            if (it.key() != "description" && it.key() != "steps")
                throw VectorError{"unknown top-level key \"" + it.key() + "\""};
        if (!doc.contains("steps") || !doc["steps"].is_array() || doc["steps"].empty())
            throw VectorError{"\"steps\" must be a non-empty array"};

        auto device = std::make_unique<gauge::Device>();
        auto decoder = std::make_unique<gauge::UsageDecoder>();
        uint64_t clock = 0;
        const json& steps = doc["steps"];
        for (size_t i = 0; i < steps.size(); ++i) {
            const json& step = steps[i];
            const std::string where0 = "step " + std::to_string(i);
            if (!step.is_object()) throw VectorError{where0 + ": must be an object"};
            std::string action;
            for (auto it = step.begin(); it != step.end(); ++it) {
                if (contains(kActions, it.key())) {
                    if (!action.empty()) throw VectorError{where0 + ": more than one action"};
                    action = it.key();
                } else if (!contains(kStepKeys, it.key())) {
                    throw VectorError{where0 + ": unknown key \"" + it.key() + "\""};
                }
            }
            if (action.empty()) throw VectorError{where0 + ": no action"};
            if (!step.contains("at")) throw VectorError{where0 + ": no \"at\""};
            const uint64_t at = readAt(step["at"], "at");
            if (at < clock) throw VectorError{where0 + ": \"at\" goes back in time"};
            const std::string where = where0 + " (at " + std::to_string(at) + ")";
            const bool serve = action.compare(0, 6, "serve_") == 0;
            if (!serve && (step.contains("until") || step.contains("every")))
                throw VectorError{where + ": until/every belong to serve_* steps"};
            if ((action == "boot" || action == "tick" || action == "update" || action == "serve_none") &&
                step[action] != json(true))
                throw VectorError{where + ": \"" + action + "\" must be true"};
            clock = at;
            const uint32_t now = static_cast<uint32_t>(at & 0xFFFFFFFFu);
            std::string out;
            if (action == "boot") {
                device->boot(now);
                out = "boot";
            } else if (action == "tick") {
                out = device->tick(now) == gauge::PollAction::StartRequest ? "tick action=start"
                                                                           : "tick action=none";
            } else if (action == "payload" || action == "body") {
                if (action == "body" && !step["body"].is_string())
                    throw VectorError{where + ": body must be a string"};
                const std::string text =
                    action == "body" ? step["body"].get<std::string>()
                                     : step["payload"].dump(-1, ' ', false, json::error_handler_t::replace);
                out = "body " + bodyOutput(gauge::native::applyUsageBody(*device, *decoder, now, text.data(),
                                                                         text.size()));
            } else if (action == "fail") {
                const gauge::PollOutcome o = outcomeByName(step["fail"]);
                device->onPollResult(now, o);
                out = std::string("fail outcome=") + gauge::pollOutcomeName(o);
            } else if (action == "update") {
                device->update(now);
                out = stateLine(*device);
            } else {  // serve_*: tick and answer every request at once, update every `every` ms, until
                      // `until`
                if (!step.contains("until")) throw VectorError{where + ": serve steps need \"until\""};
                const uint64_t until = readAt(step["until"], "until");
                const uint64_t every = step.contains("every") ? readAt(step["every"], "every") : 100;
                if (until < at || every == 0 || (until - at) / every + 1 > kMaxLoopIterations)
                    throw VectorError{where + ": need until >= at, every >= 1 and at most 200000 iterations"};
                std::string body_text;
                gauge::PollOutcome fail_outcome = gauge::PollOutcome::Timeout;
                if (action == "serve_body") {
                    if (!step["serve_body"].is_string())
                        throw VectorError{where + ": serve_body must be a string"};
                    body_text = step["serve_body"].get<std::string>();
                } else if (action == "serve_payload") {
                    body_text = step["serve_payload"].dump(-1, ' ', false, json::error_handler_t::replace);
                } else if (action == "serve_fail") {
                    fail_outcome = outcomeByName(step["serve_fail"]);
                }
                uint64_t requests = 0;
                std::string last = "outcome=-";
                for (uint64_t t = at; t <= until; t += every) {
                    const uint32_t tn = static_cast<uint32_t>(t & 0xFFFFFFFFu);
                    if (device->tick(tn) == gauge::PollAction::StartRequest) {
                        ++requests;
                        if (action == "serve_body" || action == "serve_payload") {
                            last = bodyOutput(gauge::native::applyUsageBody(
                                *device, *decoder, tn, body_text.data(), body_text.size()));
                        } else if (action == "serve_fail") {
                            device->onPollResult(tn, fail_outcome);
                            last = std::string("outcome=") + gauge::pollOutcomeName(fail_outcome);
                        }
                    }
                    device->update(tn);
                }
                clock = until;
                out = "serve requests=" + std::to_string(requests) + " " + last;
            }
            result.outputs.push_back(out);
            const std::string line = stateLine(*device);
            if (step.contains("expect")) checkExpect(step["expect"], out, line, where, result);
            if (step.contains("rec")) {
                ++result.checks;
                if (!step["rec"].is_string()) throw VectorError{where + ": rec must be a string"};
                if (step["rec"].get<std::string>() != out)
                    result.failures.push_back(where + ": recorded \"" + step["rec"].get<std::string>() +
                                              "\" got \"" + out + "\"");
            }
        }
    } catch (const VectorError& e) {
        result.error = e.message;
    }
    return result;
}

void usage(FILE* to) {
    fprintf(to,
            "usage: vector-runner [--dump | --record] FILE...\n"
            "  Runs gauge test vectors (test/vectors/*.jsonc) on the native build of the core.\n"
            "  --dump    print the per-step outputs as JSON instead of a report\n"
            "  --record  rewrite the files' recorded outputs (\"rec\"); hand-checked \"expect\"s are kept\n");
}

}  // namespace

int main(int argc, char** argv) {
    bool dump = false;
    bool record = false;
    std::vector<std::string> files;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--dump") {
            dump = true;
        } else if (a == "--record") {
            record = true;
        } else if (a == "--help" || a == "-h") {
            usage(stdout);
            return 0;
        } else if (a.compare(0, 1, "-") == 0) {
            fprintf(stderr, "vector-runner: unknown option %s\n", a.c_str());
            usage(stderr);
            return 2;
        } else {
            files.push_back(a);
        }
    }
    if (files.empty()) {
        fprintf(stderr, "vector-runner: no vector files given\n");
        usage(stderr);
        return 2;
    }
    if (record) {
        // Editing JSONC without losing its comments is jsonc-parser's job: hand over to the recorder, which
        // calls this runner back with --dump.
        const std::string script = std::string(GAUGE_REPO_DIR) + "/test/vectors/record.mjs";
        std::vector<char*> args;
        args.push_back(const_cast<char*>("node"));
        args.push_back(const_cast<char*>(script.c_str()));
        for (std::string& f : files) args.push_back(&f[0]);
        args.push_back(nullptr);
        execvp("node", args.data());
        fprintf(stderr, "vector-runner: could not run node %s: %s\n", script.c_str(), strerror(errno));
        return 2;
    }
    int passed = 0, failed = 0;
    json report = json::object();
    report["files"] = json::array();
    for (const std::string& f : files) {
        const FileResult r = runFile(f);
        const bool ok = r.error.empty() && r.failures.empty();
        ok ? ++passed : ++failed;
        if (dump) {
            report["files"].push_back(json{{"file", r.file},
                                           {"outputs", r.outputs},
                                           {"failures", r.failures},
                                           {"error", r.error.empty() ? json(nullptr) : json(r.error)}});
            continue;
        }
        if (ok) {
            printf("ok   %s (%zu steps, %zu checks)\n", f.c_str(), r.outputs.size(), r.checks);
        } else {
            printf("FAIL %s\n", f.c_str());
            if (!r.error.empty()) printf("     malformed vector: %s\n", r.error.c_str());
            for (const std::string& m : r.failures) printf("     %s\n", m.c_str());
        }
    }
    if (dump) {
        printf("%s\n", report.dump(-1, ' ', false, json::error_handler_t::replace).c_str());
    } else {
        printf("%d passed, %d failed\n", passed, failed);
    }
    return failed == 0 ? 0 : 1;
}
