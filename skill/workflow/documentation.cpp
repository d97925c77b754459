// Step 8 of the seed (/document-in-soar): the report as a case comment, never twice for the same hunt.
// Two guards, because either alone can miss: the report store's claim (atomic, survives restarts of
// this server) and the "hunt-fingerprint: <fp>" marker in the case's existing comments (survives a
// lost store, and sees posts made by another lateral-hunt instance).
#include <fmt/format.h>

#include "skill/workflow/documentation.hpp"

#include "skill/report/report.hpp"
#include "skill/workflow/hunt.hpp"
#include "skill/workflow/upstream_call.hpp"

namespace lh::skill::workflow {
namespace detail {
namespace {

nlohmann::json documentation(const std::string& case_id, const std::string& status,
                             const std::optional<std::string>& error = std::nullopt) {
  return {{"case_id", case_id}, {"status", status}, {"error", error ? nlohmann::json(*error) : nlohmann::json(nullptr)}};
}

// The comments of get_case_full_details' answer, whatever the server calls them.
const nlohmann::json* comments_of(const nlohmann::json& details) {
  for (const char* key : {"case_comments", "comments", "caseComments"}) {
    if (details.is_object() && details.contains(key) && details[key].is_array()) return &details[key];
  }
  return nullptr;
}

bool comment_has_marker(const nlohmann::json& comment, const std::string& marker) {
  if (comment.is_string()) return comment.get_ref<const std::string&>().find(marker) != std::string::npos;
  if (!comment.is_object()) return false;
  for (const char* key : {"comment", "content", "text", "body"}) {
    if (comment.contains(key) && comment[key].is_string() &&
        comment[key].get_ref<const std::string&>().find(marker) != std::string::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace

nlohmann::json document_report(gateway::Gateway& gateway, report::ReportStore* store, const nlohmann::json& report,
                               const std::string& case_id, CallCounter& counter, const std::stop_token& cancel) {
  const std::string fingerprint = report.value("hunt_fingerprint", "");
  const std::string hunt_id = report.value("hunt_id", "");
  if (fingerprint.empty()) {
    return documentation(case_id, "failed", "the report has no hunt_fingerprint, so a repeated post could not be recognised");
  }
  const std::string marker = report::fingerprint_marker(fingerprint);

  if (store) {
    try {
      if (!store->claim_documentation(case_id, fingerprint, hunt_id)) {
        const auto by = store->documented_by(case_id, fingerprint);
        return documentation(case_id, "already_posted",
                             fmt::format("already documented on case {} by {}", case_id, by.value_or("an earlier hunt")));
      }
    } catch (const std::exception& error) {
      return documentation(case_id, "failed", fmt::format("the report store could not record the post: {}", error.what()));
    }
  }
  auto release = [&] {
    if (!store) return;
    try {
      store->release_documentation(case_id, fingerprint);
    } catch (const std::exception&) {
      // The claim stays; a later request reports already_posted instead of posting twice, which is the safe side.
    }
  };

  try {
    const auto details = call_upstream(gateway, counter, "get_case_full_details", {{"case_id", case_id}}, cancel);
    if (const auto* comments = comments_of(details.value)) {
      for (const auto& comment : *comments) {
        if (comment_has_marker(comment, marker)) {
          return documentation(case_id, "already_posted",
                               fmt::format("case {} already has a comment with \"{}\"", case_id, marker));
        }
      }
    }
  } catch (const std::exception& error) {
    // Without the existing comments a post might be the second one: do not post.
    release();
    return documentation(case_id, "failed", fmt::format("could not read case {} before posting: {}", case_id, error.what()));
  }

  if (cancel.stop_requested()) {
    release();
    return documentation(case_id, "failed", "the hunt was cancelled before the report was posted");
  }
  try {
    const std::string comment = report::render_case_comment(report, fingerprint);
    call_upstream(gateway, counter, "post_case_comment", {{"case_id", case_id}, {"comment", comment}}, cancel,
                          /*read_only=*/false);
  } catch (const std::exception& error) {
    release();
    return documentation(case_id, "failed", fmt::format("posting on case {} failed: {}", case_id, error.what()));
  }
  return documentation(case_id, "posted");
}

}  // namespace detail

nlohmann::json document_hunt(gateway::Gateway& gateway, report::ReportStore* store, const nlohmann::json& report,
                             const std::string& case_id, std::stop_token cancel) {
  detail::CallCounter counter;
  return detail::document_report(gateway, store, report, case_id, counter, cancel);
}

}  // namespace lh::skill::workflow
