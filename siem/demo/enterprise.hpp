#pragma once
// The simulated organisation: a domain, its hosts (workstations, servers, a domain controller and two named
// administration hosts) and its users. Everything derives from the seed and the scale.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "siem/demo/clock.hpp"

namespace lh::siem::demo {

enum class Role { Workstation, FileServer, DatabaseServer, AppServer, WebServer, DomainController, AdminJump, Deployment };

bool is_server(Role role);

// The identity a process runs as, in the forms the events need.
struct Account {
  std::string sysmon_user;  // "ACME\\jdoe" or "NT AUTHORITY\\SYSTEM" (Sysmon User)
  std::string name;         // "jdoe" or "WKS-017$" (Security Subject/TargetUserName)
  std::string domain;       // "ACME"
  std::string sid;          // "S-1-5-21-...-1104" or "S-1-5-18"
};

struct Process {
  std::string image;         // full path
  std::string command_line;
  std::string current_directory = "C:\\Windows\\system32\\";
  std::uint32_t pid = 0;
  std::string guid;          // "{prefix-xxxx-xxxx-xxxx-000000000700}"
  Account account;
  std::uint64_t logon_id = 0x3e7;
  std::string integrity = "System";  // System / High / Medium
  int session = 0;
};

struct Host {
  std::string name;  // "WKS-017"
  std::string fqdn;  // "WKS-017.acme.local"
  std::string ip;
  Role role = Role::Workstation;
  std::uint32_t guid_prefix = 0;
  Millis skew = 0;  // this host's clock error, applied to every event it logs
  std::uint64_t logon_base = 0;
  int primary_user = -1;  // index into Enterprise::users for a workstation's everyday user
  Millis boot = 0;
  // Long-running processes every event of this host can refer to.
  Process system, services, lsass, rpcss, dcom_launch, schedule, winmgmt, wmiprvse;
  Account system_account, network_service, local_service;
};

struct User {
  std::string sam;  // "jmiller"
  std::string rid_sid;
  bool admin = false;
};

struct Enterprise {
  std::string domain_fqdn = "acme.local";
  std::string domain_upper = "ACME.LOCAL";
  std::string netbios = "ACME";
  std::string domain_sid;
  std::vector<Host> hosts;
  std::vector<User> users;
  std::unordered_map<std::string, std::size_t> host_index;
  std::unordered_map<std::string, std::size_t> user_index;
  std::size_t workstation_count = 0;

  const Host& host(std::string_view name) const;
  const User& user(std::string_view sam) const;
  Account account_of(const User& u) const;
  std::vector<const Host*> servers() const;
};

Enterprise build_enterprise(std::uint64_t seed, int scale, Millis start);

// Named hosts and accounts the scenarios rely on; they exist at every scale.
namespace names {
inline constexpr std::string_view kDc = "DC01";
inline constexpr std::string_view kFileServer = "FILESRV01";
inline constexpr std::string_view kDbServer = "DB01";
inline constexpr std::string_view kAppServer = "APPSRV01";
inline constexpr std::string_view kWebServer = "WEB01";
inline constexpr std::string_view kAdminJump = "ADMIN-JUMP01";
inline constexpr std::string_view kDeployment = "DEPLOY01";
inline constexpr std::string_view kPhishedWorkstation = "WKS-017";
inline constexpr std::string_view kHelpdesk = "it.helpdesk";
inline constexpr std::string_view kSqlService = "svc_sql";
inline constexpr std::string_view kDomainAdmin = "adm.jdoe";
inline constexpr std::string_view kBackupAdmin = "adm.backup";
inline constexpr std::string_view kAdminA = "adm.rthompson";
inline constexpr std::string_view kAdminB = "adm.kpatel";
inline constexpr std::string_view kDeployAccount = "svc_deploy";
}  // namespace names

// Process GUIDs and logon ids are derived from time plus a small tag so that independently generated
// activity never collides: background uses tag 0, planned scenarios tags 1-3.
std::string process_guid(const Host& host, Millis t, std::uint32_t tag);
std::uint64_t logon_id(const Host& host, Millis t, std::uint32_t tag);
std::string logon_guid(std::uint64_t salt);

}  // namespace lh::siem::demo
