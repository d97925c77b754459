#pragma once
// The IoC feed behind get_ioc_matches (--iocs FILE). Two formats:
//  - JSON: an array of {"type": "...", "value": "...", "source": "..."} (or {"iocs": [...]} around it);
//    "sources": ["a", "b"] is accepted instead of "source".
//  - CSV: a header line naming the columns type,value,source (any order, more columns ignored), then one
//    IoC per line; fields may be double-quoted ("" inside quotes is a quote). Blank lines and lines
//    starting with '#' are skipped.
// Types are free text (upstream uses IP_ADDRESS, DOMAIN_NAME, HASH_SHA256, ...); values match event field
// values case-insensitively, whole value or the file name at the end of a path.
// Optional intel fields (JSON members or CSV columns of the same name; older feeds without them still load),
// read by the file/IP/domain report tools (tools_intel.hpp):
//   verdict: malicious | suspicious | harmless | undetected (default: malicious, a feed lists bad things)
//   severity: low | medium | high | critical;  description: free text;  threat_name: a family or tool name
//   tags: array of strings (CSV: separated by ';')
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
  std::string verdict;      // empty: not given
  std::string severity;     // empty: not given
  std::string description;  // empty: not given
  std::string threat_name;  // empty: not given
  std::vector<std::string> tags;
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
