#include "mcp/jsonrpc.hpp"

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

std::string id_key(const Json& id) {
  if (id.is_string()) return "s:" + id.get_ref<const std::string&>();
  if (id.is_number_unsigned()) return "i:" + std::to_string(id.get<std::uint64_t>());
  if (id.is_number_integer()) return "i:" + std::to_string(id.get<std::int64_t>());
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
  const auto id_it = message.find("id");
  const bool has_id = id_it != message.end();
  Json usable_id = (has_id && is_valid_id(*id_it)) ? *id_it : Json(nullptr);

  const auto version = message.find("jsonrpc");
  if (version == message.end() || !version->is_string() || version->get_ref<const std::string&>() != "2.0") {
    return invalid("\"jsonrpc\" must be \"2.0\"", std::move(usable_id));
  }

  const auto method = message.find("method");
  if (method != message.end()) {
    if (!method->is_string()) return invalid("\"method\" must be a string", std::move(usable_id));
    if (const auto params = message.find("params");
        params != message.end() && !params->is_object() && !params->is_array()) {
      return invalid("\"params\" must be an object or an array", std::move(usable_id));
    }
    if (message.contains("result") || message.contains("error")) {
      return invalid("a request must not carry \"result\" or \"error\"", std::move(usable_id));
    }
    MessageCheck check;
    if (!has_id) {
      check.kind = MessageKind::notification;
      return check;
    }
    if (!is_valid_id(*id_it)) return invalid("\"id\" must be a string or an integer");
    check.kind = MessageKind::request;
    check.id = *id_it;
    return check;
  }

  const bool has_result = message.contains("result");
  const bool has_error = message.contains("error");
  if (!has_result && !has_error) {
    return invalid("message has neither \"method\" nor \"result\"/\"error\"", std::move(usable_id));
  }
  if (has_result && has_error) {
    return invalid("a response must have exactly one of \"result\" and \"error\"", std::move(usable_id));
  }
  if (!has_id) return invalid("a response must have an \"id\"");
  MessageCheck check;
  if (has_error) {
    // A peer answers an unparseable request with a null id.
    if (!id_it->is_null() && !is_valid_id(*id_it)) return invalid("\"id\" must be a string or an integer");
    if (!message["error"].is_object()) return invalid("\"error\" must be an object", std::move(usable_id));
    check.kind = MessageKind::error;
    check.id = *id_it;
    return check;
  }
  if (!is_valid_id(*id_it)) return invalid("\"id\" must be a string or an integer");
  check.kind = MessageKind::response;
  check.id = *id_it;
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

Json make_request(const Json& id, std::string_view method, Json params) {
  Json message = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
  if (!params.is_null()) message["params"] = std::move(params);
  return message;
}

Json make_notification(std::string_view method, Json params) {
  Json message = {{"jsonrpc", "2.0"}, {"method", method}};
  if (!params.is_null()) message["params"] = std::move(params);
  return message;
}

Json make_result(const Json& id, Json result) {
  Json message = {{"jsonrpc", "2.0"}, {"id", id}};
  message["result"] = result.is_null() ? Json::object() : std::move(result);
  return message;
}

Json make_error(const Json& id, const McpError& error) {
  return Json{{"jsonrpc", "2.0"}, {"id", id}, {"error", error.to_json()}};
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
