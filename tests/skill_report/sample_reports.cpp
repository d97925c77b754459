#include "sample_reports.hpp"

#include "lh_skill_report_tests_schemas.hpp"
#include "schemas/validator.hpp"

namespace lh::skill::report::test {

using nlohmann::json;

json minimal_report() {
  return R"json({
    "hunt_id": "hunt-min",
    "status": "complete",
    "started_at": "2024-03-05T10:00:00.000Z",
    "finished_at": "2024-03-05T10:00:01.000Z",
    "scope": {"time_frame": {}, "technique_ids": []},
    "techniques": [],
    "queries": [],
    "negative_results": [],
    "findings": [],
    "movement_graph": {"nodes": [], "edges": []},
    "paths": [],
    "fan_out": [],
    "timeline": [],
    "enrichment": {"entities": []},
    "related_cases": [],
    "follow_ons": [],
    "steps": [],
    "upstream_calls": 0,
    "summary": ""
  })json"_json;
}

json full_report() {
  return R"json({
    "hunt_id": "hunt-20240305-1",
    "status": "complete",
    "started_at": "2024-03-05T12:00:00.000Z",
    "finished_at": "2024-03-05T12:00:04.250Z",
    "duration_ms": 4250,
    "hypothesis": "An intruder on WKS07 moves to the file server with PsExec",
    "hunt_case_id": "CASE-17",
    "scope": {
      "target_scope_query": "principal.hostname = \"FILESRV01\" OR target.hostname = \"FILESRV01\"",
      "time_frame": {"hours_back": 72, "start_time": "2024-03-02T12:00:00.000Z", "end_time": "2024-03-05T12:00:00.000Z"},
      "technique_ids": ["psexec", "wmi"],
      "admin_hosts": ["ADMIN-JUMP01"]
    },
    "upstreams": [
      {"name": "secops-local", "transport": "stdio", "roles": ["siem", "cases"], "connected": true,
       "server_info": "secops-local 0.1.0"}
    ],
    "techniques": [
      {"id": "psexec", "name": "PsExec service execution", "attack_ids": ["T1021.002", "T1569.002"], "hits": 3,
       "findings": 2,
       "research": {"status": "ok", "question": "MITRE T1021.002 SMB Admin Shares",
                    "answer": "Adversaries may use Valid Accounts to interact with a remote network share using SMB.",
                    "source": "secops-local/get_threat_intel"}},
      {"id": "wmi", "name": "WMI remote process", "attack_ids": ["T1047"], "hits": 0, "findings": 0,
       "research": {"status": "failed", "error": "get_threat_intel: no intel server configured"}}
    ],
    "queries": [
      {"id": "q1", "purpose": "hunt", "technique_id": "psexec", "title": "PSEXESVC service installed",
       "udm": "metadata.product_event_type = \"7045\" AND target.process.file.full_path = /psexesvc/ nocase",
       "side": "target", "hits": 3, "more_data_available": false, "status": "ok", "duration_ms": 120},
      {"id": "q2", "purpose": "hunt", "technique_id": "wmi", "title": "WmiPrvSE spawning a shell",
       "udm": "metadata.event_type = \"PROCESS_LAUNCH\" AND principal.process.file.full_path = /wmiprvse\\.exe$/ nocase",
       "side": "target", "hits": 0, "status": "ok", "duration_ms": 95},
      {"id": "ctx1.logons.FILESRV01.0x5ea84f0f", "purpose": "correlation", "title": "Network logons on FILESRV01",
       "udm": "metadata.event_type = \"USER_LOGIN\" AND target.hostname = \"FILESRV01\"", "hits": 1000,
       "more_data_available": true, "status": "ok"}
    ],
    "negative_results": [
      {"query_id": "q2", "technique_id": "wmi", "title": "WmiPrvSE spawning a shell",
       "udm": "metadata.event_type = \"PROCESS_LAUNCH\" AND principal.process.file.full_path = /wmiprvse\\.exe$/ nocase"}
    ],
    "findings": [
      {"id": "F1", "kind": "lateral_movement", "technique_id": "psexec", "technique_name": "PsExec service execution",
       "attack_ids": ["T1021.002", "T1569.002"], "severity": "low", "confidence": "high",
       "source": {"host": "ADMIN-JUMP01", "ip": "10.0.0.5", "resolved_by": "workstation_name"},
       "target": {"host": "WKS07", "ip": "10.0.1.7"},
       "account": "ACME\\svc_deploy", "logon_id": "0x1a2b", "logon_type": 3, "auth_package": "NTLM",
       "source_class": "admin_host",
       "first_seen": "2024-03-05T09:10:00.000Z", "last_seen": "2024-03-05T09:10:05.000Z",
       "reasons": ["PSEXESVC installed on WKS07", "source ADMIN-JUMP01 is a configured admin host"],
       "evidence": [
         {"event": "events/1", "timestamp": "2024-03-05T09:10:00.000Z", "host": "WKS07", "event_type": "SERVICE_CREATION",
          "product_event_type": "7045", "summary": "Service PSEXESVC installed", "query_id": "q1", "role": "anchor"}
       ],
       "query_ids": ["q1"]},
      {"id": "F2", "kind": "lateral_movement", "technique_id": "psexec", "technique_name": "PsExec service execution",
       "attack_ids": ["T1021.002", "T1569.002"], "severity": "high", "confidence": "high",
       "source": {"host": "WKS07", "ip": "10.0.1.7", "resolved_by": "reporting_host"},
       "target": {"host": "FILESRV01", "ip": "10.0.2.10"},
       "account": "ACME\\bob", "logon_id": "0x5ea84f0f", "logon_type": 3, "auth_package": "NTLM",
       "source_class": "unexpected",
       "first_seen": "2024-03-05T10:58:14.708Z", "last_seen": "2024-03-05T10:59:01.000Z",
       "commands": [
         {"command_line": "powershell.exe -enc SQBFAFgA", "timestamp": "2024-03-05T10:58:20.000Z", "score": 85,
          "patterns": ["encoded_command"], "attack_ids": ["T1059.001"], "decoded": "IEX (New-Object Net.WebClient)"}
       ],
       "reasons": ["PSEXESVC installed on FILESRV01 in the logon session of a network logon from WKS07",
                   "WKS07 is a workstation, not an admin host"],
       "evidence": [
         {"event": "events/2", "timestamp": "2024-03-05T10:58:14.708Z", "host": "FILESRV01", "event_type": "USER_LOGIN",
          "product_event_type": "4624", "summary": "Network logon of ACME\\bob from 10.0.1.7", "query_id": "ctx1.logons.FILESRV01.0x5ea84f0f",
          "role": "logon"},
         {"timestamp": "2024-03-05T10:58:15.000Z", "host": "FILESRV01", "event_type": "SERVICE_CREATION",
          "product_event_type": "7045", "summary": "Service PSEXESVC installed", "query_id": "q1", "role": "anchor"}
       ],
       "query_ids": ["q1", "ctx1.logons.FILESRV01.0x5ea84f0f"]},
      {"id": "F3", "kind": "local_execution", "technique_id": "psexec", "attack_ids": ["T1569.002"], "severity": "info",
       "confidence": "medium", "source": {"host": "FILESRV01", "resolved_by": "same_host"}, "target": {"host": "FILESRV01"},
       "first_seen": "2024-03-05T11:30:00.000Z", "last_seen": "2024-03-05T11:30:00.000Z",
       "reasons": ["the source is the target itself"],
       "evidence": [{"timestamp": "2024-03-05T11:30:00.000Z", "host": "FILESRV01", "event_type": "SERVICE_CREATION",
                     "summary": "Service PSEXESVC installed (loopback)"}]}
    ],
    "movement_graph": {
      "nodes": [{"host": "ADMIN-JUMP01", "ips": ["10.0.0.5"], "admin_host": true},
                {"host": "WKS07", "ips": ["10.0.1.7"]},
                {"host": "FILESRV01", "ips": ["10.0.2.10"]}],
      "edges": [
        {"from": "ADMIN-JUMP01", "to": "WKS07", "technique_ids": ["psexec"], "finding_ids": ["F1"],
         "accounts": ["ACME\\svc_deploy"], "first_seen": "2024-03-05T09:10:00.000Z", "severity": "low"},
        {"from": "WKS07", "to": "FILESRV01", "technique_ids": ["psexec"], "finding_ids": ["F2"],
         "accounts": ["ACME\\bob"], "first_seen": "2024-03-05T10:58:14.708Z", "severity": "high"}
      ]
    },
    "paths": [
      {"hosts": ["ADMIN-JUMP01", "WKS07", "FILESRV01"], "finding_ids": ["F1", "F2"], "technique_ids": ["psexec"],
       "first_seen": "2024-03-05T09:10:00.000Z", "last_seen": "2024-03-05T10:59:01.000Z"}
    ],
    "fan_out": [
      {"source": "WKS07", "targets": ["FILESRV01", "DC01", "SQL02"], "window_minutes": 30,
       "first_seen": "2024-03-05T10:58:14.708Z", "last_seen": "2024-03-05T11:20:00.000Z", "finding_ids": ["F2"],
       "severity": "high"}
    ],
    "timeline": [
      {"timestamp": "2024-03-05T09:10:00.000Z", "host": "WKS07", "summary": "Service PSEXESVC installed", "finding_id": "F1"},
      {"timestamp": "2024-03-05T10:58:14.708Z", "host": "FILESRV01", "summary": "Network logon of ACME\\bob", "finding_id": "F2"}
    ],
    "enrichment": {
      "status": "ok",
      "entities": [
        {"value": "WKS07", "type": "host", "status": "found", "source": "secops-local/lookup_entity",
         "summary": "first seen 2023-01-01, 12 alerts"},
        {"value": "bob", "type": "user", "status": "found", "source": "secops-local/lookup_entity",
         "summary": "Bob, finance"},
        {"value": "10.0.1.7", "type": "ip", "status": "not_found", "source": "secops-local/lookup_entity",
         "ioc_match": "known C2 relay"}
      ]
    },
    "related_cases": [
      {"case_id": "CASE-9", "title": "Phishing on WKS07", "status": "OPENED", "priority": "PRIORITY_HIGH",
       "matched_entities": ["WKS07"]}
    ],
    "follow_ons": [
      {"action": "case_event_timeline_and_process_analysis", "reason": "PowerShell ran on FILESRV01", "targets": ["FILESRV01"]},
      {"action": "compromised_user_account_response", "reason": "ACME\\bob carried the movement", "targets": ["ACME\\bob"]}
    ],
    "documentation": {"case_id": "CASE-17", "status": "posted"},
    "steps": [
      {"name": "validate", "status": "ok", "duration_ms": 1},
      {"name": "research", "status": "partial", "duration_ms": 300, "calls": 3, "error": "wmi: no intel server configured"},
      {"name": "hunt_queries", "status": "ok", "duration_ms": 400, "calls": 2},
      {"name": "correlation", "status": "ok", "duration_ms": 900, "calls": 1},
      {"name": "enrichment", "status": "ok", "duration_ms": 200, "calls": 3},
      {"name": "related_cases", "status": "ok", "duration_ms": 100, "calls": 1},
      {"name": "document", "status": "ok", "duration_ms": 50, "calls": 1}
    ],
    "upstream_calls": 11,
    "summary": "2 techniques hunted over 72 h: 3 findings, one path ADMIN-JUMP01 → WKS07 → FILESRV01."
  })json"_json;
}

