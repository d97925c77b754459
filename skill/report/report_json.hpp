// Tolerant reads of a hunt report: a missing key, a null or a value of the wrong type gives the
// fallback, so a partial report (a failed step, an older schema) still renders.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lh::skill::report::detail {

using Json = nlohmann::json;

inline const Json& empty_array() {
  static const Json value = Json::array();
  return value;
}

inline const Json& empty_object() {
  static const Json value = Json::object();
  return value;
}

inline const Json* member(const Json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

// Strings as they are; numbers and booleans as JSON text; anything else is absent.
inline std::optional<std::string> opt_str(const Json& object, const char* key) {
  const Json* value = member(object, key);
  if (value == nullptr) return std::nullopt;
  if (value->is_string()) return value->get<std::string>();
  if (value->is_number() || value->is_boolean()) return value->dump();
  return std::nullopt;
}

inline std::string str(const Json& object, const char* key, const std::string& fallback = "") {
  auto value = opt_str(object, key);
  return value && !value->empty() ? *value : fallback;
}

inline const Json& arr(const Json& object, const char* key) {
  const Json* value = member(object, key);
  return value != nullptr && value->is_array() ? *value : empty_array();
}

inline const Json& obj(const Json& object, const char* key) {
  const Json* value = member(object, key);
  return value != nullptr && value->is_object() ? *value : empty_object();
}

inline std::optional<std::int64_t> opt_int(const Json& object, const char* key) {
  const Json* value = member(object, key);
  if (value == nullptr) return std::nullopt;
  if (value->is_number_integer()) return value->get<std::int64_t>();
  if (value->is_number_unsigned()) return static_cast<std::int64_t>(value->get<std::uint64_t>());
  if (value->is_number_float()) return static_cast<std::int64_t>(value->get<double>());
  return std::nullopt;
}

inline std::optional<double> opt_number(const Json& object, const char* key) {
  const Json* value = member(object, key);
  if (value == nullptr || !value->is_number()) return std::nullopt;
  return value->get<double>();
}

inline bool flag(const Json& object, const char* key) {
  const Json* value = member(object, key);
  return value != nullptr && value->is_boolean() && value->get<bool>();
}

// The string items of an array member (other items skipped).
inline std::vector<std::string> strings(const Json& object, const char* key) {
  std::vector<std::string> out;
  for (const Json& item : arr(object, key)) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

// "10:58:14 UTC" from "2024-03-05T10:58:14.708Z"; the text as given when it is not RFC 3339.
inline std::string clock_time(const std::string& timestamp) {
  const bool rfc3339 = timestamp.size() >= 19 && (timestamp[10] == 'T' || timestamp[10] == 't' ||
                                                  timestamp[10] == ' ') &&
                       timestamp[13] == ':' && timestamp[16] == ':';
  return rfc3339 ? timestamp.substr(11, 8) + " UTC" : timestamp;
}

// info < low < medium < high < critical; unknown text ranks below info.
inline int severity_rank(const std::string& severity) {
  static const char* const order[] = {"info", "low", "medium", "high", "critical"};
  for (int i = 0; i < 5; ++i) {
    if (severity == order[i]) return i;
  }
  return -1;
}

inline std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out += separator;
    out += items[i];
  }
  return out;
}

}  // namespace lh::skill::report::detail
