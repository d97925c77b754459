#pragma once
// JSON Schema (2020-12 subset used by MCP tool schemas) validation for tool arguments and results.
//
// A Validator compiles its schema once at construction; validate() then walks the compiled tree, which
// matters because the server validates the arguments of every tools/call.

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace lh::schemas {

// One violation: where in the instance (dotted path with [i] for array items) and what was wrong.
struct ValidationError {
  std::string path;     // e.g. "arguments.techniques[2]"
  std::string message;  // e.g. "must be one of [\"psexec\", \"wmi\"]"

  // "path: message"
  std::string to_string() const;

  friend bool operator==(const ValidationError&, const ValidationError&) = default;
};

// Thrown by Validator's constructor when the schema itself is invalid; what() names the schema path
// (JSON Pointer, e.g. "#/properties/limit/minimum").
class SchemaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
struct CompiledSchema;
}

class Validator {
 public:
  explicit Validator(nlohmann::json schema);
  ~Validator();
  Validator(Validator&&) noexcept;
  Validator& operator=(Validator&&) noexcept;
  Validator(const Validator&) = delete;
  Validator& operator=(const Validator&) = delete;

  // Every violation found (not only the first), in a deterministic order: a type mismatch alone (other
  // keywords would repeat it), else value keywords, then array items by index / object members by key
  // (nlohmann::json keeps keys sorted), then allOf/anyOf/oneOf/not/if. Empty means valid.
  // `root` names the instance in paths: "arguments", "arguments.techniques[2]", "arguments[\"odd key\"]".
  std::vector<ValidationError> validate(const nlohmann::json& instance,
                                        std::string_view root = "arguments") const;

  // The schema this validator was built from.
  const nlohmann::json& schema() const;

 private:
  std::unique_ptr<detail::CompiledSchema> compiled_;
};

// Checks that a tool's inputSchema/outputSchema is usable by MCP: a JSON object whose root has
// `type: "object"`, and which compiles. Returns a message saying what is wrong, or nullopt when fine.
std::optional<std::string> check_tool_schema(const nlohmann::json& schema);

}  // namespace lh::schemas
