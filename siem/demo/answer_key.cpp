#include "siem/demo/answer_key.hpp"

namespace lh::siem::demo {
namespace {

nlohmann::ordered_json process_json(const ProcessRef& p) {
  return {{"image", p.image},
          {"command_line", p.command_line},
          {"process_guid", p.process_guid},
          {"parent_image", p.parent_image},
          {"logon_id", p.logon_id}};
}

}  // namespace

nlohmann::ordered_json to_json(const Hop& h) {
  nlohmann::ordered_json j;
  j["order"] = h.order;
  j["technique"] = h.technique;
  j["attack_id"] = h.attack_id;
  j["source_host"] = h.source_host;
  j["source_ip"] = h.source_ip;
  j["target_host"] = h.target_host;
  j["target_ip"] = h.target_ip;
  j["account"] = h.account;
  j["explicit_credentials"] = h.explicit_credentials;
  j["timestamps"] = {{"source_command", iso_time(h.source_command_time)},
                     {"target_logon", iso_time(h.target_logon_time)},
                     {"execution", iso_time(h.execution_time)}};
  j["target_logon_id"] = h.target_logon_id;
  j["logon_ip_address"] = h.logon_ip_address;
  j["source_port"] = h.source_port;
  j["destination_port"] = h.destination_port;
  j["source_process"] = process_json(h.source_process);
  j["execution"] = process_json(h.execution);
  if (!h.service_name.empty()) j["service_name"] = h.service_name;
  if (!h.task_name.empty()) j["task_name"] = h.task_name;
  if (!h.file_path.empty()) j["file_path"] = h.file_path;
  if (!h.pipes.empty()) j["pipes"] = h.pipes;
  j["commands"] = h.commands;
  return j;
}

nlohmann::ordered_json to_json(const AnswerKey& k) {
  nlohmann::ordered_json j;
  j["generator"] = "lh-demo-gen";
  j["seed"] = k.seed;
  j["scale"] = k.scale;
  j["start"] = iso_time(k.start);
  j["days"] = k.days;
  j["domain"] = k.domain;
  j["admin_hosts"] = k.admin_hosts;
  j["chains"] = nlohmann::ordered_json::array();
  for (const auto& c : k.chains) {
    nlohmann::ordered_json cj;
    cj["id"] = c.id;
    cj["description"] = c.description;
    cj["hops"] = nlohmann::ordered_json::array();
    for (const auto& h : c.hops) cj["hops"].push_back(to_json(h));
    j["chains"].push_back(std::move(cj));
  }
  j["local_executions"] = nlohmann::ordered_json::array();
  for (const auto& h : k.local_executions) j["local_executions"].push_back(to_json(h));
  j["benign_remote_executions"] = nlohmann::ordered_json::array();
  for (const auto& h : k.benign_remote_executions) j["benign_remote_executions"].push_back(to_json(h));
  j["hosts"] = k.hosts;
  return j;
}

}  // namespace lh::siem::demo
