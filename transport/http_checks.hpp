// Pure header checks of the Streamable HTTP server (no I/O), kept apart so each rule is testable
// on its own: Host and Origin validation (DNS-rebinding protection), bearer tokens, Accept and
// Content-Type negotiation, MCP-Protocol-Version.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lh::transport::http_checks {

// The MCP-Protocol-Version values this transport accepts (newest first).
const std::vector<std::string>& supported_protocol_versions();
// Absent header: the spec says to assume this version.
inline constexpr std::string_view kDefaultProtocolVersion = "2025-03-26";
bool is_supported_protocol_version(std::string_view version);

// "example.com:8080" -> "example.com", "[::1]:3000" -> "[::1]", lower-cased.
std::string host_name_of(std::string_view host_header);
// True when the Host header's name (port ignored) is in `allowed` (case-insensitive); "*" in
// `allowed` accepts any host.
bool host_allowed(std::string_view host_header, const std::vector<std::string>& allowed);

// Origins of the local machine (http or https; localhost, 127.0.0.1, [::1]; any port) are always
// allowed; others only when listed exactly in `allowed` (case-insensitive, no trailing slash) or
// when `allowed` holds "*". "null" (opaque origins) is never allowed unless listed.
bool origin_allowed(std::string_view origin, const std::vector<std::string>& allowed);

// True when the Accept header lists `media_type` (parameters and q-values ignored, except q=0).
bool accepts(std::string_view accept_header, std::string_view media_type);
// True when Content-Type's media type (before ";") is `media_type`, case-insensitive.
bool content_type_is(std::string_view content_type, std::string_view media_type);

// Checks "Authorization: Bearer <token>" in constant time with respect to the token's content.
enum class BearerResult { ok, missing, invalid };
BearerResult check_bearer(std::string_view authorization_header, std::string_view expected_token);

// 16 cryptographically random bytes as 32 lower-case hex characters (visible ASCII).
std::string new_session_id();

}  // namespace lh::transport::http_checks
