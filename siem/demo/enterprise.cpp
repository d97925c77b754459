#include "siem/demo/enterprise.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "siem/demo/prng.hpp"

namespace lh::siem::demo {
namespace {

constexpr std::string_view kFirstNames[] = {"james", "mary", "robert", "patricia", "john", "jennifer", "michael",
                                            "linda", "david", "elizabeth", "william", "barbara", "richard", "susan",
                                            "joseph", "jessica", "thomas", "sarah", "carlos", "karen", "daniel",
                                            "nancy", "matthew", "lisa", "anthony", "betty", "mark", "sandra",
                                            "steven", "ashley", "paul", "kimberly", "andrew", "emily", "joshua",
                                            "donna", "kevin", "michelle", "brian", "amanda", "wei", "priya"};
constexpr std::string_view kLastNames[] = {"smith", "johnson", "williams", "brown", "jones", "garcia", "miller",
                                           "davis", "rodriguez", "martinez", "hernandez", "lopez", "gonzalez",
                                           "wilson", "anderson", "taylor", "moore", "jackson", "martin", "lee",
                                           "perez", "thompson", "white", "harris", "sanchez", "clark", "ramirez",
                                           "lewis", "robinson", "walker", "young", "allen", "king", "wright",
                                           "scott", "torres", "nguyen", "hill", "flores", "green", "chen", "patel"};

std::string sid_of(const std::string& domain_sid, std::uint32_t rid) { return fmt::format("{}-{}", domain_sid, rid); }

Process long_running(const Host& h, const Account& who, std::uint64_t logon, std::string image, std::string cmd,
                     std::uint32_t pid, Millis started, std::uint32_t tag) {
  Process p;
  p.image = std::move(image);
  p.command_line = std::move(cmd);
  p.pid = pid;
  p.guid = process_guid(h, started, tag);
  p.account = who;
  p.logon_id = logon;
  p.integrity = "System";
  return p;
}

void add_host(Enterprise& e, Rng& rng, std::string name, std::string ip, Role role, Millis start) {
  Host h;
  h.fqdn = name + "." + e.domain_fqdn;
  h.name = std::move(name);
  h.ip = std::move(ip);
  h.role = role;
  h.guid_prefix = static_cast<std::uint32_t>(rng.next());
  h.skew = rng.between(-1500, 1500);
  h.logon_base = static_cast<std::uint64_t>(rng.between(0x20000, 0x90000));
  // One draw per statement: the order of operands' evaluation is unspecified in C++, and the data
  // must not depend on the compiler.
  const Millis days_up = rng.between(kDay, 6 * kDay);
  const Millis hours_up = rng.between(0, kHour);
  h.boot = start - days_up - hours_up;
  h.system_account = {"NT AUTHORITY\\SYSTEM", h.name + "$", e.netbios, "S-1-5-18"};
  h.network_service = {"NT AUTHORITY\\NETWORK SERVICE", h.name + "$", e.netbios, "S-1-5-20"};
  h.local_service = {"NT AUTHORITY\\LOCAL SERVICE", "LOCAL SERVICE", "NT AUTHORITY", "S-1-5-19"};
  const Millis b = h.boot;
  h.system = long_running(h, h.system_account, 0x3e7, "System", "", 4, b, 1);
  h.services = long_running(h, h.system_account, 0x3e7, "C:\\Windows\\System32\\services.exe",
                            "C:\\Windows\\system32\\services.exe", static_cast<std::uint32_t>(rng.between(150, 200) * 4),
                            b + 2100, 1);
  h.lsass = long_running(h, h.system_account, 0x3e7, "C:\\Windows\\System32\\lsass.exe",
                         "C:\\Windows\\system32\\lsass.exe", h.services.pid + 12, b + 2110, 1);
  h.dcom_launch = long_running(h, h.system_account, 0x3e7, "C:\\Windows\\System32\\svchost.exe",
                               "C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p",
                               static_cast<std::uint32_t>(rng.between(210, 240) * 4), b + 2400, 1);
  h.rpcss = long_running(h, h.network_service, 0x3e4, "C:\\Windows\\System32\\svchost.exe",
                         "C:\\Windows\\system32\\svchost.exe -k RPCSS -p", h.dcom_launch.pid + 60, b + 2500, 1);
  h.schedule = long_running(h, h.system_account, 0x3e7, "C:\\Windows\\System32\\svchost.exe",
                            "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule",
                            static_cast<std::uint32_t>(rng.between(300, 360) * 4), b + 3100, 1);
  h.winmgmt = long_running(h, h.system_account, 0x3e7, "C:\\Windows\\System32\\svchost.exe",
                           "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Winmgmt",
                           static_cast<std::uint32_t>(rng.between(500, 560) * 4), b + 3300, 1);
  h.wmiprvse = long_running(h, h.network_service, 0x3e4, "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe",
                            "C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding",
                            static_cast<std::uint32_t>(rng.between(900, 1200) * 4), b + 60000, 1);
  e.host_index.emplace(h.name, e.hosts.size());
  e.hosts.push_back(std::move(h));
}

void add_user(Enterprise& e, std::string sam, bool admin) {
  const auto rid = static_cast<std::uint32_t>(1104 + e.users.size());
  e.user_index.emplace(sam, e.users.size());
  e.users.push_back({std::move(sam), sid_of(e.domain_sid, rid), admin});
}

}  // namespace

bool is_server(Role role) { return role != Role::Workstation; }

const Host& Enterprise::host(std::string_view name) const {
  auto it = host_index.find(std::string(name));
  if (it == host_index.end()) throw std::out_of_range(fmt::format("demo enterprise has no host '{}'", name));
  return hosts[it->second];
}

const User& Enterprise::user(std::string_view sam) const {
  auto it = user_index.find(std::string(sam));
  if (it == user_index.end()) throw std::out_of_range(fmt::format("demo enterprise has no user '{}'", sam));
  return users[it->second];
}

Account Enterprise::account_of(const User& u) const { return {netbios + "\\" + u.sam, u.sam, netbios, u.rid_sid}; }

std::vector<const Host*> Enterprise::servers() const {
  std::vector<const Host*> out;
  for (const auto& h : hosts)
    if (is_server(h.role) && h.role != Role::AdminJump && h.role != Role::Deployment) out.push_back(&h);
  return out;
}

std::string process_guid(const Host& host, Millis t, std::uint32_t tag) {
  const auto secs = static_cast<std::uint32_t>(t / 1000);
  const auto ms = static_cast<std::uint32_t>(t % 1000);
  return fmt::format("{{{:08x}-{:04x}-{:04x}-{:04x}-000000000700}}", host.guid_prefix, secs & 0xffff, secs >> 16,
                     (ms * 16 + (tag & 15)) & 0xffff);
}

std::uint64_t logon_id(const Host& host, Millis t, std::uint32_t tag) {
  const auto since_boot = static_cast<std::uint64_t>(t > host.boot ? t - host.boot : 0);
  return host.logon_base + (since_boot / 4) * 16 + (tag & 15);
}

std::string logon_guid(std::uint64_t salt) {
  std::uint64_t s = salt;
  const std::uint64_t a = splitmix64(s);
  const std::uint64_t b = splitmix64(s);
  return fmt::format("{{{:08x}-{:04x}-{:04x}-{:04x}-{:012x}}}", a >> 32, (a >> 16) & 0xffff, a & 0xffff, b >> 48,
                     b & 0xffffffffffffULL);
}

Enterprise build_enterprise(std::uint64_t seed, int scale, Millis start) {
  if (scale < 1) throw std::invalid_argument("demo scale must be at least 1");
  Enterprise e;
  Rng rng(mix_key(seed, {label("enterprise")}));
  // Drawn last part first: the order these were once drawn in as function arguments, kept so the
  // committed demo data stays the same.
  const auto sid_c = rng.between(1000000000, 3999999999);
  const auto sid_b = rng.between(1000000000, 3999999999);
  const auto sid_a = rng.between(1000000000, 3999999999);
  e.domain_sid = fmt::format("S-1-5-21-{}-{}-{}", sid_a, sid_b, sid_c);
  const auto s = static_cast<std::size_t>(scale);

  // Accounts the scenarios need first, so their SIDs are the same at every scale.
  for (auto sam : {names::kAdminA, names::kAdminB, names::kDomainAdmin, names::kBackupAdmin, names::kHelpdesk})
    add_user(e, std::string(sam), true);
  for (auto sam : {names::kSqlService, names::kDeployAccount, std::string_view("svc_backup")})
    add_user(e, std::string(sam), false);

  add_host(e, rng, std::string(names::kDc), "10.10.0.10", Role::DomainController, start);
  if (scale >= 10) add_host(e, rng, "DC02", "10.10.0.11", Role::DomainController, start);
  const std::size_t per_kind = 1 + s / 10;
  for (std::size_t i = 1; i <= per_kind; ++i)
    add_host(e, rng, fmt::format("FILESRV{:02}", i), fmt::format("10.10.0.{}", 19 + i), Role::FileServer, start);
  for (std::size_t i = 1; i <= per_kind; ++i)
    add_host(e, rng, fmt::format("DB{:02}", i), fmt::format("10.10.2.{}", 20 + i), Role::DatabaseServer, start);
  for (std::size_t i = 1; i <= per_kind; ++i)
    add_host(e, rng, fmt::format("APPSRV{:02}", i), fmt::format("10.10.3.{}", 30 + i), Role::AppServer, start);
  for (std::size_t i = 1; i <= per_kind; ++i)
    add_host(e, rng, fmt::format("WEB{:02}", i), fmt::format("10.10.4.{}", 40 + i), Role::WebServer, start);
  add_host(e, rng, std::string(names::kAdminJump), "10.10.1.5", Role::AdminJump, start);
  add_host(e, rng, std::string(names::kDeployment), "10.10.1.10", Role::Deployment, start);

  e.workstation_count = 20 * s;
  for (std::size_t i = 1; i <= e.workstation_count; ++i) {
    const std::size_t n = i - 1;
    add_host(e, rng, fmt::format("WKS-{:03}", i), fmt::format("10.20.{}.{}", n / 250, n % 250 + 2), Role::Workstation,
             start);
    // Each workstation has its own everyday user.
    std::string sam;
    for (int attempt = 0;; ++attempt) {
      // Last name drawn first (see domain_sid above).
      const auto last = rng.pick(kLastNames);
      const auto first = rng.pick(kFirstNames);
      sam = std::string(first.substr(0, 1)) + std::string(last);
      if (attempt > 3) sam += std::to_string(i);
      if (!e.user_index.contains(sam)) break;
    }
    add_user(e, sam, false);
    e.hosts.back().primary_user = static_cast<int>(e.users.size() - 1);
  }
  return e;
}

}  // namespace lh::siem::demo
