#include "transport/http_checks.hpp"

#include "transport/ascii.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace lh::transport::http_checks {

namespace {

std::string lower(std::string_view text) { return ascii::to_lower(text); }

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool iequals(std::string_view a, std::string_view b) { return ascii::iequals(a, b); }

bool is_loopback_name(std::string_view name) { return name == "localhost" || name == "127.0.0.1" || name == "[::1]"; }

}  // namespace

const std::vector<std::string>& supported_protocol_versions() {
  static const std::vector<std::string> versions = {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};
  return versions;
}

bool is_supported_protocol_version(std::string_view version) {
  const auto& versions = supported_protocol_versions();
  return std::find(versions.begin(), versions.end(), version) != versions.end();
}

std::string host_name_of(std::string_view host_header) {
  host_header = trim(host_header);
  if (!host_header.empty() && host_header.front() == '[') {
    auto close = host_header.find(']');
    return lower(close == std::string_view::npos ? host_header : host_header.substr(0, close + 1));
  }
  auto colon = host_header.find(':');
  return lower(host_header.substr(0, colon));
}

bool host_allowed(std::string_view host_header, const std::vector<std::string>& allowed) {
  auto name = host_name_of(host_header);
  if (name.empty()) return false;
  return std::any_of(allowed.begin(), allowed.end(),
                     [&](const std::string& entry) { return entry == "*" || iequals(entry, name); });
}

bool origin_allowed(std::string_view origin, const std::vector<std::string>& allowed) {
  origin = trim(origin);
  while (!origin.empty() && origin.back() == '/') origin.remove_suffix(1);
  for (const auto& entry : allowed) {
    std::string_view wanted = entry;
    while (!wanted.empty() && wanted.back() == '/') wanted.remove_suffix(1);
    if (wanted == "*" || iequals(wanted, origin)) return true;
  }
  std::string text = lower(origin);
  std::string_view rest = text;
  if (rest.substr(0, 7) == "http://") {
    rest.remove_prefix(7);
  } else if (rest.substr(0, 8) == "https://") {
    rest.remove_prefix(8);
  } else {
    return false;
  }
  // rest = host[:port] with nothing after it
  if (rest.find('/') != std::string_view::npos || rest.find('@') != std::string_view::npos) return false;
  std::string name = host_name_of(rest);
  std::string_view after = std::string_view(rest).substr(name.size());
  if (!after.empty()) {
    if (after.front() != ':' || after.size() < 2) return false;
    if (after.substr(1).find_first_not_of("0123456789") != std::string_view::npos) return false;
  }
  return is_loopback_name(name);
}

bool accepts(std::string_view accept_header, std::string_view media_type) {
  std::size_t start = 0;
  while (start <= accept_header.size()) {
    auto comma = accept_header.find(',', start);
    std::string_view item =
        accept_header.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    auto semicolon = item.find(';');
    std::string_view type = trim(item.substr(0, semicolon));
    if (iequals(type, media_type)) {
      bool refused = false;
      if (semicolon != std::string_view::npos) {
        std::string params = lower(item.substr(semicolon));
        params.erase(std::remove(params.begin(), params.end(), ' '), params.end());
        auto q = params.find(";q=");
        if (q != std::string::npos) {
          std::string_view value = std::string_view(params).substr(q + 3);
          value = value.substr(0, value.find(';'));
          refused = value.find_first_not_of("0.") == std::string_view::npos;
        }
      }
      if (!refused) return true;
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return false;
}

bool content_type_is(std::string_view content_type, std::string_view media_type) {
  return iequals(trim(content_type.substr(0, content_type.find(';'))), media_type);
}

BearerResult check_bearer(std::string_view authorization_header, std::string_view expected_token) {
  auto header = trim(authorization_header);
  if (header.empty()) return BearerResult::missing;
  if (header.size() < 7 || !iequals(header.substr(0, 7), "bearer ")) return BearerResult::invalid;
  auto token = trim(header.substr(7));
  // Comparing digests keeps the time independent of where the strings differ and of their lengths.
  unsigned char got[SHA256_DIGEST_LENGTH];
  unsigned char want[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), got);
  SHA256(reinterpret_cast<const unsigned char*>(expected_token.data()), expected_token.size(), want);
  return CRYPTO_memcmp(got, want, SHA256_DIGEST_LENGTH) == 0 ? BearerResult::ok : BearerResult::invalid;
}

std::string new_session_id() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed: no session id");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(32);
  for (unsigned char b : bytes) {
    id.push_back(kHex[b >> 4]);
    id.push_back(kHex[b & 0xF]);
  }
  return id;
}

}  // namespace lh::transport::http_checks
