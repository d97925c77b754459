#include "siem/demo/background.hpp"

#include <fmt/format.h>

#include "siem/demo/prng.hpp"
#include "siem/demo/sessions.hpp"
#include "siem/demo/windows_events.hpp"

namespace lh::siem::demo {
namespace {

constexpr const char* kOffice = "C:\\Program Files\\Microsoft Office\\root\\Office16\\";

struct App {
  const char* image;
  const char* args;
};
constexpr App kApps[] = {
    {"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe", ""},
    {"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe", " --profile-directory=Default"},
    {"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE", " /n"},
    {"C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE", ""},
    {"C:\\Windows\\System32\\notepad.exe", ""},
    {"C:\\Program Files\\WindowsApps\\MSTeams_24004.1307.2669.7070_x64__8wekyb3d8bbwe\\ms-teams.exe", ""},
};

struct Task {
  const char* image;
  const char* command_line;
};
constexpr Task kTasks[] = {
    {"C:\\Windows\\System32\\taskhostw.exe", "taskhostw.exe Install $(Arg0)"},
    {"C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.2102.4-0\\MpCmdRun.exe",
     "\"C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.2102.4-0\\MpCmdRun.exe\" -IdleTask -TaskName WdCacheMaintenance"},
    {"C:\\Windows\\System32\\CompatTelRunner.exe", "C:\\Windows\\system32\\compattelrunner.exe"},
    {"C:\\Windows\\System32\\defrag.exe", "C:\\Windows\\system32\\defrag.exe -c -h -o -$"},
    {"C:\\Windows\\System32\\gpupdate.exe", "gpupdate.exe /target:computer"},
    {"C:\\Windows\\System32\\sc.exe", "C:\\Windows\\system32\\sc.exe start wuauserv"},
};

constexpr const char* kServices[] = {
    "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s gpsvc",
    "C:\\Windows\\System32\\svchost.exe -k NetworkService -p -s DoSvc",
    "C:\\Windows\\system32\\svchost.exe -k LocalSystemNetworkRestricted -p -s fhsvc",
    "C:\\Windows\\System32\\svchost.exe -k netsvcs -p -s BITS",
    "C:\\Windows\\system32\\svchost.exe -k wusvcs -p -s WaaSMedicSvc",
};

constexpr const char* kExternal[] = {"13.107.42.14", "52.96.166.130", "142.250.72.206", "172.217.14.110",
                                     "20.190.151.68", "40.126.29.9", "104.18.32.115", "151.101.1.140"};

class Background {
 public:
  Background(const Enterprise& e, const GeneratorConfig& cfg, const Host& h, Millis w0, Millis w1, EventSink& sink)
      : e_(e),
        cfg_(cfg),
        h_(h),
        w0_(w0),
        w1_(w1),
        sink_(sink),
        rng_(mix_key(cfg.seed, {label("background"), label(h.name), static_cast<std::uint64_t>(w0)})) {}

  void run();

 private:
  // Expected count `rate_per_hour` over the window, drawn with integer arithmetic (rate in hundredths).
  int count(int hundredths_per_hour) {
    const std::int64_t expected = hundredths_per_hour * 100 * (w1_ - w0_) / kHour;  // in 1/10000ths
    return static_cast<int>(expected / 10000 +
                            (static_cast<std::int64_t>(rng_.below(10000)) < expected % 10000 ? 1 : 0));
  }
  Millis when() { return w0_ + rng_.between(0, w1_ - w0_ - 1); }
  Millis when_in(Millis a, Millis b) {
    const Millis lo = std::max(a, w0_);
    const Millis hi = std::min(b, w1_);
    return lo + rng_.between(0, hi - lo - 1);
  }
  std::uint32_t tag() { return next_tag_++ % 10; }
  // Logons this host causes on a server are mixed there with every other client's: spread the tags by
  // client so that two clients logging on in the same instant get different logon ids.
  std::uint32_t remote_tag() { return static_cast<std::uint32_t>((label(h_.name) + next_tag_++) % 10); }
  std::uint32_t port() { return static_cast<std::uint32_t>(rng_.between(49700, 64999)); }

