// bench_line_echo: not an MCP server but the floor under any stdio server. It answers each request line
// with a canned echo result carrying the request's id, on one thread, with no JSON parsing. What
// bench_mcp_calls measures against it is the cost of the pipes, the wake-ups and the load generator alone.

#include <unistd.h>

#include <cerrno>
#include <string>
#include <string_view>

namespace {

bool write_all(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(1, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// The raw text of the "id" member (a number or a string), or "null".
std::string_view request_id(std::string_view line) {
  const std::size_t key = line.find(R"("id":)");
  if (key == std::string_view::npos) return "null";
  std::size_t end = key + 5;
  while (end < line.size() && line[end] != ',' && line[end] != '}') ++end;
  return line.substr(key + 5, end - key - 5);
}

}  // namespace

int main() {
  std::string pending;
  std::string reply;
  char chunk[1 << 16];
  for (;;) {
    const ssize_t n = ::read(0, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return 0;
    pending.append(chunk, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (std::size_t newline; (newline = pending.find('\n', start)) != std::string::npos; start = newline + 1) {
      const std::string_view line(pending.data() + start, newline - start);
      if (line.find(R"("method":"notifications/)") != std::string_view::npos) continue;
      reply.assign(R"({"jsonrpc":"2.0","id":)");
      reply += request_id(line);
      if (line.find(R"("method":"initialize")") != std::string_view::npos) {
        reply += R"(,"result":{"protocolVersion":"2025-11-25","capabilities":{"tools":{}},)"
                 R"("serverInfo":{"name":"line-echo","version":"0"}}})";
      } else {
        reply += R"(,"result":{"content":[{"type":"text","text":"hello"}]}})";
      }
      reply += '\n';
      if (!write_all(reply)) return 0;
    }
    pending.erase(0, start);
  }
}
