// Process-wide diagnostic logger shared by every layer. Lines go to stderr only (stdout of a stdio
// server is the protocol), one line per call, never interleaved between threads. Registered secrets
// (tokens, API keys) are replaced by "***" before a line is written.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace lh::mcp::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

// Lines below this level are dropped before formatting. Default: info, or $LH_LOG_LEVEL
// (debug|info|warn|error|off) when set at first use.
void set_level(Level level);
Level level();
inline bool enabled(Level at) { return at >= level() && at != Level::off; }

// "debug" / "info" / "warn" / "warning" / "error" / "off" (case-insensitive); false when unknown.
bool parse_level(std::string_view text, Level& out);
std::string_view level_name(Level level);

// Every later line (and every line already formatted but not yet written) has each occurrence of
// `secret` replaced by "***". Empty strings and strings shorter than 4 characters are ignored,
// so that a short common word cannot blank out whole log lines.
void add_secret(std::string secret);
// Applies the redaction to any text (also useful before putting text into an error message).
std::string redact(std::string_view text);

// Replaces the destination of finished lines (default: stderr). Tests capture lines with it;
// pass an empty function to restore stderr. The sink receives the complete, redacted line
// without the trailing newline and is called under the logger's lock.
void set_sink(std::function<void(std::string_view line)> sink);

// Writes "<UTC time> <LEVEL> [component] message".
void write(Level at, std::string_view component, std::string_view message);

template <typename... Args>
void debug(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
  if (enabled(Level::debug)) write(Level::debug, component, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void info(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
  if (enabled(Level::info)) write(Level::info, component, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
  if (enabled(Level::warn)) write(Level::warn, component, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void error(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
  if (enabled(Level::error)) write(Level::error, component, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace lh::mcp::log