json incomplete_report() {
  json report = full_report();
  report["status"] = "incomplete";
  report["queries"][1]["status"] = "failed";
  report["queries"][1]["error"] = "secops-local: search_udm timed out after 30 s";
  report["steps"][4]["status"] = "failed";
  report["steps"][4]["error"] = "lookup_entity: upstream secops-local closed its stdout";
  report["enrichment"] = {{"status", "failed"}, {"entities", json::array()}};
  return report;
}

json hostile_report() {
  json report = full_report();
  const std::string evil_host = "A\"];B-->C[x";
  report["hypothesis"] = "# not a heading <script>alert(1)</script>";
  report["summary"] = "- not a list\n# nor a heading | nor a cell";
  auto& f2 = report["findings"][1];
  f2["source"]["host"] = evil_host;
  f2["account"] = "ACME\\eve|`rm`<b>";
  f2["commands"][0]["command_line"] = "cmd /c echo a|b\n```\n# injected heading\n<script>x</script>";
  f2["commands"][0]["decoded"] = "````\nWrite-Host '| x |'";
  f2["evidence"][0]["summary"] = "line one\nline two | cell <img src=x onerror=alert(1)> `tick` [link](http://x)";
  report["movement_graph"]["nodes"][1]["host"] = evil_host;
  report["movement_graph"]["edges"][0]["to"] = evil_host;
  report["movement_graph"]["edges"][1]["from"] = evil_host;
  // Two names that sanitise to the same id.
  report["movement_graph"]["nodes"].push_back({{"host", "WKS-01"}});
  report["movement_graph"]["nodes"].push_back({{"host", "WKS_01"}});
  report["movement_graph"]["edges"].push_back({{"from", "WKS-01"}, {"to", "WKS_01"}, {"technique_ids", {"wmi;#x"}},
                                               {"finding_ids", json::array()}, {"first_seen", "2024-03-05T11:00:00.000Z"},
                                               {"severity", "critical"}});
  report["paths"][0]["hosts"][1] = evil_host;
  report["timeline"][0]["summary"] = "<script>alert('t')</script>\n| x |";
  return report;
}

std::vector<std::string> schema_violations(const json& report) {
  static const lh::schemas::Validator validator(lh::skill::report::test_schemas::schema("hunt_report"));
  std::vector<std::string> out;
  for (const auto& error : validator.validate(report, "report")) out.push_back(error.to_string());
  return out;
}

}  // namespace lh::skill::report::test