  Process make(Millis t, const std::string& image, std::string cmd, const Account& who, std::uint64_t logon,
               const char* integrity, int session, std::string cwd = "C:\\Windows\\system32\\") {
    Process p;
    p.image = image;
    p.command_line = std::move(cmd);
    p.current_directory = std::move(cwd);
    p.pid = static_cast<std::uint32_t>(rng_.between(300, 3200) * 4);
    p.guid = process_guid(h_, t, tag());
    p.account = who;
    p.logon_id = logon;
    p.integrity = integrity;
    p.session = session;
    return p;
  }
  Process spawn(Millis t, const Process& parent, const std::string& image, std::string cmd, const Account& who,
                std::uint64_t logon, const char* integrity, int session, std::string cwd = "C:\\Windows\\system32\\") {
    Process p = make(t, image, std::move(cmd), who, logon, integrity, session, std::move(cwd));
    win::process_create(sink_, h_, t, p, parent);
    return p;
  }
  Process prefetcher() {
    return make(h_.boot + 4000, "C:\\Windows\\system32\\svchost.exe", "C:\\Windows\\system32\\svchost.exe -k LocalSystemNetworkRestricted -p -s SysMain",
                h_.system_account, 0x3e7, "System", 0);
  }

  void user_session();
  void system_activity();
  void server_activity();
  void file_share_visit(Millis t, const Account& user);

