#pragma once
// Remote-execution techniques, each emitting the full event set on the source and the target host the way
// the recorded attacks show it (see shared/reference/lateral-movement.md), and returning the hop record.
#include <cstdint>
#include <string>
#include <vector>

#include "siem/demo/answer_key.hpp"
#include "siem/demo/enterprise.hpp"
#include "siem/demo/event_sink.hpp"
#include "siem/demo/prng.hpp"

namespace lh::siem::demo {

// Shared state of planned (non-background) activity: its random stream and identifier allocation.
class Planner {
 public:
  Planner(const Enterprise& enterprise, EventSink& sink, std::uint64_t seed);

  const Enterprise& enterprise() const { return ent_; }
  EventSink& sink() { return sink_; }
  Rng& rng() { return rng_; }

  // Emits Sysmon 1 + 4688 for a new process and returns it.
  Process spawn(const Host& host, Millis t, const Process& parent, std::string image, std::string command_line,
                const Account& who, std::uint64_t logon, std::string integrity, int session = 0,
                std::string current_directory = "C:\\Windows\\system32\\");
  // A process that exists but whose creation is not part of the data (started before the data begins).
  Process existing(const Host& host, Millis started, std::string image, std::string command_line, const Account& who,
                   std::uint64_t logon, std::string integrity, int session);
  std::uint64_t new_logon_id(const Host& host, Millis t);
  std::uint32_t ephemeral_port() { return static_cast<std::uint32_t>(rng_.between(49700, 64999)); }
  std::uint32_t dynamic_rpc_port() { return static_cast<std::uint32_t>(rng_.between(49664, 49740)); }

 private:
  const Enterprise& ent_;
  EventSink& sink_;
  Rng rng_;
  std::uint32_t next_tag_ = 0;
};

// A command to run on the target after the remote execution has started.
struct Step {
  Millis delay = 0;          // after the previous step
  std::string image;         // full path
  std::string command_line;
  std::string child_image;   // optional grandchild (net.exe -> net1.exe)
  std::string child_command_line;
  std::string file_written;  // optional Sysmon 11 by this process
};

struct HopRequest {
  const Host* source = nullptr;
  const Host* target = nullptr;
  Process source_parent;      // the process on the source that runs the client command
  Account account;            // identity that authenticates on the target
  bool explicit_credentials = true;
  std::string password;
  Millis start = 0;
  std::vector<Step> steps;    // commands run on the target
};

// Sysinternals PsExec: ADMIN$ drop, PSEXESVC service, pipes, `-s cmd.exe` then the steps as cmd children.
// The returned Hop's execution is PSEXESVC.exe; `shell_out` receives the remote cmd.exe.
Hop psexec(Planner& p, const HopRequest& r, const std::string& remote_command, Process* shell_out = nullptr);
// wmic /node process call create: the steps' first entry is the created process (child of WmiPrvSE).
Hop wmi_process_create(Planner& p, const HopRequest& r, Process* created_out = nullptr);
// PowerShell remoting (Invoke-Command) from a PowerShell process: wsmprovhost runs the steps.
Hop winrm_invoke_command(Planner& p, const HopRequest& r, const std::string& script_block);
// net use + copy of an executable to \\target\C$ (T1570).
Hop admin_share_copy(Planner& p, const HopRequest& r, const std::string& local_file, const std::string& remote_path);
// schtasks /create /s + /run: the task runs `program` as SYSTEM under the Schedule service.
Hop remote_scheduled_task(Planner& p, const HopRequest& r, const std::string& task_name, const std::string& program,
                          Process* task_process_out = nullptr);
// MMC20.Application ExecuteShellCommand from PowerShell: mmc.exe -Embedding runs the steps.
Hop dcom_mmc20(Planner& p, const HopRequest& r);
// A deployment server pushing its client through ADMIN$ and a service (ordinary, but looks like PsExec).
Hop service_push(Planner& p, const HopRequest& r);

}  // namespace lh::siem::demo
