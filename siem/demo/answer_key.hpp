#pragma once
// What the generator wove into the data: attack chains hop by hop, local (non-lateral) executions and the
// legitimate remote administration, with the exact identifiers the events carry.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "siem/demo/clock.hpp"

namespace lh::siem::demo {

struct ProcessRef {
  std::string image;
  std::string command_line;
  std::string process_guid;
  std::string parent_image;
  std::string logon_id;  // "0x3e7" for SYSTEM
};

struct Hop {
  int order = 0;
  std::string technique;  // psexec, wmi, winrm, scheduled_task, tool_transfer, dcom_mmc20, service_push
  std::string attack_id;  // T1569.002, T1047, T1021.006, T1053.005, T1570, T1021.003
  std::string source_host, source_ip, target_host, target_ip;
  std::string account;  // "ACME\\it.helpdesk": the identity that logged on to the target
  bool explicit_credentials = false;  // the source logged a 4648 for this hop
  // Times as the recording host logged them (Sysmon UtcTime / Security TimeCreated), ISO-8601 UTC.
  Millis source_command_time = 0, target_logon_time = 0, execution_time = 0;
  std::string target_logon_id;       // 4624 TargetLogonId that carries this hop
  std::string logon_ip_address;      // 4624 IpAddress ("-" for WinRM Kerberos)
  std::uint32_t source_port = 0;     // = 4624 IpPort (when present) = inbound Sysmon 3 SourcePort
  std::uint32_t destination_port = 0;
  ProcessRef source_process;         // the client command on the source host
  ProcessRef execution;              // the execution anchor on the target
  std::string service_name, task_name, file_path;
  std::vector<std::string> pipes;
  std::vector<std::string> commands;  // command lines run on the target during this hop
};

struct Chain {
  std::string id;
  std::string description;
  std::vector<Hop> hops;
};

struct AnswerKey {
  std::uint64_t seed = 0;
  int scale = 1;
  Millis start = 0;
  int days = 1;
  std::string domain;
  std::vector<std::string> admin_hosts;
  std::vector<Chain> chains;
  std::vector<Hop> local_executions;          // source == target: must not be reported as lateral
  std::vector<Hop> benign_remote_executions;  // administration from the named admin hosts
  nlohmann::ordered_json hosts = nlohmann::ordered_json::array();
};

nlohmann::ordered_json to_json(const Hop& hop);
nlohmann::ordered_json to_json(const AnswerKey& key);

}  // namespace lh::siem::demo
