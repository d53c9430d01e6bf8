// The serial/stdout state line: exact grammar, lamp order, escaping, truncation.
#include <doctest/doctest.h>

#include <string.h>

#include <map>
#include <sstream>
#include <string>

#include "gauge.h"

using gauge::Frame;
using gauge::LampId;

namespace {

Frame liveFrame() {
    Frame f;
    memset(&f, 0, sizeof f);
    f.week_pct = -1;  // none, as the cluster starts
    f.t_ms = 12345;
    f.phase = gauge::Phase::Live;
    f.dials[0].needle_deg = -42.34f;
    f.dials[1].needle_deg = 10.0f;
    f.dials[2].needle_deg = -30.06f;
    f.dials[3].needle_deg = 55.0f;
    f.lamps[static_cast<int>(LampId::Warn)].active = true;
    f.lamps[static_cast<int>(LampId::Hot)].active = true;
    f.rgb_led = 0xFF0000;
    strcpy(f.model.text, "opus-4.5");
    return f;
}

std::string line(const Frame& f) {
    char buf[gauge::kStateLineMax];
    const size_t n = gauge::formatStateLine(f, buf, sizeof buf);
    REQUIRE(n == strlen(buf));
    return buf;
}

std::map<std::string, std::string> parse(const std::string& s) {
    std::map<std::string, std::string> kv;
    std::istringstream in(s);
    std::string word;
    in >> word;
    REQUIRE(word == "GAUGE");
    while (in >> word) {
        const size_t eq = word.find('=');
        REQUIRE(eq != std::string::npos);
        REQUIRE(word.find('=', eq + 1) == std::string::npos);
        kv[word.substr(0, eq)] = word.substr(eq + 1);
    }
    return kv;
}

}  // namespace

TEST_CASE("StateLine: exact format of a live frame") {
    CHECK(line(liveFrame()) ==
          "GAUGE t=12345 phase=LIVE tach=-42.3 fuel=10.0 temp=-30.1 boost=55.0 lamps=HOT,WARN rgb=FF0000 "
          "model=opus-4.5 stale=0 over=0 basis=estimate week=-- eta=--");
}

TEST_CASE("StateLine: lamps in priority order, '-' when none, NOSIG first") {
    Frame f = liveFrame();
    for (auto& l : f.lamps) l.active = true;
    CHECK(parse(line(f))["lamps"] == "NOSIG,ATTN,HOT,WARN,STALL,IDLE");
    for (auto& l : f.lamps) l.active = false;
    CHECK(parse(line(f))["lamps"] == "-");
}

TEST_CASE("StateLine: values never contain spaces; empty model is '-'; no negative zero") {
    Frame f = liveFrame();
    strcpy(f.model.text, "my model=x");
    f.dials[0].needle_deg = -0.04f;
    f.dials[1].needle_deg = -119.96f;
    f.rgb_led = 0x000030;
    f.phase = gauge::Phase::NoSignal;
    f.stale = true;
    auto kv = parse(line(f));
    CHECK(kv["model"] == "my_model_x");
    CHECK(kv["tach"] == "0.0");
    CHECK(kv["fuel"] == "-120.0");
    CHECK(kv["rgb"] == "000030");
    CHECK(kv["phase"] == "NOSIGNAL");
    CHECK(kv["stale"] == "1");
    strcpy(f.model.text, "--");
    CHECK(parse(line(f))["model"] == "-");
    f.model.text[0] = '\0';
    CHECK(parse(line(f))["model"] == "-");
}

TEST_CASE("StateLine: keys in the documented order") {
    const std::string s = line(liveFrame());
    const char* keys[] = {" t=",   " phase=", " tach=",  " fuel=", " temp=",  " boost=", " lamps=",
                          " rgb=", " model=", " stale=", " over=", " basis=", " week=",  " eta="};
    size_t pos = 0;
    for (const char* k : keys) {
        CAPTURE(std::string(k));
        const size_t at = s.find(k, pos);
        REQUIRE(at != std::string::npos);
        pos = at + 1;
    }
}

TEST_CASE("StateLine: stateLineKeyName lists the printed keys, in order") {
    const std::map<std::string, std::string> fields = parse(line(liveFrame()));
    CHECK(fields.size() == gauge::kStateLineKeyCount);
    const std::string s = line(liveFrame());
    size_t pos = 0;
    for (size_t i = 0; i < gauge::kStateLineKeyCount; ++i) {
        const std::string key =
            std::string(" ") + gauge::stateLineKeyName(static_cast<gauge::StateLineKey>(i)) + "=";
        CAPTURE(key);
        const size_t at = s.find(key, pos);
        REQUIRE(at != std::string::npos);
        pos = at + 1;
    }
}

TEST_CASE("StateLine: the longest possible line fits kStateLineMax, small buffers truncate safely") {
    Frame f = liveFrame();
    f.t_ms = 4294967295u;
    for (auto& d : f.dials) d.needle_deg = -1e30f;
    for (auto& l : f.lamps) l.active = true;
    memset(f.model.text, 'M', sizeof f.model.text - 1);
    f.model.text[sizeof f.model.text - 1] = '\0';
    f.rgb_led = 0xFFFFFFFF;
    f.fuel_basis = gauge::FuelBasis::Estimate;
    f.week_pct = 999;
    f.eta = gauge::Eta::Full;
    f.eta_min = 65535;
    char big[512];
    const size_t n = gauge::formatStateLine(f, big, sizeof big);
    CHECK(n < gauge::kStateLineMax);
    CHECK(parse(big)["rgb"] == "FFFFFF");
    char small[10];
    CHECK(gauge::formatStateLine(f, small, sizeof small) == 9);
    CHECK(std::string(small) == "GAUGE t=4");
    CHECK(gauge::formatStateLine(f, small, 0) == 0);
    CHECK(gauge::formatStateLine(f, nullptr, 10) == 0);
}

TEST_CASE("StateLine: a real device frame parses with every key") {
    gauge::Device d;
    d.boot(0);
    d.update(100);
    auto kv = parse(line(d.frame()));
    CHECK(kv["phase"] == "SELFTEST");
    CHECK(kv["lamps"] == "NOSIG,ATTN,HOT,WARN,STALL,IDLE");
    CHECK(kv["model"] == "-");
    CHECK(kv["basis"] == "estimate");
    CHECK(kv["week"] == "--");
    CHECK(kv["eta"] == "--");
    CHECK(kv.size() == 14);
}

TEST_CASE("StateLine: basis, week and eta say what the quota readouts say") {
    Frame f = liveFrame();
    f.fuel_basis = gauge::FuelBasis::Official;
    f.week_pct = 63;
    f.eta = gauge::Eta::Full;
    f.eta_min = 42;
    auto kv = parse(line(f));
    CHECK(kv["basis"] == "official");
    CHECK(kv["week"] == "63%");
    CHECK(kv["eta"] == "42m");
    f.eta_min = 0;
    CHECK(parse(line(f))["eta"] == "0m");
    f.eta = gauge::Eta::Lasts;
    f.week_pct = 0;
    kv = parse(line(f));
    CHECK(kv["eta"] == "lasts");
    CHECK(kv["week"] == "0%");
    f.eta = gauge::Eta::Unknown;
    f.week_pct = -1;
    f.fuel_basis = gauge::FuelBasis::Estimate;
    kv = parse(line(f));
    CHECK(kv["eta"] == "--");
    CHECK(kv["week"] == "--");
    CHECK(kv["basis"] == "estimate");
}
