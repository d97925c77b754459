#pragma once
// Cases, case comments, case alerts and reference lists in one SQLite file (WAL mode), persistent across
// restarts. The JSON shapes follow secops-soar-mcp (list_cases with nextPageToken, get_case_full_details,
// post_case_comment) and secops-mcp reference lists (create_reference_list, get_reference_list).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

struct sqlite3;

namespace lh::siem {

// Thrown for database failures; what() starts with "case_store:" and names the operation.
class CaseStoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct NewCase {
  std::string display_name;
  std::string priority = "PriorityMedium";  // PriorityUnspecified/Info/Low/Medium/High/Critical
  std::string status = "OPENED";
  std::string stage = "Triage";
  std::string description;
  std::string environment = "Default Environment";
  std::vector<std::string> entities;  // host names, IPs, users the case is about (what /find-relevant-case matches)
};

struct CaseRecord {
  std::int64_t id = 0;
  NewCase fields;
  std::string create_time;  // RFC 3339 UTC
  std::string update_time;
};

struct CaseComment {
  std::int64_t id = 0;
  std::int64_t case_id = 0;
  std::string comment;
  std::string author;
  std::string create_time;
};

struct CaseAlert {
  std::int64_t id = 0;
  std::int64_t case_id = 0;
  std::string name;
  std::string severity;
  nlohmann::json details;  // free-form alert payload
  std::string create_time;
};

struct CasePage {
  std::vector<CaseRecord> cases;
  std::string next_page_token;  // empty on the last page
};

struct ReferenceList {
  std::string name;
  std::string description;
  std::string syntax_type = "REFERENCE_LIST_SYNTAX_TYPE_PLAIN_TEXT_STRING";  // or _REGEX, _CIDR
  std::vector<std::string> entries;
  std::string create_time;
  std::string update_time;
};

class CaseStore {
 public:
  // Opens (creating when needed) the database at `path`; ":memory:" gives a private in-memory store.
  explicit CaseStore(const std::filesystem::path& path);
  ~CaseStore();
  CaseStore(const CaseStore&) = delete;
  CaseStore& operator=(const CaseStore&) = delete;
  CaseStore(CaseStore&&) noexcept;
  CaseStore& operator=(CaseStore&&) noexcept;

  std::int64_t create_case(const NewCase& fields);
  [[nodiscard]] std::optional<CaseRecord> get_case(std::int64_t case_id) const;
  // Cases newest first, `page_size` per page; pass the previous page's token to continue.
  // An unknown or malformed token throws CaseStoreError ("case_store: invalid page token ...").
  [[nodiscard]] CasePage list_cases(std::string_view page_token = {}, std::size_t page_size = 50) const;
  // Returns false when the case does not exist.
  bool change_case_priority(std::int64_t case_id, std::string_view priority);
  // nullopt when the case does not exist.
  std::optional<CaseComment> post_case_comment(std::int64_t case_id, std::string_view comment,
                                               std::string_view author = "lateral-hunt");
  [[nodiscard]] std::vector<CaseComment> list_case_comments(std::int64_t case_id) const;
  std::optional<CaseAlert> add_case_alert(std::int64_t case_id, std::string_view name, std::string_view severity,
                                          const nlohmann::json& details);
  [[nodiscard]] std::vector<CaseAlert> list_case_alerts(std::int64_t case_id) const;

  // Creates the list, or replaces its entries when it exists (as secops-mcp's create/update pair).
  ReferenceList create_reference_list(const ReferenceList& list);
  [[nodiscard]] std::optional<ReferenceList> get_reference_list(std::string_view name) const;
  [[nodiscard]] std::vector<ReferenceList> list_reference_lists() const;

  // JSON shapes of the upstream tools.
  [[nodiscard]] nlohmann::json list_cases_json(std::string_view page_token = {}, std::size_t page_size = 50) const;
  // {"case_details:": ..., "case_alerts": [...], "case_comments": [...]} (the stray colon is upstream's);
  // {"error": "..."} when the case does not exist.
  [[nodiscard]] nlohmann::json get_case_full_details_json(std::int64_t case_id) const;
  [[nodiscard]] static nlohmann::json to_json(const CaseRecord& record);
  [[nodiscard]] static nlohmann::json to_json(const CaseComment& comment);
  [[nodiscard]] static nlohmann::json to_json(const CaseAlert& alert);
  [[nodiscard]] static nlohmann::json to_json(const ReferenceList& list);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lh::siem
