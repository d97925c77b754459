#include "siem/demo/techniques.hpp"

#include <fmt/format.h>

#include "siem/demo/flat_event.hpp"
#include "siem/demo/windows_events.hpp"

namespace lh::siem::demo {
namespace {

constexpr std::uint32_t kPlannedTagBase = 12;  // background uses tags below this (see process_guid)

Millis logged(const Host& h, Millis t) { return t + h.skew; }

ProcessRef ref(const Process& p, const Process& parent) {
  return {p.image, p.command_line, p.guid, parent.image, to_hex(p.logon_id)};
}

Hop base_hop(const HopRequest& r, std::string technique, std::string attack_id) {
  Hop h;
  h.technique = std::move(technique);
  h.attack_id = std::move(attack_id);
  h.source_host = r.source->name;
  h.source_ip = r.source->ip;
  h.target_host = r.target->name;
  h.target_ip = r.target->ip;
  h.account = r.account.sysmon_user;
  h.explicit_credentials = r.explicit_credentials;
  return h;
}

// Runs the steps as children of `parent` on the target, recording their command lines in the hop.
Millis run_steps(Planner& p, const Host& host, Millis t, const Process& parent, const std::vector<Step>& steps,
                 Hop& hop, bool skip_first = false) {
  bool first = true;
  for (const auto& s : steps) {
    t += s.delay;
    if (first && skip_first) {
      first = false;
      continue;
    }
    first = false;
    Process child = p.spawn(host, t, parent, s.image, s.command_line, parent.account, parent.logon_id, parent.integrity,
                            parent.session);
    hop.commands.push_back(s.command_line);
    p.spawn(host, t + 9, child, "C:\\Windows\\System32\\conhost.exe",
                              "\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1", parent.account,
                              parent.logon_id, parent.integrity, parent.session, "C:\\Windows");
    if (!s.child_image.empty())
      p.spawn(host, t + 40, child, s.child_image, s.child_command_line, parent.account, parent.logon_id,
              parent.integrity, parent.session);
    if (!s.file_written.empty()) win::file_create(p.sink(), host, t + 180, child, s.file_written);
    t += 400;
  }
  return t;
}

// An inbound/outbound pair of Sysmon 3 events for one TCP connection.
void connection_pair(Planner& p, const Host& src, const Process& src_proc, Millis t_src, const Host& dst,
                     const Process& dst_proc, Millis t_dst, std::uint32_t sport, std::uint32_t dport) {
  win::network_connection(p.sink(), src, t_src, src_proc, {src.ip, sport, dst.ip, dport, true});
  win::network_connection(p.sink(), dst, t_dst, dst_proc, {src.ip, sport, dst.ip, dport, false});
}

win::Logon network_logon(const HopRequest& r, std::uint64_t id, const std::string& package, std::uint32_t sport,
                         bool with_address = true) {
  win::Logon l;
  l.type = 3;
  l.target = r.account;
  l.target_logon_id = id;
  l.package = package;
  l.workstation = package == "NTLM" ? r.source->name : "-";
  l.ip = with_address ? r.source->ip : "-";
  l.port = with_address ? std::to_string(sport) : "-";
  l.elevated = true;
  return l;
}

void explicit_creds(Planner& p, const HopRequest& r, Millis t, const Process& proc, std::string info,
                    std::uint32_t port) {
  if (!r.explicit_credentials) return;
  win::explicit_credentials(p.sink(), *r.source, t,
                            {&proc, r.account, r.target->name, std::move(info), r.target->ip, std::to_string(port)});
}

win::ShareAccess share(const HopRequest& r, std::uint64_t logon, std::uint32_t sport, std::string name,
                       std::string local_path, std::string relative = "", std::string mask = "0x1",
                       std::string list = "%%4416\n\t\t\t\t") {
  win::ShareAccess a;
  a.subject = r.account;
  a.subject_logon_id = logon;
  a.ip = r.source->ip;
  a.port = std::to_string(sport);
  a.share = std::move(name);
  a.local_path = std::move(local_path);
  a.relative_target = std::move(relative);
  a.access_mask = std::move(mask);
  a.access_list = std::move(list);
  return a;
}

const std::string kWriteList = "%%4417\n\t\t\t\t";
const std::string kPipeList = "%%1538\n\t\t\t\t%%1541\n\t\t\t\t%%4416\n\t\t\t\t%%4417\n\t\t\t\t%%4418\n\t\t\t\t%%4419\n\t\t\t\t%%4420\n\t\t\t\t%%4423\n\t\t\t\t%%4424\n\t\t\t\t";

// The SMB session every admin-share technique starts with: outbound/inbound 445, network logon,
// special privileges and IPC$.
std::uint64_t smb_session(Planner& p, const HopRequest& r, Millis t, std::uint32_t sport, Hop& hop,
                          const std::string& package) {
  const Host& src = *r.source;
  const Host& dst = *r.target;
  connection_pair(p, src, src.system, t, dst, dst.system, t + 12, sport, 445);
  const std::uint64_t logon = p.new_logon_id(dst, t + 30);
  win::logon(p.sink(), dst, t + 30, network_logon(r, logon, package, sport));
  win::special_privileges(p.sink(), dst, t + 30, r.account, logon);
  win::share_accessed(p.sink(), dst, t + 41, share(r, logon, sport, "\\\\*\\IPC$", ""));
  hop.target_logon_time = logged(dst, t + 30);
  hop.target_logon_id = to_hex(logon);
  hop.logon_ip_address = src.ip;
  hop.source_port = sport;
  hop.destination_port = 445;
  return logon;
}

}  // namespace

Planner::Planner(const Enterprise& enterprise, EventSink& sink, std::uint64_t seed)
    : ent_(enterprise), sink_(sink), rng_(seed) {}

std::uint64_t Planner::new_logon_id(const Host& host, Millis t) {
  return logon_id(host, t, kPlannedTagBase + (next_tag_++ % 4));
}

Process Planner::existing(const Host& host, Millis started, std::string image, std::string command_line,
                          const Account& who, std::uint64_t logon, std::string integrity, int session) {
  Process proc;
  proc.image = std::move(image);
  proc.command_line = std::move(command_line);
  proc.pid = static_cast<std::uint32_t>(rng_.between(250, 3000) * 4);
  proc.guid = process_guid(host, started, kPlannedTagBase + (next_tag_++ % 4));
  proc.account = who;
  proc.logon_id = logon;
  proc.integrity = std::move(integrity);
  proc.session = session;
  return proc;
}

Process Planner::spawn(const Host& host, Millis t, const Process& parent, std::string image, std::string command_line,
                       const Account& who, std::uint64_t logon, std::string integrity, int session,
                       std::string current_directory) {
  Process child = existing(host, t, std::move(image), std::move(command_line), who, logon, std::move(integrity), session);
  child.current_directory = std::move(current_directory);
  win::process_create(sink_, host, t, child, parent);
  return child;
}

Hop psexec(Planner& p, const HopRequest& r, const std::string& remote_command, Process* shell_out) {
  const Host& src = *r.source;
  const Host& dst = *r.target;
  const bool local = &src == &dst;
  Hop hop = base_hop(r, "psexec", "T1569.002");
  Millis t = r.start;
  std::string cmd = fmt::format("PsExec.exe -accepteula \\\\{}", dst.name);
  if (local) cmd = "PsExec.exe -accepteula";
  if (r.explicit_credentials) cmd += fmt::format(" -u {}\\{} -p {}", r.account.domain, r.account.name, r.password);
  cmd += " -s " + remote_command;
  const std::string client_dir = r.source_parent.current_directory;
  Process client = p.spawn(src, t, r.source_parent, client_dir + "PsExec.exe", cmd, r.source_parent.account,
                           r.source_parent.logon_id, r.source_parent.integrity, r.source_parent.session, client_dir);
  hop.source_process = ref(client, r.source_parent);
  hop.source_command_time = logged(src, t);
  if (!local) explicit_creds(p, r, t + 150, client, dst.name, 445);
  const std::uint32_t sport = p.ephemeral_port();
  const std::uint64_t logon = smb_session(p, r, t + 200, sport, hop, "NTLM");
  if (local) win::file_create(p.sink(), src, t + 260, client, "C:\\Windows\\PSEXESVC.exe");
  win::share_accessed(p.sink(), dst, t + 262, share(r, logon, sport, "\\\\*\\ADMIN$", "\\??\\C:\\Windows"));
  win::share_checked(p.sink(), dst, t + 270,
                     share(r, logon, sport, "\\\\*\\ADMIN$", "\\??\\C:\\Windows", "PSEXESVC.exe", "0x2", kWriteList));
  if (!local) win::file_create(p.sink(), dst, t + 300, dst.system, "C:\\Windows\\PSEXESVC.exe");
  win::share_checked(p.sink(), dst, t + 330,
                     share(r, logon, sport, "\\\\*\\IPC$", "", "svcctl", "0x3", "%%4416\n\t\t\t\t%%4417\n\t\t\t\t"));
  const win::ServiceInstall svc{"PSEXESVC", "%SystemRoot%\\PSEXESVC.exe", "LocalSystem", "demand start"};
  win::service_installed_security(p.sink(), dst, t + 378, svc, r.account, logon);
  win::service_installed_system(p.sink(), dst, t + 380, svc);
  hop.service_name = svc.name;
  Process service = p.spawn(dst, t + 420, dst.services, "C:\\Windows\\PSEXESVC.exe", "C:\\Windows\\PSEXESVC.exe",
                            dst.system_account, 0x3e7, "System");
  hop.execution = ref(service, dst.services);
  hop.execution_time = logged(dst, t + 420);
  win::pipe_created(p.sink(), dst, t + 470, service, "\\PSEXESVC");
  win::share_checked(p.sink(), dst, t + 480, share(r, logon, sport, "\\\\*\\IPC$", "", "PSEXESVC", "0x12019f", kPipeList));
  win::pipe_connected(p.sink(), dst, t + 482, dst.system, "\\PSEXESVC");
  hop.pipes.push_back("\\PSEXESVC");
  for (const char* stream : {"stdin", "stdout", "stderr"}) {
    const std::string pipe = fmt::format("PSEXESVC-{}-{}-{}", src.name, client.pid, stream);
    win::pipe_created(p.sink(), dst, t + 520, service, "\\" + pipe);
    win::share_checked(p.sink(), dst, t + 530, share(r, logon, sport, "\\\\*\\IPC$", "", pipe, "0x12019f", kPipeList));
    win::pipe_connected(p.sink(), dst, t + 532, dst.system, "\\" + pipe);
    hop.pipes.push_back("\\" + pipe);
  }
  const std::string shell_image = remote_command.starts_with("powershell") ? "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"
                                                                           : "C:\\Windows\\System32\\cmd.exe";
  Process shell = p.spawn(dst, t + 600, service, shell_image, remote_command, dst.system_account, 0x3e7, "System");
  hop.commands.push_back(remote_command);
  p.spawn(dst, t + 611, shell, "C:\\Windows\\System32\\conhost.exe",
          "\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1", dst.system_account, 0x3e7, "System", 0,
          "C:\\Windows");
  run_steps(p, dst, t + 2000, shell, r.steps, hop);
  if (shell_out) *shell_out = shell;
  return hop;
}

Hop wmi_process_create(Planner& p, const HopRequest& r, Process* created_out) {
  const Host& src = *r.source;
  const Host& dst = *r.target;
  Hop hop = base_hop(r, "wmi", "T1047");
  Millis t = r.start;
  const Step& created = r.steps.at(0);
  std::string cmd = fmt::format("wmic /node:{}", dst.name);
  if (r.explicit_credentials)
    cmd += fmt::format(" /user:{}\\{} /password:{}", r.account.domain, r.account.name, r.password);
  cmd += fmt::format(" process call create \"{}\"", created.command_line);
  Process client = p.spawn(src, t, r.source_parent, "C:\\Windows\\System32\\wbem\\WMIC.exe", cmd,
                           r.source_parent.account, r.source_parent.logon_id, r.source_parent.integrity,
                           r.source_parent.session, r.source_parent.current_directory);
  hop.source_process = ref(client, r.source_parent);
  hop.source_command_time = logged(src, t);
  explicit_creds(p, r, t + 80, client, "RPCSS/" + dst.name, 135);
  const std::uint32_t s1 = p.ephemeral_port();
  const std::uint32_t s2 = s1 + 1;
  const std::uint32_t dyn = p.dynamic_rpc_port();
  connection_pair(p, src, src.rpcss, t + 100, dst, dst.rpcss, t + 110, s1, 135);
  const std::uint64_t l1 = p.new_logon_id(dst, t + 130);
  win::logon(p.sink(), dst, t + 130, network_logon(r, l1, "Kerberos", s1));
  connection_pair(p, src, client, t + 160, dst, dst.winmgmt, t + 175, s2, dyn);
  const std::uint64_t l2 = p.new_logon_id(dst, t + 190);
  win::logon(p.sink(), dst, t + 190, network_logon(r, l2, "Kerberos", s2));
  win::special_privileges(p.sink(), dst, t + 190, r.account, l2);
  hop.target_logon_time = logged(dst, t + 190);
  hop.target_logon_id = to_hex(l2);
  hop.logon_ip_address = src.ip;
  hop.source_port = s2;
  hop.destination_port = dyn;
  Process provider = p.spawn(dst, t + 230, dst.dcom_launch, "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe",
                             "C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding", dst.network_service,
                             0x3e4, "System");
  Process child = p.spawn(dst, t + 330, provider, created.image, created.command_line, r.account, l2, "High");
  p.spawn(dst, t + 341, child, "C:\\Windows\\System32\\conhost.exe",
          "\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1", r.account, l2, "High", 0, "C:\\Windows");
  hop.execution = ref(child, provider);
  hop.execution_time = logged(dst, t + 330);
  hop.commands.push_back(created.command_line);
  if (!created.file_written.empty()) win::file_create(p.sink(), dst, t + 500, child, created.file_written);
  run_steps(p, dst, t + 1500, child, r.steps, hop, true);
  if (created_out) *created_out = child;
  return hop;
}

Hop winrm_invoke_command(Planner& p, const HopRequest& r, const std::string& script_block) {
  const Host& src = *r.source;
  const Host& dst = *r.target;
  Hop hop = base_hop(r, "winrm", "T1021.006");
  const Millis t = r.start;
  // The client command is PowerShell itself; its script block is what the source logs.
  std::string client_script;
  if (r.explicit_credentials)
    client_script = fmt::format(
        "$pw = ConvertTo-SecureString '{}' -AsPlainText -Force; $cred = New-Object "
        "System.Management.Automation.PSCredential('{}\\{}', $pw); Invoke-Command -ComputerName {} -Credential $cred "
        "-ScriptBlock {{ {} }}",
        r.password, r.account.domain, r.account.name, dst.name, script_block);
  else
    client_script = fmt::format("Invoke-Command -ComputerName {} -ScriptBlock {{ {} }}", dst.name, script_block);
  win::script_block(p.sink(), src, t, client_script, label(src.name) ^ static_cast<std::uint64_t>(t));
  hop.source_process = ref(r.source_parent, r.source_parent);
  hop.source_process.parent_image.clear();
  hop.source_process.command_line = r.source_parent.command_line;
  hop.source_command_time = logged(src, t);
  explicit_creds(p, r, t + 50, r.source_parent, "HTTP/" + dst.fqdn, 5985);
  const std::uint32_t sport = p.ephemeral_port();
  connection_pair(p, src, r.source_parent, t + 100, dst, dst.system, t + 300, sport, 5985);
  const std::uint64_t logon = p.new_logon_id(dst, t + 320);
  win::logon(p.sink(), dst, t + 320, network_logon(r, logon, "Kerberos", sport, false));
  win::special_privileges(p.sink(), dst, t + 320, r.account, logon);
  hop.target_logon_time = logged(dst, t + 320);
  hop.target_logon_id = to_hex(logon);
  hop.logon_ip_address = "-";
  hop.source_port = sport;
  hop.destination_port = 5985;
  Process host_process = p.spawn(dst, t + 600, dst.dcom_launch, "C:\\Windows\\System32\\wsmprovhost.exe",
                                 "C:\\Windows\\system32\\wsmprovhost.exe -Embedding", r.account, logon, "High");
  hop.execution = ref(host_process, dst.dcom_launch);
  hop.execution_time = logged(dst, t + 600);
  win::powershell_ipc_started(p.sink(), dst, t + 700, host_process.pid);
  win::script_block(p.sink(), dst, t + 900, script_block, label(dst.name) ^ static_cast<std::uint64_t>(t));
  run_steps(p, dst, t + 1000, host_process, r.steps, hop);
  return hop;
}

Hop admin_share_copy(Planner& p, const HopRequest& r, const std::string& local_file, const std::string& remote_path) {
  const Host& src = *r.source;
  const Host& dst = *r.target;
  Hop hop = base_hop(r, "tool_transfer", "T1570");
  Millis t = r.start;
  const Process& parent = r.source_parent;
  Process net = p.spawn(src, t, parent, "C:\\Windows\\System32\\net.exe",
                        fmt::format("net use \\\\{}\\C$ /user:{}\\{} {}", dst.name, r.account.domain, r.account.name,
                                    r.password),
                        parent.account, parent.logon_id, parent.integrity, parent.session, parent.current_directory);
  explicit_creds(p, r, t + 90, net, dst.name, 445);
  const std::uint32_t sport = p.ephemeral_port();
  const std::uint64_t logon = smb_session(p, r, t + 120, sport, hop, "NTLM");
  win::share_accessed(p.sink(), dst, t + 180, share(r, logon, sport, "\\\\*\\C$", "\\??\\C:\\"));
  t += 6000;
  // remote_path is relative to C:\ (e.g. "Windows\\Temp\\svchealth.exe").
  const std::string copy_cmd =
      fmt::format("\"C:\\Windows\\system32\\cmd.exe\" /c copy /y {} \\\\{}\\C$\\{}", local_file, dst.name, remote_path);
  Process copy = p.spawn(src, t, parent, "C:\\Windows\\System32\\cmd.exe", copy_cmd, parent.account, parent.logon_id,
                         parent.integrity, parent.session, parent.current_directory);
  hop.source_process = ref(copy, parent);
  hop.source_command_time = logged(src, t);
  win::share_checked(p.sink(), dst, t + 60,
                     share(r, logon, sport, "\\\\*\\C$", "\\??\\C:\\", remote_path, "0x2", kWriteList));
  const std::string local_target = "C:\\" + remote_path;
  win::file_create(p.sink(), dst, t + 75, dst.system, local_target);
  hop.execution = ref(dst.system, dst.system);
  hop.execution.parent_image.clear();
  hop.execution_time = logged(dst, t + 75);
  hop.file_path = local_target;
  hop.commands.push_back(copy_cmd);
  return hop;
}

Hop remote_scheduled_task(Planner& p, const HopRequest& r, const std::string& task_name, const std::string& program,
                          Process* task_process_out) {
  const Host& src = *r.source;
  const Host& dst = *r.target;
  Hop hop = base_hop(r, "scheduled_task", "T1053.005");
  Millis t = r.start;
  const Process& parent = r.source_parent;
  const std::string creds =
      r.explicit_credentials ? fmt::format(" /u {}\\{} /p {}", r.account.domain, r.account.name, r.password) : "";
  const std::string create_cmd = fmt::format(
      "schtasks /create /s {}{} /ru SYSTEM /tn \"{}\" /tr \"{}\" /sc once /st 23:59 /f", dst.name, creds, task_name, program);
  Process create = p.spawn(src, t, parent, "C:\\Windows\\System32\\schtasks.exe", create_cmd, parent.account,
                           parent.logon_id, parent.integrity, parent.session, parent.current_directory);
  hop.source_process = ref(create, parent);
  hop.source_command_time = logged(src, t);
  explicit_creds(p, r, t + 60, create, "RPCSS/" + dst.name, 135);
  const std::uint32_t s1 = p.ephemeral_port();
  const std::uint32_t s2 = s1 + 1;
  const std::uint32_t dyn = p.dynamic_rpc_port();
  connection_pair(p, src, src.rpcss, t + 80, dst, dst.rpcss, t + 90, s1, 135);
  const std::uint64_t l1 = p.new_logon_id(dst, t + 100);
  win::logon(p.sink(), dst, t + 100, network_logon(r, l1, "Kerberos", s1));
  connection_pair(p, src, create, t + 120, dst, dst.schedule, t + 130, s2, dyn);
  const std::uint64_t l2 = p.new_logon_id(dst, t + 150);
  win::logon(p.sink(), dst, t + 150, network_logon(r, l2, "Kerberos", s2));
  win::special_privileges(p.sink(), dst, t + 150, r.account, l2);
  hop.target_logon_time = logged(dst, t + 150);
  hop.target_logon_id = to_hex(l2);
  hop.logon_ip_address = src.ip;
  hop.source_port = s2;
  hop.destination_port = dyn;
  const std::string content = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<Task version=\"1.2\" "
      "xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\">\n  <RegistrationInfo>\n    <Author>{}</Author>\n"
      "    <URI>{}</URI>\n  </RegistrationInfo>\n  <Triggers>\n    <TimeTrigger>\n      <StartBoundary>{}</StartBoundary>\n"
      "      <Enabled>true</Enabled>\n    </TimeTrigger>\n  </Triggers>\n  <Principals>\n    <Principal id=\"Author\">\n"
      "      <UserId>S-1-5-18</UserId>\n      <RunLevel>LeastPrivilege</RunLevel>\n    </Principal>\n  </Principals>\n"
      "  <Actions Context=\"Author\">\n    <Exec>\n      <Command>{}</Command>\n    </Exec>\n  </Actions>\n</Task>",
      r.account.sysmon_user, task_name, iso_time(t).substr(0, 10) + "T23:59:00", program);
  win::task_created(p.sink(), dst, t + 200, r.account, l2, task_name, content);
  win::task_registered(p.sink(), dst, t + 199, task_name, "S-1-5-18");
  hop.task_name = task_name;
  // schtasks /run a few seconds later over a new RPC session.
  t += 9000;
  const std::string run_cmd = fmt::format("schtasks /run /s {}{} /tn \"{}\"", dst.name, creds, task_name);
  Process run = p.spawn(src, t, parent, "C:\\Windows\\System32\\schtasks.exe", run_cmd, parent.account,
                        parent.logon_id, parent.integrity, parent.session, parent.current_directory);
  explicit_creds(p, r, t + 60, run, "RPCSS/" + dst.name, 135);
  const std::uint32_t s3 = p.ephemeral_port();
  const std::uint32_t dyn2 = p.dynamic_rpc_port();
  connection_pair(p, src, run, t + 100, dst, dst.schedule, t + 110, s3, dyn2);
  const std::uint64_t l3 = p.new_logon_id(dst, t + 130);
  win::logon(p.sink(), dst, t + 130, network_logon(r, l3, "Kerberos", s3));
  Process task = p.spawn(dst, t + 400, dst.schedule, program, program, dst.system_account, 0x3e7, "System");
  hop.execution = ref(task, dst.schedule);
  hop.execution_time = logged(dst, t + 400);
  hop.commands.push_back(program);
  run_steps(p, dst, t + 3000, task, r.steps, hop);
  if (task_process_out) *task_process_out = task;
  return hop;
}

