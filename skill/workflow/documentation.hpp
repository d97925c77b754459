// Posting a hunt report on a case, once.
#pragma once

#include <stop_token>
#include <string>

#include <nlohmann/json.hpp>

#include "skill/gateway/gateway.hpp"
#include "skill/report/report_store.hpp"
#include "skill/workflow/step_record.hpp"

namespace lh::skill::workflow::detail {

// document_hunt, counting its upstream calls into `counter`.
nlohmann::json document_report(gateway::Gateway& gateway, report::ReportStore* store, const nlohmann::json& report,
                               const std::string& case_id, CallCounter& counter, const std::stop_token& cancel);

}  // namespace lh::skill::workflow::detail
