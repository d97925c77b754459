#include "siem/normalise_rules.hpp"

namespace lh::siem {
namespace {

using C = Conversion;
using ET = udm::EventType;

// Fields Sysmon reports for the process that did something (network, file, registry, pipe events).
std::vector<FieldRule> sysmon_actor() {
  return {{"Image", "principal.process.file.full_path", C::text},
          {"ProcessId", "principal.process.pid", C::pid},
          {"ProcessGuid", "principal.process.product_specific_process_id", C::text},
          {"User", "principal.user.userid", C::text}};
}

std::vector<FieldRule> with(std::vector<FieldRule> base, std::vector<FieldRule> more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

std::vector<FieldRule> logon_fields() {
  return {{"TargetUserName", "target.user.userid", C::text},
          {"TargetDomainName", "target.administrative_domain", C::text},
          {"TargetUserSid", "target.user.windows_sid", C::text},
          {"TargetLogonId", "target.labels", C::label},
          {"SubjectUserName", "principal.user.userid", C::text},
          {"SubjectLogonId", "principal.labels", C::label},
          {"IpAddress", "principal.ip", C::ip},
          {"IpAddress", "src.ip", C::ip},
          {"IpPort", "principal.port", C::integer},
          {"IpPort", "src.port", C::integer},
          {"WorkstationName", "src.hostname", C::text},
          {"ProcessName", "principal.process.file.full_path", C::text},
          {"LogonType", "extensions.auth.mechanism", C::logon_type}};
}

std::vector<FieldRule> subject_fields() {
  return {{"SubjectUserName", "principal.user.userid", C::text},
          {"SubjectDomainName", "principal.administrative_domain", C::text},
          {"SubjectUserSid", "principal.user.windows_sid", C::text},
          {"SubjectLogonId", "principal.labels", C::label}};
}

EventRule rule(LogSource source, std::int64_t event_id, udm::EventType type, std::vector<FieldRule> fields,
               Special special = Special::none, std::string product_name = {}) {
  return EventRule{source, event_id, type, std::move(fields), special, std::move(product_name)};
}

std::vector<EventRule> build_rules() {
  std::vector<EventRule> rules;
  // ---- Sysmon
  rules.push_back(rule(LogSource::sysmon, 1, ET::PROCESS_LAUNCH,
                   {{"Image", "target.process.file.full_path", C::text},
                    {"CommandLine", "target.process.command_line", C::text},
                    {"ProcessId", "target.process.pid", C::pid},
                    {"ProcessGuid", "target.process.product_specific_process_id", C::text},
                    {"Hashes", "target.process.file", C::hashes},
                    {"ParentImage", "principal.process.file.full_path", C::text},
                    {"ParentCommandLine", "principal.process.command_line", C::text},
                    {"ParentProcessId", "principal.process.pid", C::pid},
                    {"ParentProcessGuid", "principal.process.product_specific_process_id", C::text},
                    {"User", "principal.user.userid", C::text},
                    {"LogonId", "principal.labels", C::label},
                    {"OriginalFileName", "src.process.file.full_path", C::text}}));
  rules.push_back(rule(LogSource::sysmon, 3, ET::NETWORK_CONNECTION,
                   with(sysmon_actor(), {{"SourceIp", "principal.ip", C::ip},
                                         {"SourcePort", "principal.port", C::integer},
                                         {"DestinationIp", "target.ip", C::ip},
                                         {"DestinationPort", "target.port", C::integer},
                                         {"DestinationHostname", "target.hostname", C::text},
                                         {"Protocol", "network.ip_protocol", C::ip_protocol},
                                         {"Initiated", "network.direction", C::direction}})));
  rules.push_back(rule(LogSource::sysmon, 11, ET::FILE_CREATION,
                   with(sysmon_actor(), {{"TargetFilename", "target.file.full_path", C::text}})));
  const std::vector<FieldRule> registry = {{"TargetObject", "target.registry.registry_key", C::text},
                                           {"Details", "target.registry.registry_value_data", C::text}};
  rules.push_back(rule(LogSource::sysmon, 12, ET::REGISTRY_CREATION, with(sysmon_actor(), registry)));
  rules.push_back(rule(LogSource::sysmon, 13, ET::REGISTRY_MODIFICATION, with(sysmon_actor(), registry)));
  const std::vector<FieldRule> pipe = {{"PipeName", "target.resource.name", C::text}};
  rules.push_back(rule(LogSource::sysmon, 17, ET::PROCESS_UNCATEGORIZED, with(sysmon_actor(), pipe)));
  rules.push_back(rule(LogSource::sysmon, 18, ET::PROCESS_UNCATEGORIZED, with(sysmon_actor(), pipe)));

  // ---- Security
  rules.push_back(rule(LogSource::security, 4624, ET::USER_LOGIN, logon_fields(), Special::logon_allow));
  rules.push_back(rule(LogSource::security, 4625, ET::USER_LOGIN, logon_fields(), Special::logon_block));
  rules.push_back(rule(LogSource::security, 4648, ET::USER_LOGIN,
                   with(subject_fields(), {{"TargetUserName", "target.user.userid", C::text},
                                           {"TargetDomainName", "target.administrative_domain", C::text},
                                           {"TargetServerName", "target.hostname", C::text},
                                           {"TargetInfo", "target.resource.name", C::text},
                                           {"IpAddress", "target.ip", C::ip},
                                           {"IpPort", "target.port", C::integer},
                                           {"ProcessName", "principal.process.file.full_path", C::text},
                                           {"ProcessId", "principal.process.pid", C::pid}}),
                   Special::logon_allow));
  rules.push_back(rule(LogSource::security, 4688, ET::PROCESS_LAUNCH,
                   with(subject_fields(), {{"NewProcessName", "target.process.file.full_path", C::text},
                                           {"CommandLine", "target.process.command_line", C::text},
                                           {"NewProcessId", "target.process.pid", C::pid},
                                           {"ParentProcessName", "principal.process.file.full_path", C::text},
                                           {"ProcessId", "principal.process.pid", C::pid},
                                           {"TargetUserName", "target.user.userid", C::text},
                                           {"TargetLogonId", "target.labels", C::label}})));
  rules.push_back(rule(LogSource::security, 4697, ET::SERVICE_CREATION,
                   with(subject_fields(), {{"ServiceName", "target.application", C::text},
                                           {"ServiceFileName", "target.process.file.full_path", C::text},
                                           {"ServiceFileName", "target.process.command_line", C::text}})));
  const std::vector<FieldRule> task = {{"TaskName", "target.resource.name", C::text}};
  rules.push_back(rule(LogSource::security, 4698, ET::SCHEDULED_TASK_CREATION, with(subject_fields(), task)));
  rules.push_back(rule(LogSource::security, 4699, ET::SCHEDULED_TASK_DELETION, with(subject_fields(), task)));
  rules.push_back(rule(LogSource::security, 4700, ET::SCHEDULED_TASK_ENABLE, with(subject_fields(), task)));
  rules.push_back(rule(LogSource::security, 4701, ET::SCHEDULED_TASK_DISABLE, with(subject_fields(), task)));
  rules.push_back(rule(LogSource::security, 4702, ET::SCHEDULED_TASK_MODIFICATION, with(subject_fields(), task)));
  const std::vector<FieldRule> share = {{"ShareName", "target.resource.name", C::text},
                                        {"IpAddress", "principal.ip", C::ip},
                                        {"IpPort", "principal.port", C::integer}};
  rules.push_back(rule(LogSource::security, 5140, ET::USER_RESOURCE_ACCESS, with(subject_fields(), share)));
  rules.push_back(rule(LogSource::security, 5145, ET::FILE_OPEN,
                   with(subject_fields(), with(share, {{"RelativeTargetName", "target.file.full_path", C::text}}))));

  // ---- System: service control manager
  rules.push_back(rule(LogSource::system, 7045, ET::SERVICE_CREATION,
                   {{"ServiceName", "target.application", C::text},
                    {"ImagePath", "target.process.file.full_path", C::text},
                    {"ImagePath", "target.process.command_line", C::text},
                    {"AccountName", "principal.user.userid", C::text}},
                   Special::none,
                   "Service Control Manager"));

  // ---- WinRM operational (data names from the Microsoft-Windows-WinRM manifest)
  rules.push_back(rule(LogSource::winrm, 6, ET::NETWORK_CONNECTION, {{"connection", "target.hostname", C::text}}));
  rules.push_back(rule(LogSource::winrm, 91, ET::USER_RESOURCE_ACCESS, {{"resourceUri", "target.resource.name", C::text}}));
  rules.push_back(rule(LogSource::winrm, 169, ET::USER_LOGIN,
                   {{"username", "principal.user.userid", C::text}}, Special::logon_allow));
  rules.push_back(rule(LogSource::winrm, 142, ET::STATUS_UPDATE, {{"operationName", "target.resource.name", C::text}}));

  // ---- PowerShell operational
  rules.push_back(rule(LogSource::powershell, 4103, ET::PROCESS_UNCATEGORIZED,
                   {{"Payload", "target.process.command_line", C::text},
                    {"AccountName", "principal.user.userid", C::text}}));
  rules.push_back(rule(LogSource::powershell, 4104, ET::PROCESS_UNCATEGORIZED,
                   {{"ScriptBlockText", "target.process.command_line", C::text},
                    {"Path", "target.file.full_path", C::text},
                    {"ScriptBlockId", "target.resource.name", C::text}}));
  return rules;
}

}  // namespace

const std::vector<EventRule>& windows_event_rules() {
  static const std::vector<EventRule> rules = build_rules();
  return rules;
}

}  // namespace lh::siem