Hop dcom_mmc20(Planner& p, const HopRequest& r) {
  const Host& src = *r.source;
  const Host& dst = *r.target;
  Hop hop = base_hop(r, "dcom_mmc20", "T1021.003");
  const Millis t = r.start;
  const Step& shell = r.steps.at(0);
  const std::string args = shell.command_line.substr(shell.command_line.find(" /c ") + 1);
  const std::string script = fmt::format(
      "$c = [activator]::CreateInstance([type]::GetTypeFromProgID('MMC20.Application','{}')); "
      "$c.Document.ActiveView.ExecuteShellCommand('cmd.exe',$null,'{}','7')",
      dst.name, args);
  const std::string client_cmd = "powershell.exe -nop -w hidden -c \"" + script + "\"";
  Process client = p.spawn(src, t, r.source_parent, "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                           client_cmd, r.source_parent.account, r.source_parent.logon_id, r.source_parent.integrity,
                           r.source_parent.session, r.source_parent.current_directory);
  win::script_block(p.sink(), src, t + 300, script, label(src.name) ^ static_cast<std::uint64_t>(t));
  hop.source_process = ref(client, r.source_parent);
  hop.source_command_time = logged(src, t);
  explicit_creds(p, r, t + 400, client, "RPCSS/" + dst.name, 135);
  const std::uint32_t s1 = p.ephemeral_port();
  const std::uint32_t s2 = s1 + 2;
  const std::uint32_t dyn = p.dynamic_rpc_port();
  connection_pair(p, src, src.rpcss, t + 420, dst, dst.rpcss, t + 430, s1, 135);
  const std::uint64_t l1 = p.new_logon_id(dst, t + 450);
  win::logon(p.sink(), dst, t + 450, network_logon(r, l1, "Kerberos", s1));
  win::special_privileges(p.sink(), dst, t + 450, r.account, l1);
  hop.target_logon_time = logged(dst, t + 450);
  hop.target_logon_id = to_hex(l1);
  hop.logon_ip_address = src.ip;
  hop.source_port = s1;
  hop.destination_port = 135;
  Process mmc = p.spawn(dst, t + 700, dst.dcom_launch, "C:\\Windows\\System32\\mmc.exe",
                        "\"C:\\Windows\\system32\\mmc.exe\" -Embedding", r.account, l1, "High");
  connection_pair(p, src, client, t + 1500, dst, mmc, t + 1510, s2, dyn);
  const std::uint64_t l2 = p.new_logon_id(dst, t + 1530);
  win::logon(p.sink(), dst, t + 1530, network_logon(r, l2, "Kerberos", s2));
  Process cmd = p.spawn(dst, t + 1800, mmc, shell.image, shell.command_line, r.account, l1, "High", 0,
                        "C:\\Windows\\system32\\");
  hop.execution = ref(cmd, mmc);
  hop.execution_time = logged(dst, t + 1800);
  hop.commands.push_back(shell.command_line);
  if (!shell.child_image.empty())
    p.spawn(dst, t + 1850, cmd, shell.child_image, shell.child_command_line, r.account, l1, "High");
  if (!shell.file_written.empty()) win::file_create(p.sink(), dst, t + 2100, cmd, shell.file_written);
  run_steps(p, dst, t + 4000, mmc, r.steps, hop, true);
  return hop;
}

