// The decoder's field table and defaults must equal contract/usage.v1.schema.json (the path comes from the
// Makefile as GAUGE_SCHEMA_PATH). nlohmann is used here only, never in the core.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "usage.h"

using nlohmann::json;

namespace {

json loadSchema() {
    std::ifstream in(GAUGE_SCHEMA_PATH);
    REQUIRE_MESSAGE(in.good(), "cannot open " GAUGE_SCHEMA_PATH);
    return json::parse(in);
}

// The decoded default for one field, as the JSON value the schema should declare.
json decodedDefault(const gauge::Usage& u, gauge::UsageField f) {
    using gauge::UsageField;
    switch (f) {
        case UsageField::V:
            return u.v;
        case UsageField::Ts:
            return u.ts_ms;
        case UsageField::Rate1m:
            return u.rate_1m;
        case UsageField::RateRedline:
            return u.rate_redline;
        case UsageField::Window5hTokens:
            return u.window_5h_tokens;
        case UsageField::Window5hPct:
            return u.window_5h_pct;
        case UsageField::Window5hResetInS:
            return u.has_reset ? json(u.window_5h_reset_in_s) : json(nullptr);
        case UsageField::ThinkingRatio:
            return u.thinking_ratio;
        case UsageField::CacheHitRate:
            return u.cache_hit_rate;
        case UsageField::LastModel:
            return std::string(u.last_model);
        case UsageField::SessionsActive:
            return u.sessions_active;
        case UsageField::Hot:
            return u.hot;
        case UsageField::Warn:
            return u.warn;
        case UsageField::Stall:
            return u.stall;
        case UsageField::Idle:
            return u.idle;
        case UsageField::Stale:
            return u.stale;
        case UsageField::Source:
            return std::string(u.source);
        case UsageField::Quota5hPct:
            return u.has_quota_5h ? json(u.quota_5h_pct) : json(nullptr);
        case UsageField::Quota5hResetsAt:
            return u.has_quota_5h_resets ? json(u.quota_5h_resets_at) : json(nullptr);
        case UsageField::Quota7dPct:
            return u.has_quota_7d ? json(u.quota_7d_pct) : json(nullptr);
        case UsageField::Quota7dResetsAt:
            return u.has_quota_7d_resets ? json(u.quota_7d_resets_at) : json(nullptr);
        case UsageField::QuotaObservedAt:
            return u.has_quota_observed ? json(u.quota_observed_at_ms) : json(nullptr);
        case UsageField::FuelBasis:
            return std::string(gauge::fuelBasisName(u.fuel_basis));
        case UsageField::PacePctAtReset:
            return u.has_pace ? json(u.pace_pct_at_reset) : json(nullptr);
        case UsageField::MinutesToFull:
            return u.has_minutes_to_full ? json(u.minutes_to_full) : json(nullptr);
        case UsageField::Attention:
            return u.attention;
        case UsageField::Count:
            break;
    }
    return json("unreachable");
}

std::string schemaType(gauge::FieldType t) {
    switch (t) {
        case gauge::FieldType::Integer:
            return R"("integer")";
        case gauge::FieldType::Number:
            return R"("number")";
        case gauge::FieldType::NullableInteger:
            return R"(["integer","null"])";
        case gauge::FieldType::NullableNumber:
            return R"(["number","null"])";
        case gauge::FieldType::Boolean:
            return R"("boolean")";
        case gauge::FieldType::String:
            return R"("string")";
    }
    return "?";
}

bool inTable(const std::string& name) {
    for (size_t i = 0; i < gauge::kUsageFieldCount; ++i)
        if (name == gauge::kUsageFields[i].name) return true;
    return false;
}

// The properties the decoder knows, by name: the top level's, and those of every optional group
// (`allOf` -> `$defs`) the core consumes. A group is consumed whole or not at all.
json consumedProperties(const json& schema) {
    json out = schema.at("properties");
    for (const auto& part : schema.at("allOf")) {
        const std::string ref = part.at("$ref").get<std::string>();
        REQUIRE(ref.rfind("#/$defs/", 0) == 0);
        const json& group = schema.at("$defs").at(ref.substr(8)).at("properties");
        size_t known = 0;
        for (auto it = group.begin(); it != group.end(); ++it) known += inTable(it.key()) ? 1 : 0;
        CAPTURE(ref);
        CHECK((known == 0 || known == group.size()));
        if (known == 0) continue;
        for (auto it = group.begin(); it != group.end(); ++it) out[it.key()] = it.value();
    }
    return out;
}

}  // namespace

