// Readouts: model shortening and number formatting for a 320x240 screen.
#include <doctest/doctest.h>

#include <math.h>
#include <string.h>

#include <string>

#include "readout.h"

namespace {
std::string shortName(const char* id) {
    char buf[32];
    const size_t n = gauge::shortenModel(id, buf, sizeof buf);
    REQUIRE(n == strlen(buf));
    return buf;
}
std::string count(double v) {
    char buf[16];
    gauge::formatCount(v, buf, sizeof buf);
    return buf;
}
}  // namespace

TEST_CASE("Readout: model names shorten to family-version") {
    CHECK(shortName("claude-opus-4-5-20251101") == "opus-4.5");
    CHECK(shortName("claude-sonnet-4-5-20250929") == "sonnet-4.5");
    CHECK(shortName("claude-haiku-4-5-20251001") == "haiku-4.5");
    CHECK(shortName("claude-sonnet-4-20250514") == "sonnet-4");
    CHECK(shortName("claude-opus-4-1-20250805") == "opus-4.1");
    CHECK(shortName("claude-opus-4-6") == "opus-4.6");
    CHECK(shortName("claude-opus-4-7") == "opus-4.7");
    CHECK(shortName("claude-3-5-sonnet-20241022") == "sonnet-3.5");
    CHECK(shortName("claude-3-7-sonnet-latest") == "sonnet-3.7");
    CHECK(shortName("claude-3-opus-20240229") == "opus-3");
    CHECK(shortName("claude-3-5-haiku-20241022") == "haiku-3.5");
    CHECK(shortName("us.anthropic.claude-haiku-4-5-20251001-v1:0") == "haiku-4.5");
    CHECK(shortName("claude-opus-4-5@20251101") == "opus-4.5");
    CHECK(shortName("claude-sonnet-4-5-20250929[1m]") == "sonnet-4.5");
    CHECK(shortName("haiku") == "haiku");
    CHECK(shortName("sonnet") == "sonnet");
}

TEST_CASE("Readout: unknown, empty and huge model names") {
    CHECK(shortName("") == "");
    CHECK(shortName(nullptr) == "");
    CHECK(shortName("<synthetic>") == "<synthetic>");
    CHECK(shortName("gpt-4o") == "gpt-4o");
    CHECK(shortName("claude-newmodel-20260101") == "newmodel");
    CHECK(shortName("some-very-long-model-identifier") == "some-very-l~");  // 12 chars, cut marked
    CHECK(shortName("mod\xC3\xA9l\n") == "mod??l?");                        // ASCII only on the TFT
    const std::string huge(10240, 'x');
    const std::string s = shortName(huge.c_str());
    CHECK(s.size() == 12);
    CHECK(s.back() == '~');
    const std::string huge_claude = "claude-opus-4-5-" + std::string(10000, '9');
    CHECK(shortName(huge_claude.c_str()) == "opus-4.5");
}

TEST_CASE("Readout: model output respects small buffers") {
    char buf[4];
    CHECK(gauge::shortenModel("claude-opus-4-5-20251101", buf, sizeof buf) == 3);
    CHECK(std::string(buf) == "op~");
    CHECK(gauge::shortenModel("claude-opus-4-5-20251101", buf, 1) == 0);
    CHECK(buf[0] == '\0');
    CHECK(gauge::shortenModel("x", nullptr, 10) == 0);
    CHECK(gauge::shortenModel("x", buf, 0) == 0);
}

TEST_CASE("Readout: counts are compact") {
    CHECK(count(0) == "0");
    CHECK(count(7) == "7");
    CHECK(count(999) == "999");
    CHECK(count(999.4) == "999");
    CHECK(count(999.6) == "1.0k");  // never "1000"
    CHECK(count(1234) == "1.2k");
    CHECK(count(9949) == "9.9k");
    CHECK(count(9950) == "10k");
    CHECK(count(412000) == "412k");
    CHECK(count(999499) == "999k");
    CHECK(count(999500) == "1.0M");  // never "1000k"
    CHECK(count(1200000) == "1.2M");
    CHECK(count(15000000) == "15M");
    CHECK(count(1.5e9) == "1.5G");
    CHECK(count(2.5e12) == "2.5T");
    CHECK(count(999e12) == "999T");
    CHECK(count(1e300) == ">999T");
    CHECK(count(INFINITY) == ">999T");
    CHECK(count(-5) == "0");
    CHECK(count(-INFINITY) == "0");
    CHECK(count(NAN) == "--");
    for (double v = 1; v < 1e16; v *= 1.37) CHECK(count(v).size() <= 5);
}

TEST_CASE("Readout: percent and duration") {
    char buf[16];
    gauge::formatPercent(0.423f, buf, sizeof buf);
    CHECK(std::string(buf) == "42%");
    gauge::formatPercent(1.0f, buf, sizeof buf);
    CHECK(std::string(buf) == "100%");
    gauge::formatPercent(-0.5f, buf, sizeof buf);
    CHECK(std::string(buf) == "0%");
    gauge::formatPercent(1e30f, buf, sizeof buf);
    CHECK(std::string(buf) == "999%");
    gauge::formatPercent(NAN, buf, sizeof buf);
    CHECK(std::string(buf) == "--%");
    gauge::formatDuration(59, buf, sizeof buf);
    CHECK(std::string(buf) == "59s");
    gauge::formatDuration(754, buf, sizeof buf);
    CHECK(std::string(buf) == "12m");
    gauge::formatDuration(7980, buf, sizeof buf);
    CHECK(std::string(buf) == "2h13m");
    gauge::formatDuration(86399, buf, sizeof buf);
    CHECK(std::string(buf) == "23h59m");
    gauge::formatDuration(187200 + 3599, buf, sizeof buf);  // 2 d 4 h 59 m: minutes dropped
    CHECK(std::string(buf) == "2d4h");
    gauge::formatDuration(4294967295u, buf, sizeof buf);
    CHECK(std::string(buf) == "49710d6h");
    char tiny[3];
    CHECK(gauge::formatDuration(7980, tiny, sizeof tiny) == 2);
    CHECK(std::string(tiny) == "2h");
    CHECK(gauge::copyText(tiny, sizeof tiny, nullptr) == 0);
    CHECK(tiny[0] == '\0');
}