Hop service_push(Planner& p, const HopRequest& r) {
  const Host& src = *r.source;
  const Host& dst = *r.target;
  Hop hop = base_hop(r, "service_push", "T1569.002");
  const Millis t = r.start;
  hop.source_process = ref(r.source_parent, r.source_parent);
  hop.source_process.parent_image.clear();
  hop.source_command_time = logged(src, t);
  explicit_creds(p, r, t, r.source_parent, dst.name, 445);
  const std::uint32_t sport = p.ephemeral_port();
  const std::uint64_t logon = smb_session(p, r, t + 40, sport, hop, "Kerberos");
  win::share_accessed(p.sink(), dst, t + 100, share(r, logon, sport, "\\\\*\\ADMIN$", "\\??\\C:\\Windows"));
  win::share_checked(p.sink(), dst, t + 120,
                     share(r, logon, sport, "\\\\*\\ADMIN$", "\\??\\C:\\Windows", "ccmsetup\\ccmsetup.exe", "0x2", kWriteList));
  win::file_create(p.sink(), dst, t + 900, dst.system, "C:\\Windows\\ccmsetup\\ccmsetup.exe");
  win::share_checked(p.sink(), dst, t + 1000,
                     share(r, logon, sport, "\\\\*\\IPC$", "", "svcctl", "0x3", "%%4416\n\t\t\t\t%%4417\n\t\t\t\t"));
  const win::ServiceInstall svc{"ccmsetup",
                                fmt::format("C:\\Windows\\ccmsetup\\ccmsetup.exe /runservice /config:MobileClient.tcf "
                                            "/source:\\\\{}\\SMS_ACM\\Client",
                                            src.name),
                                "LocalSystem", "auto start"};
  win::service_installed_security(p.sink(), dst, t + 1050, svc, r.account, logon);
  win::service_installed_system(p.sink(), dst, t + 1052, svc);
  hop.service_name = svc.name;
  Process setup = p.spawn(dst, t + 1200, dst.services, "C:\\Windows\\ccmsetup\\ccmsetup.exe", svc.image_path,
                          dst.system_account, 0x3e7, "System", 0, "C:\\Windows\\ccmsetup\\");
  hop.execution = ref(setup, dst.services);
  hop.execution_time = logged(dst, t + 1200);
  hop.commands.push_back(svc.image_path);
  const std::uint32_t back = p.ephemeral_port();
  connection_pair(p, dst, setup, t + 2500, src, src.system, t + 2510, back, 80);
  win::file_create(p.sink(), dst, t + 4000, setup, "C:\\Windows\\ccmsetup\\client.msi");
  return hop;
}

}  // namespace lh::siem::demo