TEST_CASE("Schema: field table names equal the schema's properties, in order") {
    const json schema = loadSchema();
    const json& top = schema.at("properties");
    // Every top-level property is required in the schema (the daemon always sends all of them).
    std::set<std::string> required;
    for (const auto& r : schema.at("required")) required.insert(r.get<std::string>());
    std::set<std::string> top_names;
    for (auto it = top.begin(); it != top.end(); ++it) top_names.insert(it.key());
    CHECK(required == top_names);
    // nlohmann's json object sorts its keys: read the order from the file's text instead.
    std::ifstream in(GAUGE_SCHEMA_PATH);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const json consumed = consumedProperties(schema);
    std::vector<std::pair<size_t, std::string>> by_position;
    for (auto it = consumed.begin(); it != consumed.end(); ++it) {
        const size_t at = text.find("\"" + it.key() + "\": {");
        REQUIRE(at != std::string::npos);
        by_position.emplace_back(at, it.key());
    }
    std::sort(by_position.begin(), by_position.end());
    REQUIRE(by_position.size() == gauge::kUsageFieldCount);
    std::set<std::string> seen;
    for (size_t i = 0; i < gauge::kUsageFieldCount; ++i) {
        const gauge::UsageFieldInfo& f = gauge::kUsageFields[i];
        const std::string name = f.name;
        CAPTURE(name);
        CHECK(static_cast<size_t>(f.id) == i);
        CHECK(name == by_position[i].second);
        // Optional exactly when the schema does not require it.
        CHECK(f.optional == (required.count(name) == 0));
        seen.insert(name);
    }
    CHECK(seen.size() == gauge::kUsageFieldCount);  // no duplicate names in the table
}

TEST_CASE("Schema: field types match") {
    const json props = consumedProperties(loadSchema());
    for (size_t i = 0; i < gauge::kUsageFieldCount; ++i) {
        const gauge::UsageFieldInfo& f = gauge::kUsageFields[i];
        const std::string name = f.name;
        CAPTURE(name);
        REQUIRE(props.contains(f.name));
        CHECK(props.at(f.name).at("type").dump() == schemaType(f.type));
    }
}

TEST_CASE("Schema: decoder defaults equal every field's schema default") {
    const json props = consumedProperties(loadSchema());
    const gauge::Usage d = gauge::usageDefaults();
    for (size_t i = 0; i < gauge::kUsageFieldCount; ++i) {
        const gauge::UsageFieldInfo& f = gauge::kUsageFields[i];
        const std::string name = f.name;
        CAPTURE(name);
        REQUIRE(props.at(f.name).contains("default"));
        const json want = props.at(f.name).at("default");
        const json got = decodedDefault(d, f.id);
        if (want.is_number()) {
            REQUIRE(got.is_number());
            CHECK(got.get<double>() == want.get<double>());
        } else {
            CHECK(got == want);
        }
    }
}

TEST_CASE("Schema: fuel_basis names are the schema's enum") {
    const json props = consumedProperties(loadSchema());
    const json want = props.at("fuel_basis").at("enum");
    CHECK(want == json::array({gauge::fuelBasisName(gauge::FuelBasis::Official),
                               gauge::fuelBasisName(gauge::FuelBasis::Estimate)}));
}

TEST_CASE("Schema: string buffers hold the schema's maxLength") {
    const json props = loadSchema().at("properties");
    CHECK(props.at("last_model").at("maxLength").get<size_t>() == gauge::cfg::kModelMaxBytes);
    CHECK(props.at("source").at("maxLength").get<size_t>() == gauge::cfg::kSourceMaxBytes);
    CHECK(sizeof(gauge::Usage::last_model) == gauge::cfg::kModelMaxBytes + 1);
    CHECK(sizeof(gauge::Usage::source) == gauge::cfg::kSourceMaxBytes + 1);
}
