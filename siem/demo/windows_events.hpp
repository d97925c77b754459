#pragma once
// One function per Windows event the demo data contains, each writing the exact flat field layout of the
// recorded OTRF events (2020-10/12 shipper): header keys, then the EventData fields in Windows XML order.
// Times passed in are true UTC; the host's clock skew is applied here.
#include <cstdint>
#include <string>
#include <string_view>

#include "siem/demo/enterprise.hpp"
#include "siem/demo/event_sink.hpp"

namespace lh::siem::demo::win {

// Sysmon 1 followed by the matching Security 4688 one millisecond later.
void process_create(EventSink& sink, const Host& host, Millis t, const Process& child, const Process& parent);

struct Connection {
  std::string source_ip;
  std::uint32_t source_port = 0;
  std::string destination_ip;
  std::uint32_t destination_port = 0;
  bool initiated = true;
  std::string protocol = "tcp";
};
void network_connection(EventSink& sink, const Host& host, Millis t, const Process& process, const Connection& c);
void file_create(EventSink& sink, const Host& host, Millis t, const Process& process, std::string_view path);
void registry_create_key(EventSink& sink, const Host& host, Millis t, const Process& process, std::string_view key);
void registry_set_value(EventSink& sink, const Host& host, Millis t, const Process& process, std::string_view key,
                        std::string_view details);
void pipe_created(EventSink& sink, const Host& host, Millis t, const Process& process, std::string_view pipe);
void pipe_connected(EventSink& sink, const Host& host, Millis t, const Process& process, std::string_view pipe);

struct Logon {
  int type = 3;
  Account target;
  std::uint64_t target_logon_id = 0;
  std::string package = "Kerberos";  // Kerberos, NTLM or Negotiate
  std::string workstation = "-";
  std::string ip = "-";
  std::string port = "-";
  bool elevated = true;
  // The subject that requested the logon (SYSTEM for interactive and service logons, nobody for network).
  bool subject_is_system = false;
  std::uint32_t process_id = 0;
  std::string process_name = "-";
};
void logon(EventSink& sink, const Host& host, Millis t, const Logon& l);                 // 4624
void logon_failed(EventSink& sink, const Host& host, Millis t, const Logon& l);          // 4625 (bad password)
void special_privileges(EventSink& sink, const Host& host, Millis t, const Account& who, std::uint64_t logon_id);
void logoff(EventSink& sink, const Host& host, Millis t, const Account& who, std::uint64_t logon_id, int type);

struct ExplicitCredentials {
  const Process* process = nullptr;  // the client process that used the credentials
  Account target;
  std::string target_server;  // "FILESRV01"
  std::string target_info;    // "FILESRV01", "RPCSS/DB01", "HTTP/DC01.acme.local"
  std::string ip = "-";
  std::string port = "-";
};
void explicit_credentials(EventSink& sink, const Host& host, Millis t, const ExplicitCredentials& e);  // 4648

struct ServiceInstall {
  std::string name;
  std::string image_path;
  std::string account = "LocalSystem";
  std::string start_type = "demand start";  // 7045 text; 4697 gets the number
};
void service_installed_system(EventSink& sink, const Host& host, Millis t, const ServiceInstall& s);  // 7045
void service_installed_security(EventSink& sink, const Host& host, Millis t, const ServiceInstall& s,
                                const Account& subject, std::uint64_t subject_logon_id);  // 4697

void task_created(EventSink& sink, const Host& host, Millis t, const Account& subject, std::uint64_t subject_logon_id,
                  std::string_view task_name, std::string_view task_content);  // 4698
void task_registered(EventSink& sink, const Host& host, Millis t, std::string_view task_name,
                     std::string_view user_context);  // TaskScheduler 106

struct ShareAccess {
  Account subject;
  std::uint64_t subject_logon_id = 0;
  std::string ip;
  std::string port;
  std::string share;       // "\\\\*\\ADMIN$"
  std::string local_path;  // "C:\\Windows" (empty for IPC$)
  std::string relative_target;
  std::string access_mask = "0x1";
  std::string access_list = "%%4416\n\t\t\t\t";
};
void share_accessed(EventSink& sink, const Host& host, Millis t, const ShareAccess& a);  // 5140
void share_checked(EventSink& sink, const Host& host, Millis t, const ShareAccess& a);   // 5145

void script_block(EventSink& sink, const Host& host, Millis t, std::string_view text, std::uint64_t id_salt);  // 4104
// PowerShell 53504: the PowerShell named-pipe IPC listener of a new host process (wsmprovhost on WinRM targets).
void powershell_ipc_started(EventSink& sink, const Host& host, Millis t, std::uint32_t pid);

// Fills the metadata Sysmon reports for an image (version, description, hashes) from a small catalogue.
struct ImageInfo {
  std::string_view file_version, description, product, company, original_file_name;
};
ImageInfo image_info(std::string_view image);
std::string image_hashes(std::string_view image);

}  // namespace lh::siem::demo::win
