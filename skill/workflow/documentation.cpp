// Step 8 of the seed (/document-in-soar): the report as a case comment, never twice for the same hunt.
//
// Two guards, because either alone can miss: the report store's claim (atomic, survives restarts of
// this server, shared by the processes on one store) and the "hunt-fingerprint: <fp>" marker in the
// case's existing comments (survives a lost store, and sees posts made by another lateral-hunt instance).
// Every attempt reads the case's comments before it posts, whatever the store says.
//
// The hard case is a post whose answer never comes (client deadline, lost connection): the upstream may
// have written the comment, may write it later, or never. Such a claim is kept as "unknown" rather than
// released; a retry that finds the marker reports already_posted, and one that does not refuses to post
// again until policy.unanswered_settle has passed since the unanswered post (the upstream has had time
// to finish it). A claim held by a call that is posting right now is waited for; one held by a process
// that no longer runs is treated as unanswered.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "skill/workflow/documentation.hpp"

#include "skill/report/report.hpp"
#include "skill/workflow/hunt.hpp"
#include "skill/workflow/upstream_call.hpp"

namespace lh::skill::workflow {
namespace detail {
namespace {

using Clock = std::chrono::steady_clock;

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

// Whether a failed post_case_comment certainly wrote nothing: the tool answered with an error (it ran
// and refused), or no server offers the tool. Anything else (deadline, lost connection, cancellation
// after sending, a protocol error) leaves the comment's existence unknown.
bool certainly_not_written(const std::exception& error) {
  const auto* upstream = dynamic_cast<const gateway::UpstreamError*>(&error);
  if (upstream == nullptr) return false;
  using Kind = gateway::UpstreamError::Kind;
  return upstream->kind() == Kind::payload_error || upstream->kind() == Kind::not_configured;
}

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string seconds_text(std::chrono::milliseconds duration) {
  return fmt::format("{} s", (duration.count() + 999) / 1000);
}

}  // namespace

nlohmann::json document_report(gateway::Gateway& gateway, report::ReportStore* store, const nlohmann::json& report,
                               const std::string& case_id, CallCounter& counter, const std::stop_token& cancel,
                               const DocumentationPolicy& policy) {
  const std::string fingerprint = report.value("hunt_fingerprint", "");
  const std::string hunt_id = report.value("hunt_id", "");
  if (fingerprint.empty()) {
    return documentation(case_id, "failed", "the report has no hunt_fingerprint, so a repeated post could not be recognised");
  }
  const std::string marker = report::fingerprint_marker(fingerprint);
  const std::string owner = report::documentation_owner_token();

  // 1. The store's claim: ours, or the one another attempt left (waiting while a live call posts).
  bool ours = store == nullptr;
  std::optional<report::DocumentationClaim> existing;
  if (store) {
    try {
      const auto wait_until = Clock::now() + policy.wait_for_other_poster;
      while (true) {
        if (store->claim_documentation(case_id, fingerprint, hunt_id, owner)) {
          ours = true;
          break;
        }
        existing = store->documentation_claim(case_id, fingerprint);
        if (!existing) continue;  // released between the two statements: claim again
        const bool other_is_posting = existing->state == "posting" && report::documentation_owner_alive(existing->owner);
        if (!other_is_posting || Clock::now() >= wait_until || cancel.stop_requested()) break;
        std::this_thread::sleep_for(policy.poll_interval);
      }
    } catch (const std::exception& error) {
      return documentation(case_id, "failed", fmt::format("the report store could not record the post: {}", error.what()));
    }
  }
  auto release = [&] {
    if (!store || !ours) return;
    try {
      store->release_documentation(case_id, fingerprint, owner);
    } catch (const std::exception&) {
      // The claim stays; a later request checks the case and waits out the claim instead of posting twice.
    }
  };
  auto mark = [&](const std::string& state) {
    if (!store || !ours) return;
    try {
      store->set_documentation_state(case_id, fingerprint, owner, state, /*touch=*/state == "unknown");
    } catch (const std::exception&) {
      // A claim left "posting" by a live process is waited for, by a dead one treated as unanswered: safe.
    }
  };

  // 2. The case's comments, read before any post.
  try {
    const auto details = call_upstream(gateway, counter, "get_case_full_details", {{"case_id", case_id}}, cancel);
    if (const auto* comments = comments_of(details.value)) {
      for (const auto& comment : *comments) {
        if (!comment_has_marker(comment, marker)) continue;
        if (ours) {
          mark("posted");
        } else if (store && existing && existing->state != "posted") {
          // The unanswered or abandoned post did arrive: record it, so later attempts need not wonder.
          try {
            if (store->take_over_documentation(case_id, fingerprint, *existing, hunt_id, owner)) {
              store->set_documentation_state(case_id, fingerprint, owner, "posted");
            }
          } catch (const std::exception&) {
          }
        }
        auto out = documentation(case_id, "already_posted",
                                 fmt::format("the comment already exists: case {} has a comment with \"{}\" "
                                             "(found by reading its comments); not posted again",
                                             case_id, marker));
        out["comment_found"] = true;
        return out;
      }
    }
  } catch (const std::exception& error) {
    // Without the existing comments a post might be the second one: do not post.
    release();
    return documentation(case_id, "failed", fmt::format("could not read case {} before posting: {}", case_id, error.what()));
  }

  // 3. Not on the case. Post when the claim is ours or the one left behind may be taken over.
  if (!ours) {
    const report::DocumentationClaim& claim = *existing;
    if (claim.state == "posted") {
      auto out = documentation(case_id, "already_posted",
                               fmt::format("already documented on case {} by hunt {} at {} (the post was acknowledged; "
                                           "the case's comments no longer show \"{}\"); not posted again",
                                           case_id, claim.hunt_id, claim.claimed_at, marker));
      out["comment_found"] = false;
      return out;
    }
    const bool owner_alive = report::documentation_owner_alive(claim.owner);
    if (claim.state == "posting" && owner_alive) {
      return documentation(case_id, "failed",
                           fmt::format("another request (hunt {}) is posting this report on case {} right now; "
                                       "not posted twice (retry to see its outcome)",
                                       claim.hunt_id, case_id));
    }
    const auto age = std::chrono::milliseconds(std::max<std::int64_t>(0, unix_ms_now() - claim.attempted_at_ms));
    if (age < policy.unanswered_settle) {
      const std::string what = claim.state == "unknown"
                                   ? "got no answer (deadline or lost connection)"
                                   : "was cut short when its lateral-hunt process stopped";
      return documentation(
          case_id, "failed",
          fmt::format("an earlier post of this report on case {} at {} {}, and the case's comments do not show it yet; "
                      "not posting again while it may still arrive (a retry checks the comments again; after {} more "
                      "without the comment it posts)",
                      case_id, claim.claimed_at, what, seconds_text(policy.unanswered_settle - age)));
    }
    try {
      if (!store->take_over_documentation(case_id, fingerprint, claim, hunt_id, owner)) {
        return documentation(case_id, "failed",
                             fmt::format("another request took over posting this report on case {} just now; "
                                         "not posted twice (retry to see its outcome)",
                                         case_id));
      }
      ours = true;
    } catch (const std::exception& error) {
      return documentation(case_id, "failed", fmt::format("the report store could not record the post: {}", error.what()));
    }
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
    if (certainly_not_written(error)) {
      release();
      return documentation(case_id, "failed", fmt::format("posting on case {} failed: {}", case_id, error.what()));
    }
    mark("unknown");
    return documentation(case_id, "failed",
                         fmt::format("posting on case {} got no answer, so the comment may or may not exist: {} "
                                     "(a retry reads the case's comments first and never posts it twice)",
                                     case_id, error.what()));
  }
  mark("posted");
  auto out = documentation(case_id, "posted");
  out["comment_found"] = false;
  return out;
}

}  // namespace detail

nlohmann::json document_hunt(gateway::Gateway& gateway, report::ReportStore* store, const nlohmann::json& report,
                             const std::string& case_id, std::stop_token cancel) {
  detail::CallCounter counter;
  return detail::document_report(gateway, store, report, case_id, counter, cancel);
}

}  // namespace lh::skill::workflow
