#pragma once
// The IoC feed behind get_ioc_matches (--iocs FILE). Two formats:
//  - JSON: an array of {"type": "...", "value": "...", "source": "..."} (or {"iocs": [...]} around it);
//    "sources": ["a", "b"] is accepted instead of "source".
//  - CSV: a header line naming the columns type,value,source (any order, more columns ignored), then one
//    IoC per line; fields may be double-quoted ("" inside quotes is a quote). Blank lines and lines
//    starting with '#' are skipped.
// Types are free text (upstream uses IP_ADDRESS, DOMAIN_NAME, HASH_SHA256, ...); values match event field
// values case-insensitively, whole value or the file name at the end of a path.
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace lh::siem {

struct IocEntry {
  std::string type;
  std::string value;
  std::vector<std::string> sources;
};

struct IocFeed {
  std::filesystem::path path;
  std::vector<IocEntry> entries;
};

// Thrown for an unreadable or malformed feed; what() starts with "ioc_feed:" and names file:line.
class IocFeedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

IocFeed load_ioc_feed(const std::filesystem::path& path);
IocFeed parse_ioc_feed(std::string_view text, const std::string& name);

}  // namespace lh::siem