  const Enterprise& e_;
  const GeneratorConfig& cfg_;
  const Host& h_;
  Millis w0_, w1_;
  EventSink& sink_;
  Rng rng_;
  std::uint32_t next_tag_ = 0;
};

void Background::run() {
  if (h_.role == Role::Workstation && h_.primary_user >= 0) user_session();
  system_activity();
  server_activity();
}

void Background::user_session() {
  const Millis day = w0_ - (((w0_ % kDay) + kDay) % kDay);
  const Session s = demo::user_session(e_, h_, cfg_.seed, day);
  const Account& user = s.explorer.account;
  Process winlogon = make(h_.boot + 9000, "C:\\Windows\\System32\\winlogon.exe", "winlogon.exe", h_.system_account,
                          0x3e7, "System", 1);
  if (s.logon >= w0_ && s.logon < w1_) {
    win::Logon l;
    l.type = 2;
    l.target = user;
    l.target_logon_id = s.logon_id;
    l.package = "Negotiate";
    l.workstation = h_.name;
    l.ip = "127.0.0.1";
    l.port = "0";
    l.elevated = false;
    l.subject_is_system = true;
    l.process_id = winlogon.pid;
    l.process_name = "C:\\Windows\\System32\\svchost.exe";
    win::logon(sink_, h_, s.logon, l);
    win::process_create(sink_, h_, s.logon + 900, s.userinit, winlogon);
    win::process_create(sink_, h_, s.logon + 1400, s.explorer, s.userinit);
    win::process_create(sink_, h_, s.logon + 65000, s.outlook, s.explorer);
    win::network_connection(sink_, h_, s.logon + 69000, s.outlook, {h_.ip, port(), "52.96.166.130", 443, true});
  }
  if (s.logoff >= w0_ && s.logoff < w1_) win::logoff(sink_, h_, s.logoff, user, s.logon_id, 2);
  const Millis active_from = s.logon + 2 * kMinute;
  if (active_from >= w1_ || s.logoff <= w0_ || std::max(active_from, w0_) >= std::min(s.logoff, w1_)) return;

  const std::string home = fmt::format("C:\\Users\\{}\\", user.name);
  for (int i = count(40); i > 0; --i) {
    const Millis t = when_in(active_from, s.logoff);
    const App& app = rng_.pick(kApps);
    const std::string image = app.image;
    std::string cmd = "\"" + image + "\"" + app.args;
    Process p = spawn(t, s.explorer, image, cmd, user, s.logon_id, "Medium", 1, home);
    const bool office = image.starts_with(kOffice);
    if (office) {
      // Number drawn before name, one draw per statement (argument order is unspecified in C++).
      const auto number = rng_.between(1, 400);
      const auto name = rng_.pick({"Report", "Budget", "Notes", "Minutes", "Plan"});
      const std::string doc =
          fmt::format("{}Documents\\{}_{:03}.{}", home, name, number, image.ends_with("EXCEL.EXE") ? "xlsx" : "docx");
      win::file_create(sink_, h_, t + 4000 + rng_.between(0, 60000), p, doc);
    } else if (!image.ends_with("notepad.exe")) {
      for (int c = 0; c < 2; ++c)
        win::network_connection(sink_, h_, t + 800 + c * 350, p, {h_.ip, port(), rng_.pick(kExternal), 443, true});
    }
  }
  Process browser = make(s.logon + 3 * kMinute, kApps[0].image, std::string("\"") + kApps[0].image + "\"", user,
                         s.logon_id, "Medium", 1, home);
  // Where one call needs several draws, each is its own statement: the order of function arguments'
  // evaluation is unspecified in C++. The order kept here (port and address before the time) is the one
  // the committed demo data was generated with.
  for (int i = count(60); i > 0; --i) {
    const std::uint32_t sport = port();
    const char* server = rng_.pick(kExternal);
    const Millis t = when_in(active_from, s.logoff);
    win::network_connection(sink_, h_, t, browser, {h_.ip, sport, server, 443, true});
  }
  for (int i = count(20); i > 0; --i) {
    const std::uint32_t sport = port();
    const Millis t = when_in(active_from, s.logoff);
    win::network_connection(sink_, h_, t, s.outlook, {h_.ip, sport, "52.96.166.130", 443, true});
  }
  for (int i = count(15); i > 0; --i) {
    const Millis t = when_in(active_from, s.logoff);
    const auto number = rng_.between(100, 999);
    const auto name = rng_.pick({"statement", "invoice", "brochure", "datasheet"});
    win::file_create(sink_, h_, t, browser, fmt::format("{}Downloads\\{}_{}.pdf", home, name, number));
  }
  for (int i = count(20); i > 0; --i)
    file_share_visit(when_in(active_from, s.logoff), user);
  for (int i = count(20); i > 0; --i) {
    const auto value = rng_.pick({"abgrcnq.rkr", "zfrqtr.rkr", "jvajbeq.rkr", "rkpry.rkr"});  // value before time
    const Millis t = when_in(active_from, s.logoff);
    win::registry_set_value(
        sink_, h_, t, s.explorer,
        fmt::format("HKU\\{}\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\UserAssist\\"
                    "{{CEBFF5CD-ACE2-4F4F-9178-9926F41749EA}}\\Count\\{{1NP14R77-02R7-4R5Q-O744-2RO1NR5198O7}}\\{}",
                    user.sid, value),
        "Binary Data");
  }
  for (int i = count(5); i > 0; --i) {
    const Millis t = when_in(active_from, s.logoff);
    Process cmd = spawn(t, s.explorer, "C:\\Windows\\System32\\cmd.exe", "\"C:\\Windows\\system32\\cmd.exe\" ", user,
                        s.logon_id, "Medium", 1, home);
    spawn(t + 20000, cmd, "C:\\Windows\\System32\\ipconfig.exe", rng_.pick({"ipconfig /all", "ipconfig", "ipconfig /flushdns"}),
          user, s.logon_id, "Medium", 1, home);
  }
  for (int i = count(2); i > 0; --i) {
    win::Logon l;
    l.type = 2;
    l.target = user;
    l.package = "Negotiate";
    l.workstation = h_.name;
    l.ip = "127.0.0.1";
    l.port = "0";
    l.subject_is_system = true;
    l.process_id = winlogon.pid;
    l.process_name = "C:\\Windows\\System32\\svchost.exe";
    win::logon_failed(sink_, h_, when_in(active_from, s.logoff), l);
  }
}

void Background::file_share_visit(Millis t, const Account& user) {
  const auto per_kind = 1 + static_cast<std::size_t>(cfg_.scale) / 10;
  const Host& fs = e_.host(fmt::format("FILESRV{:02}", 1 + rng_.below(per_kind)));
  const std::uint32_t sport = port();
  win::network_connection(sink_, h_, t, h_.system, {h_.ip, sport, fs.ip, 445, true});
  win::network_connection(sink_, fs, t + 8, fs.system, {h_.ip, sport, fs.ip, 445, false});
  if (rng_.percent(8)) {
    win::Logon l;
    l.type = 3;
    l.target = user;
    l.package = "NTLM";
    l.workstation = h_.name;
    l.ip = h_.ip;
    l.port = std::to_string(sport);
    win::logon_failed(sink_, fs, t + 20, l);
    return;
  }
  win::Logon l;
  l.type = 3;
  l.target = user;
  l.target_logon_id = logon_id(fs, t + 20, remote_tag());
  l.package = "Kerberos";
  l.ip = h_.ip;
  l.port = std::to_string(sport);
  l.elevated = false;
  win::logon(sink_, fs, t + 20, l);
  win::ShareAccess a;
  a.subject = user;
  a.subject_logon_id = l.target_logon_id;
  a.ip = h_.ip;
  a.port = l.port;
  a.share = "\\\\*\\Shares";
  a.local_path = "\\??\\D:\\Shares";
  win::share_accessed(sink_, fs, t + 30, a);
  // Drawn last part first, one draw per statement (argument order is unspecified in C++).
  const auto extension = rng_.pick({"xlsx", "docx", "pdf"});
  const auto number = rng_.between(1, 300);
  const auto period = rng_.pick({"Q1", "Q2", "plan", "roster", "forecast"});
  const auto folder = rng_.pick({"Finance", "HR", "Projects", "Sales", "IT"});
  a.relative_target = fmt::format("{}\\{}_{:03}.{}", folder, period, number, extension);
  a.access_mask = "0x120089";
  a.access_list = "%%1538\n\t\t\t\t%%1541\n\t\t\t\t%%4416\n\t\t\t\t%%4419\n\t\t\t\t%%4423\n\t\t\t\t";
  win::share_checked(sink_, fs, t + 34, a);
  win::logoff(sink_, fs, t + 30000 + rng_.between(0, 60000), user, l.target_logon_id, 3);
}

void Background::system_activity() {
  const Host& dc = e_.host(names::kDc);
  for (int i = count(10); i > 0; --i) {
    const Millis t = when();
    const Task& task = rng_.pick(kTasks);
    const bool network_service = std::string_view(task.image).ends_with("gpupdate.exe");
    const Account& who = network_service ? h_.network_service : h_.system_account;
    Process p = spawn(t, h_.schedule, task.image, task.command_line, who, network_service ? 0x3e4 : 0x3e7, "System", 0);
    spawn(t + 12, p, "C:\\Windows\\System32\\conhost.exe", "\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1",
          who, network_service ? 0x3e4 : 0x3e7, "System", 0, "C:\\Windows");
    std::string base(task.image);
    base = base.substr(base.find_last_of('\\') + 1);
    for (auto& c : base) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    win::file_create(sink_, h_, t + 9000, prefetcher(),
                     fmt::format("C:\\Windows\\Prefetch\\{}-{:08X}.pf", base, static_cast<std::uint32_t>(label(base))));
  }
  for (int i = count(10); i > 0; --i) {
    const Millis t = when();
    const std::uint32_t sport = port();
    if (&h_ != &dc) {
      win::network_connection(sink_, h_, t, h_.lsass, {h_.ip, sport, dc.ip, 88, true});
      win::network_connection(sink_, dc, t + 5, dc.lsass, {h_.ip, sport, dc.ip, 88, false});
      win::Logon l;
      l.type = 3;
      l.target = {h_.system_account.sysmon_user, h_.name + "$", e_.netbios, "S-1-5-18"};
      l.target.sid = fmt::format("{}-{}", e_.domain_sid, 5000 + label(h_.name) % 4000);
      l.target_logon_id = logon_id(dc, t + 30, remote_tag());
      l.package = "Kerberos";
      l.ip = h_.ip;
      l.port = std::to_string(sport + 1);
      win::network_connection(sink_, dc, t + 25, dc.system, {h_.ip, sport + 1, dc.ip, 445, false});
      win::logon(sink_, dc, t + 30, l);
      win::ShareAccess a;
      a.subject = l.target;
      a.subject_logon_id = l.target_logon_id;
      a.ip = h_.ip;
      a.port = l.port;
      a.share = "\\\\*\\SYSVOL";
      a.local_path = "\\??\\C:\\Windows\\SYSVOL\\sysvol";
      win::share_accessed(sink_, dc, t + 36, a);
    }
  }
  for (int i = count(10); i > 0; --i) {
    const Millis t = when();
    Process dns = make(h_.boot + 5000, "C:\\Windows\\system32\\svchost.exe", "C:\\Windows\\system32\\svchost.exe -k NetworkService -p -s Dnscache",
                       h_.network_service, 0x3e4, "System", 0);
    win::network_connection(sink_, h_, t, dns, {h_.ip, port(), dc.ip, 53, true, "udp"});
  }
  for (int i = count(5); i > 0; --i) {
    Process wu = make(h_.boot + 7000, "C:\\Windows\\system32\\svchost.exe", "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s wuauserv",
                      h_.system_account, 0x3e7, "System", 0);
    const std::uint32_t sport = port();  // port and address before the time (see user_session)
    const char* server = rng_.pick(kExternal);
    win::network_connection(sink_, h_, when(), wu, {h_.ip, sport, server, 443, true});
  }
  for (int i = count(6); i > 0; --i) {
    const Millis t = when();
    const char* cmd = rng_.pick(kServices);
    spawn(t, h_.services, "C:\\Windows\\System32\\svchost.exe", cmd, h_.system_account, 0x3e7, "System", 0);
    win::registry_set_value(sink_, h_, t + 300, h_.services,
                            fmt::format("HKLM\\System\\CurrentControlSet\\Services\\{}\\Start",
                                        std::string_view(cmd).substr(std::string_view(cmd).rfind(' ') + 1)),
                            "DWORD (0x00000003)");
  }
  // Occasional local software installation: a service installed by msiexec running as SYSTEM.
  for (int i = count(1); i > 0; --i) {
    const Millis t = when();
    Process msi = spawn(t, h_.services, "C:\\Windows\\System32\\msiexec.exe", "C:\\Windows\\system32\\msiexec.exe /V",
                        h_.system_account, 0x3e7, "System", 0);
    const win::ServiceInstall svc{rng_.pick({"GoogleUpdaterService", "AdobeARMservice", "edgeupdate", "ZoomCptService"}),
                                  "\"C:\\Program Files (x86)\\Common Files\\Updater\\updater.exe\" --system --windows-service",
                                  "LocalSystem", "auto start"};
    win::service_installed_security(sink_, h_, t + 5000, svc, h_.system_account, 0x3e7);
    win::service_installed_system(sink_, h_, t + 5002, svc);
    win::file_create(sink_, h_, t + 3000, msi, "C:\\Program Files (x86)\\Common Files\\Updater\\updater.exe");
  }
}

void Background::server_activity() {
  const auto per_kind = 1 + static_cast<std::size_t>(cfg_.scale) / 10;
  if (h_.role == Role::DatabaseServer) {
    Process sql = make(h_.boot + 40000, "C:\\Program Files\\Microsoft SQL Server\\MSSQL15.MSSQLSERVER\\MSSQL\\Binn\\sqlservr.exe",
                       "\"C:\\Program Files\\Microsoft SQL Server\\MSSQL15.MSSQLSERVER\\MSSQL\\Binn\\sqlservr.exe\" -sMSSQLSERVER",
                       {"ACME\\svc_sql", "svc_sql", e_.netbios, e_.user(names::kSqlService).rid_sid}, 0x3e7 + 0x1000, "System", 0);
    for (int i = count(80); i > 0; --i) {
      const Host& app = e_.host(fmt::format("APPSRV{:02}", 1 + rng_.below(per_kind)));
      const std::uint32_t sport = port();  // port before the time (see user_session)
      win::network_connection(sink_, h_, when(), sql, {app.ip, sport, h_.ip, 1433, false});
    }
  } else if (h_.role == Role::WebServer) {
    Process w3wp = make(h_.boot + 50000, "C:\\Windows\\System32\\inetsrv\\w3wp.exe",
                        "c:\\windows\\system32\\inetsrv\\w3wp.exe -ap \"DefaultAppPool\" -v \"v4.0\" -l \"webengine4.dll\"",
                        {"IIS APPPOOL\\DefaultAppPool", "DefaultAppPool", "IIS APPPOOL", "S-1-5-82-3006700770"}, 0x3e7 + 0x2000,
                        "High", 0);
    for (int i = count(80); i > 0; --i) {
      const auto n = rng_.below(e_.workstation_count);
      const std::uint32_t sport = port();  // port before the time (see user_session)
      win::network_connection(sink_, h_, when(), w3wp,
                              {fmt::format("10.20.{}.{}", n / 250, n % 250 + 2), sport, h_.ip, 443, false});
    }
  } else if (h_.role == Role::AppServer) {
    Process app = make(h_.boot + 45000, "C:\\Program Files\\Acme\\OrderService\\OrderService.exe",
                       "\"C:\\Program Files\\Acme\\OrderService\\OrderService.exe\" -service", h_.network_service, 0x3e4,
                       "System", 0);
    for (int i = count(60); i > 0; --i) {
      const Host& db = e_.host(fmt::format("DB{:02}", 1 + rng_.below(per_kind)));
      const std::uint32_t sport = port();  // port before the time (see user_session)
      win::network_connection(sink_, h_, when(), app, {h_.ip, sport, db.ip, 1433, true});
    }
  }
}

}  // namespace

void background_activity(const Enterprise& e, const GeneratorConfig& cfg, const Host& host, Millis window_start,
                         Millis window_end, EventSink& sink) {
  Background(e, cfg, host, window_start, window_end, sink).run();
}

}  // namespace lh::siem::demo
