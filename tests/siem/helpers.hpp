#pragma once
// Shared test helpers: flat events from key/value lists, reading UDM values back by path, temp dirs.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "siem/flat_event.hpp"
#include "udm/event.hpp"

namespace lh::siem::test {

// Holds the strings a FlatEvent views.
struct OwnedFlatEvent {
  std::vector<std::pair<std::string, std::string>> storage;
  FlatEvent event;
  OwnedFlatEvent(std::initializer_list<std::pair<std::string, std::string>> fields) : storage(fields) {
    for (const auto& [k, v] : storage) event.add(k, v, k == "EventID");
  }
};

// All string values of a field path ("target.process.command_line"), or of a map key
// ("additional.fields", "Initiated").
inline std::vector<std::string> strings(const udm::EventView& event, std::string_view path, std::string_view key = {}) {
  std::vector<std::string> out;
  const auto id = udm::find_field(path);
  if (!id) throw std::invalid_argument(fmt::format("unknown path {}", path));
  event.for_each_value(*id, [&](const udm::Value& v) {
    if (!key.empty() && v.key != key) return true;
    if (v.type == udm::ValueType::String) {
      out.emplace_back(v.text);
    } else if (v.type == udm::ValueType::Enum) {
      out.emplace_back(udm::enum_name(udm::field_info(*id).enum_kind, static_cast<udm::EnumOrdinal>(v.number)));
    } else {
      out.push_back(fmt::format("{}", v.number));
    }
    return true;
  });
  return out;
}

inline std::string one(const udm::EventView& event, std::string_view path, std::string_view key = {}) {
  const auto values = strings(event, path, key);
  return values.empty() ? std::string("<none>") : values.front();
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "lh-siem-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write(const std::string& name, const std::string& content) const {
    const auto file = path_ / name;
    std::filesystem::create_directories(file.parent_path());
    std::FILE* f = std::fopen(file.c_str(), "wb");
    std::fwrite(content.data(), 1, content.size(), f);
    std::fclose(f);
    return file;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace lh::siem::test
