// Internal: JSON Schema checks of tool arguments and structured results. Uses lh_schemas when it is
// part of the build; otherwise a small subset (type, required, properties, items, enum) so that the
// protocol core still rejects obviously wrong arguments.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "mcp/transport.hpp"

namespace lh::mcp {

class SchemaCheck {
 public:
  // Throws std::invalid_argument when the schema is not a usable tool schema (root type "object").
  explicit SchemaCheck(const Json& schema);
  ~SchemaCheck();
  SchemaCheck(const SchemaCheck&) = delete;
  SchemaCheck& operator=(const SchemaCheck&) = delete;

  // Empty when valid; otherwise every problem as "path: message", joined with "; ".
  std::string check(const Json& instance, std::string_view root) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lh::mcp
