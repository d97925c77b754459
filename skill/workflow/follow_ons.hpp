// The seed's "if lateral movement confirmed" actions, named with what each should look at:
//   case_event_timeline_and_process_analysis  the processes started through the movement,
//   compromised_user_account_response         the accounts that carried it,
//   escalate_to_incident_response             when movement is confirmed at high severity or above.
#pragma once

#include <nlohmann/json.hpp>

#include "skill/correlation/correlator.hpp"

namespace lh::skill::workflow::detail {

nlohmann::json follow_ons(const correlation::CorrelationResult& result);

}  // namespace lh::skill::workflow::detail
