#include "mcp/jsonrpc.hpp"

#include <charconv>

#include <fmt/format.h>

namespace lh::mcp {

McpError::McpError(int code, std::string message, std::optional<Json> data)
    : std::runtime_error(message), code_(code), message_(std::move(message)), data_(std::move(data)) {}

Json McpError::to_json() const {
  Json error = {{"code", code_}, {"message", message_}};
  if (data_) error["data"] = *data_;
  return error;
}

McpError McpError::from_json(const Json& error) {
  if (!error.is_object()) return McpError(error_code::internal_error, "malformed error: " + error.dump());
  int code = error_code::internal_error;
  if (auto it = error.find("code"); it != error.end() && it->is_number_integer()) code = it->get<int>();
  std::string message;
  if (auto it = error.find("message"); it != error.end() && it->is_string()) message = it->get<std::string>();
  std::optional<Json> data;
  if (auto it = error.find("data"); it != error.end()) data = *it;
  return McpError(code, std::move(message), std::move(data));
}

bool is_valid_id(const Json& id) noexcept { return id.is_string() || id.is_number_integer(); }

namespace {
template <typename Integer>
std::string integer_key(Integer value) {
  char text[24] = {'i', ':'};
  const auto end = std::to_chars(text + 2, text + sizeof text, value).ptr;
  return std::string(text, end);
}
}  // namespace

std::string id_key(const Json& id) {
  if (id.is_string()) return "s:" + id.get_ref<const std::string&>();
  if (id.is_number_unsigned()) return integer_key(id.get<std::uint64_t>());
  if (id.is_number_integer()) return integer_key(id.get<std::int64_t>());
  return "x:" + id.dump();
}

namespace {

MessageCheck invalid(std::string problem, Json id = nullptr) {
  MessageCheck check;
  check.kind = MessageKind::invalid;
  check.problem = std::move(problem);
  check.id = std::move(id);
  return check;
}

}  // namespace

MessageCheck inspect_message(const Json& message) {
  if (!message.is_object()) {
    return invalid(fmt::format("message must be a JSON object, got {}", message.type_name()));
  }
  // One walk over the members instead of a look-up per rule: this runs for every message.
  const Json* id = nullptr;
  const Json* version = nullptr;
  const Json* method = nullptr;
  const Json* params = nullptr;
  bool has_result = false;
  bool has_error = false;
  for (const auto& [key, value] : *message.get_ptr<const Json::object_t*>()) {
    const std::string_view name = key;
    if (name == "id") {
      id = &value;
    } else if (name == "jsonrpc") {
      version = &value;
    } else if (name == "method") {
      method = &value;
    } else if (name == "params") {
      params = &value;
    } else if (name == "result") {
      has_result = true;
    } else if (name == "error") {
      has_error = true;
    }
  }
  const bool has_id = id != nullptr;
  // The id an invalid message is answered with, when it has a usable one.
  auto usable_id = [&] { return (has_id && is_valid_id(*id)) ? *id : Json(nullptr); };

  if (version == nullptr || !version->is_string() || version->get_ref<const std::string&>() != "2.0") {
    return invalid("\"jsonrpc\" must be \"2.0\"", usable_id());
  }

  if (method != nullptr) {
    if (!method->is_string()) return invalid("\"method\" must be a string", usable_id());
    if (params != nullptr && !params->is_object() && !params->is_array()) {
      return invalid("\"params\" must be an object or an array", usable_id());
    }
    if (has_result || has_error) {
      return invalid("a request must not carry \"result\" or \"error\"", usable_id());
    }
    MessageCheck check;
    if (!has_id) {
      check.kind = MessageKind::notification;
      return check;
    }
    if (!is_valid_id(*id)) return invalid("\"id\" must be a string or an integer");
    check.kind = MessageKind::request;
    check.id = *id;
    return check;
  }

  if (!has_result && !has_error) {
    return invalid("message has neither \"method\" nor \"result\"/\"error\"", usable_id());
  }
  if (has_result && has_error) {
    return invalid("a response must have exactly one of \"result\" and \"error\"", usable_id());
  }
  if (!has_id) return invalid("a response must have an \"id\"");
  MessageCheck check;
  if (has_error) {
    // A peer answers an unparseable request with a null id.
    if (!id->is_null() && !is_valid_id(*id)) return invalid("\"id\" must be a string or an integer");
    if (!message["error"].is_object()) return invalid("\"error\" must be an object", usable_id());
    check.kind = MessageKind::error;
    check.id = *id;
    return check;
  }
  if (!is_valid_id(*id)) return invalid("\"id\" must be a string or an integer");
  check.kind = MessageKind::response;
  check.id = *id;
  return check;
}

Json parse_message(std::string_view text) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::exception& e) {
    // Not only parse_error: a number too large for a double ("1e400") is out_of_range.
    throw McpError(error_code::parse_error, fmt::format("Parse error: {}", e.what()));
  }
}

namespace {

// Builds objects member by member: nlohmann's initializer lists build and copy a temporary array
// per member, several allocations each, and these run once per message.
Json envelope() {
  Json message(Json::value_t::object);
  message.get_ptr<Json::object_t*>()->emplace("jsonrpc", "2.0");
  return message;
}

Json::object_t& members(Json& object) { return *object.get_ptr<Json::object_t*>(); }

}  // namespace

Json make_request(const Json& id, std::string_view method, Json params) {
  Json message = envelope();
  auto& fields = members(message);
  fields.emplace("id", id);
  fields.emplace("method", method);
  if (!params.is_null()) fields.emplace("params", std::move(params));
  return message;
}

Json make_notification(std::string_view method, Json params) {
  Json message = envelope();
  auto& fields = members(message);
  fields.emplace("method", method);
  if (!params.is_null()) fields.emplace("params", std::move(params));
  return message;
}

Json make_result(const Json& id, Json result) {
  Json message = envelope();
  auto& fields = members(message);
  fields.emplace("id", id);
  fields.emplace("result", result.is_null() ? Json(Json::value_t::object) : std::move(result));
  return message;
}

Json make_error(const Json& id, const McpError& error) {
  Json message = envelope();
  auto& fields = members(message);
  fields.emplace("id", id);
  fields.emplace("error", error.to_json());
  return message;
}

Json make_error(const Json& id, int code, std::string message, std::optional<Json> data) {
  return make_error(id, McpError(code, std::move(message), std::move(data)));
}

std::string_view standard_message(int code) {
  switch (code) {
    case error_code::parse_error: return "Parse error";
    case error_code::invalid_request: return "Invalid Request";
    case error_code::method_not_found: return "Method not found";
    case error_code::invalid_params: return "Invalid params";
    case error_code::internal_error: return "Internal error";
    case error_code::resource_not_found: return "Resource not found";
    case error_code::connection_closed: return "Connection closed";
    case error_code::request_timeout: return "Request timed out";
    case error_code::request_cancelled: return "Request cancelled";
    default: return "Error";
  }
}

}  // namespace lh::mcp
