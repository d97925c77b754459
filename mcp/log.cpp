#include "mcp/log.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <vector>

namespace lh::mcp::log {
namespace {

Level initial_level() {
  Level parsed = Level::info;
  if (const char* env = std::getenv("LH_LOG_LEVEL"); env != nullptr && parse_level(env, parsed)) return parsed;
  return Level::info;
}

std::atomic<Level>& current_level() {
  static std::atomic<Level> value{initial_level()};
  return value;
}

struct Sink {
  std::mutex mutex;
  std::vector<std::string> secrets;  // longest first, so a secret containing another is fully hidden
  std::function<void(std::string_view)> sink;
};

Sink& sink_state() {
  static Sink state;
  return state;
}

std::string redact_locked(const Sink& state, std::string_view text) {
  std::string out(text);
  for (const auto& secret : state.secrets) {
    for (auto at = out.find(secret); at != std::string::npos; at = out.find(secret, at + 3)) {
      out.replace(at, secret.size(), "***");
    }
  }
  return out;
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

void set_level(Level level) { current_level().store(level, std::memory_order_relaxed); }
Level level() { return current_level().load(std::memory_order_relaxed); }

bool parse_level(std::string_view text, Level& out) {
  std::string lower;
  for (char c : text) lower.push_back(ascii_lower(c));
  if (lower == "debug" || lower == "trace") out = Level::debug;
  else if (lower == "info") out = Level::info;
  else if (lower == "warn" || lower == "warning") out = Level::warn;
  else if (lower == "error") out = Level::error;
  else if (lower == "off" || lower == "none") out = Level::off;
  else return false;
  return true;
}

std::string_view level_name(Level level) {
  switch (level) {
    case Level::debug: return "DEBUG";
    case Level::info: return "INFO";
    case Level::warn: return "WARN";
    case Level::error: return "ERROR";
    case Level::off: return "OFF";
  }
  return "?";
}

void add_secret(std::string secret) {
  if (secret.size() < 4) return;
  auto& state = sink_state();
  std::lock_guard lock(state.mutex);
  if (std::find(state.secrets.begin(), state.secrets.end(), secret) != state.secrets.end()) return;
  state.secrets.push_back(std::move(secret));
  std::stable_sort(state.secrets.begin(), state.secrets.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string redact(std::string_view text) {
  auto& state = sink_state();
  std::lock_guard lock(state.mutex);
  return redact_locked(state, text);
}

void set_sink(std::function<void(std::string_view line)> sink) {
  auto& state = sink_state();
  std::lock_guard lock(state.mutex);
  state.sink = std::move(sink);
}

void write(Level at, std::string_view component, std::string_view message) {
  if (at == Level::off) return;
  const auto now = std::chrono::system_clock::now();
  const auto seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);

  std::string line = fmt::format("{}.{:03d}Z {} [{}] ", stamp, static_cast<int>(millis), level_name(at), component);
  // One line per call: embedded newlines would let a message forge extra log lines.
  for (char c : message) line.push_back(c == '\n' || c == '\r' ? ' ' : c);

  auto& state = sink_state();
  std::lock_guard lock(state.mutex);
  std::string redacted = state.secrets.empty() ? std::move(line) : redact_locked(state, line);
  if (state.sink) {
    state.sink(redacted);
    return;
  }
  redacted.push_back('\n');
  std::fwrite(redacted.data(), 1, redacted.size(), stderr);
  std::fflush(stderr);
}

}  // namespace lh::mcp::log
