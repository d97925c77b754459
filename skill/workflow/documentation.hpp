// Posting a hunt report on a case, once.
#pragma once

#include <chrono>
#include <stop_token>
#include <string>

#include <nlohmann/json.hpp>

#include "skill/gateway/gateway.hpp"
#include "skill/report/report_store.hpp"
#include "skill/workflow/step_record.hpp"

namespace lh::skill::workflow::detail {

// How long a post is trusted to be still on its way.
struct DocumentationPolicy {
  // A post that got no answer may still be written by the upstream: until this long after it, a retry
  // that does not find the comment on the case refuses to post again.
  std::chrono::milliseconds unanswered_settle{std::chrono::minutes(10)};
  // A request that finds another live request posting the same report waits this long for its outcome.
  std::chrono::milliseconds wait_for_other_poster{std::chrono::seconds(90)};
  std::chrono::milliseconds poll_interval{100};
};

// document_hunt, counting its upstream calls into `counter`. The result's "comment_found" says whether
// the case's comments already held this hunt's comment.
nlohmann::json document_report(gateway::Gateway& gateway, report::ReportStore* store, const nlohmann::json& report,
                               const std::string& case_id, CallCounter& counter, const std::stop_token& cancel,
                               const DocumentationPolicy& policy = {});

}  // namespace lh::skill::workflow::detail
