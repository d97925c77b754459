// A stand-in MCP server for the subprocess tests. Modes (argv[1]):
//   echo         answers each JSON-RPC request line with {"result": {"echo": params}}; first writes
//                a plain-text line and a non-JSON-RPC JSON line to stdout and two lines to stderr,
//                as misbehaving real servers do. Method "env" answers with the whole environment;
//                method "exit" answers and exits with code 3. Exits 0 on stdin EOF.
//   ignore-term  like echo, but ignores SIGTERM and keeps running after stdin EOF.
#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

extern char** environ;

namespace {

void reply(const nlohmann::json& id, nlohmann::json result) {
  nlohmann::json message{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
  std::cout << message.dump() << '\n' << std::flush;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "echo";
  if (mode == "ignore-term") std::signal(SIGTERM, SIG_IGN);

  std::cout << "WARNING: this line is not JSON" << '\n';
  std::cout << R"({"not":"json-rpc"})" << '\n' << std::flush;
  std::cerr << "child stderr: starting in mode " << mode << '\n';
  std::cerr << "child stderr: second line" << std::endl;

  std::string line;
  while (std::getline(std::cin, line)) {
    auto message = nlohmann::json::parse(line, nullptr, false);
    if (message.is_discarded() || !message.is_object() || !message.contains("id") || !message.contains("method")) {
      continue;
    }
    const auto& id = message["id"];
    auto method = message["method"].get<std::string>();
    if (method == "env") {
      nlohmann::json env = nlohmann::json::object();
      for (char** entry = environ; *entry; ++entry) {
        std::string text = *entry;
        auto eq = text.find('=');
        env[text.substr(0, eq)] = eq == std::string::npos ? "" : text.substr(eq + 1);
      }
      reply(id, {{"env", env}});
    } else if (method == "fds") {
      // Which descriptors above stderr are open: the parent must not leak any.
      nlohmann::json open = nlohmann::json::array();
      for (int fd = 3; fd < 256; ++fd) {
        if (fcntl(fd, F_GETFD) != -1) open.push_back(fd);
      }
      reply(id, {{"open_fds", open}});
    } else if (method == "exit") {
      reply(id, {{"bye", true}});
      return 3;
    } else {
      reply(id, {{"echo", message.value("params", nlohmann::json())}});
    }
  }
  if (mode == "ignore-term") {
    for (;;) pause();
  }
  return 0;
}
