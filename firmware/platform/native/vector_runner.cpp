// The native build's step runner for the shared test vectors: it runs steps on the core and reports what each
// did, nothing more. Parsing a vector file, its expectations and every comparison live once, in the checker
// (test/vectors/lib/vector.ts), which sends the parsed steps here and reads the records back;
// `make -C firmware vectors` runs it through test/vectors/run.mjs. The wasm build's runner
// (firmware/platform/wasm/vectorRunner.ts) makes the same core calls.
//
//   vector-runner < steps.json
//     stdin:  {"steps":[{"at":MS,"action":{"kind":"boot"|"tick"|"update"|"body"|"fail"|"serve", ...}}, ...]}
//             body: "body"; fail: "outcome"; serve: "serve" ("body"|"fail"|"none"), "body", "outcome",
//             "until", "every" (test/vectors/lib/vector.ts StepAction)
//     stdout: one JSON line per step: {"effect":{...},"line":"GAUGE ..."} (StepRecord), on a fresh Device
//     exit 0; 2 with a message on stderr when the input is not such a document.
#include <stdint.h>
#include <stdio.h>

#include <iostream>
#include <iterator>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "gauge.h"
#include "usage_json.h"

namespace {

using nlohmann::json;

struct InputError {
    std::string message;
};

uint64_t readTime(const json& v, const char* what) {
    if (!v.is_number_unsigned()) throw InputError{std::string(what) + " must be an unsigned integer"};
    return v.get<uint64_t>();
}

const std::string& readString(const json& action, const char* key) {
    const auto it = action.find(key);
    if (it == action.end() || !it->is_string()) throw InputError{std::string(key) + " must be a string"};
    return it->get_ref<const std::string&>();
}

gauge::PollOutcome outcomeByName(const std::string& name) {
    for (uint32_t i = 0; i < static_cast<uint32_t>(gauge::PollOutcome::Count); ++i) {
        const auto o = static_cast<gauge::PollOutcome>(i);
        if (name == gauge::pollOutcomeName(o)) return o;
    }
    throw InputError{"unknown poll outcome " + name};
}

std::string stateLine(const gauge::Device& device) {
    char buf[gauge::kStateLineMax];
    gauge::formatStateLine(device.frame(), buf, sizeof buf);
    return buf;
}

json verdictJson(const gauge::BodyVerdict& v) {
    if (v.outcome == gauge::PollOutcome::BadBody)
        return json{{"outcome", gauge::pollOutcomeName(v.outcome)}, {"status", nullptr}, {"report", nullptr}};
    return json{{"outcome", gauge::pollOutcomeName(v.outcome)},
                {"status", gauge::decodeStatusName(v.status)},
                {"report", json{{"present", v.report.present},
                                {"accepted", v.report.accepted},
                                {"defaulted", v.report.defaulted},
                                {"clamped", v.report.clamped},
                                {"truncated", v.report.truncated}}}};
}

class Runner {
  public:
    Runner() : device_(new gauge::Device()), decoder_(new gauge::UsageDecoder()) {}

    // Runs one step at `at` (the device gets it modulo 2^32, like millis()); returns its effect.
    json run(uint64_t at, const json& action) {
        if (!action.is_object()) throw InputError{"action must be an object"};
        const std::string& kind = readString(action, "kind");
        const uint32_t now = static_cast<uint32_t>(at & 0xFFFFFFFFu);
        if (kind == "boot") {
            device_->boot(now);
            return json{{"kind", "boot"}};
        }
        if (kind == "tick") return json{{"kind", "tick"}, {"start", startsRequest(now)}};
        if (kind == "update") {
            device_->update(now);
            return json{{"kind", "update"}};
        }
        if (kind == "body") return json{{"kind", "body"}, {"verdict", body(now, readString(action, "body"))}};
        if (kind == "fail") {
            const std::string& outcome = readString(action, "outcome");
            device_->onPollResult(now, outcomeByName(outcome));
            return json{{"kind", "fail"}, {"outcome", outcome}};
        }
        if (kind == "serve") return serve(at, action);
        throw InputError{"unknown action kind " + kind};
    }

    const gauge::Device& device() const { return *device_; }

  private:
    bool startsRequest(uint32_t now) { return device_->tick(now) == gauge::PollAction::StartRequest; }

    // The response-body path of the virtual device: decode through nlohmann (usage_json.cpp), then the
    // verdict to the Device.
    json body(uint32_t now, const std::string& text) {
        gauge::Usage usage = gauge::usageDefaults();
        const gauge::BodyVerdict v =
            gauge::native::decodeUsageBody(text.data(), text.size(), *decoder_, usage);
        device_->onBody(now, v, usage);
        return verdictJson(v);
    }

    // serve: tick and answer every request at once, update every `every` ms, from `at` to `until`.
    json serve(uint64_t at, const json& action) {
        const std::string& answer = readString(action, "serve");
        const uint64_t until = readTime(action.value("until", json()), "until");
        const uint64_t every = readTime(action.value("every", json()), "every");
        if (every == 0 || until < at) throw InputError{"serve needs every >= 1 and until >= at"};
        const bool answers_body = answer == "body";
        const bool answers_fail = answer == "fail";
        if (!answers_body && !answers_fail && answer != "none") throw InputError{"unknown serve " + answer};
        const std::string text = answers_body ? readString(action, "body") : std::string();
        const std::string outcome = answers_fail ? readString(action, "outcome") : std::string();
        const gauge::PollOutcome fail = answers_fail ? outcomeByName(outcome) : gauge::PollOutcome::Timeout;
        uint64_t requests = 0;
        json last = nullptr;
        for (uint64_t t = at; t <= until; t += every) {
            const uint32_t tn = static_cast<uint32_t>(t & 0xFFFFFFFFu);
            if (startsRequest(tn)) {
                ++requests;
                if (answers_body) {
                    last = body(tn, text);
                } else if (answers_fail) {
                    device_->onPollResult(tn, fail);
                    last = json{{"outcome", outcome}};
                }
            }
            device_->update(tn);
        }
        return json{{"kind", "serve"}, {"requests", requests}, {"last", last}};
    }

    std::unique_ptr<gauge::Device> device_;
    std::unique_ptr<gauge::UsageDecoder> decoder_;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1) {
        const std::string a = argv[1];
        FILE* to = (a == "--help" || a == "-h") ? stdout : stderr;
        fprintf(to,
                "usage: vector-runner < steps.json\n"
                "  Runs parsed vector steps on the native build of the core and prints one record per step.\n"
                "  Vector files are run and checked by test/vectors/run.mjs (make -C firmware vectors).\n");
        return to == stdout ? 0 : 2;
    }
    const std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    const json doc = json::parse(input, nullptr, /*allow_exceptions=*/false);
    try {
        if (doc.is_discarded() || !doc.is_object() || !doc.contains("steps") || !doc["steps"].is_array())
            throw InputError{"stdin must be a JSON object with a \"steps\" array"};
        Runner runner;
        for (const json& step : doc["steps"]) {
            if (!step.is_object() || !step.contains("at") || !step.contains("action"))
                throw InputError{"every step needs \"at\" and \"action\""};
            json record;
            record["effect"] = runner.run(readTime(step["at"], "at"), step["action"]);
            record["line"] = stateLine(runner.device());
            printf("%s\n", record.dump(-1, ' ', false, json::error_handler_t::replace).c_str());
        }
    } catch (const InputError& e) {
        fflush(stdout);
        fprintf(stderr, "vector-runner: %s\n", e.message.c_str());
        return 2;
    }
    return 0;
}
