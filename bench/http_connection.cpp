#include "bench/http_connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>
#include <stdexcept>

namespace lh::bench {
namespace {

sockaddr_in loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

}  // namespace

HttpConnection::HttpConnection(int port, std::chrono::milliseconds timeout)
    : port_(port), timeout_(timeout), host_header_("127.0.0.1:" + std::to_string(port)) {
  buffer_.reserve(1 << 16);
  connect();
}

HttpConnection::~HttpConnection() {
  if (fd_ >= 0) ::close(fd_);
}

void HttpConnection::connect() {
  if (fd_ >= 0) ::close(fd_);
  buffer_.clear();
  position_ = 0;
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const sockaddr_in address = loopback(port_);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    const std::string reason = std::strerror(errno);
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port_) + ": " + reason);
  }
}

void HttpConnection::send_all(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(std::string("send: ") + std::strerror(errno));
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void HttpConnection::fill() {
  if (position_ > 0 && position_ == buffer_.size()) {
    buffer_.clear();
    position_ = 0;
  }
  for (;;) {
    pollfd readable{fd_, POLLIN, 0};
    const int ready = ::poll(&readable, 1, static_cast<int>(timeout_.count()));
    if (ready == 0) throw std::runtime_error("no HTTP response within " + std::to_string(timeout_.count()) + " ms");
    if (ready < 0 && errno == EINTR) continue;
    char chunk[1 << 15];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error(std::string("recv: ") + std::strerror(errno));
    if (n == 0) throw std::runtime_error("the server closed the connection");
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return;
  }
}

std::string_view HttpConnection::read_line() {
  for (;;) {
    const std::size_t end = buffer_.find("\r\n", position_);
    if (end != std::string::npos) {
      const std::string_view line(buffer_.data() + position_, end - position_);
      position_ = end + 2;
      return line;
    }
    fill();
  }
}

void HttpConnection::read_exact(std::size_t size, std::string& out) {
  while (buffer_.size() - position_ < size) fill();
  out.append(buffer_, position_, size);
  position_ += size;
}

void HttpConnection::read_chunked(std::string& out) {
  for (;;) {
    const std::string_view size_line = read_line();
    std::size_t size = 0;
    const auto [end, error] = std::from_chars(size_line.data(), size_line.data() + size_line.size(), size, 16);
    if (error != std::errc() || end == size_line.data()) throw std::runtime_error("malformed chunk size");
    if (size == 0) {
      while (!read_line().empty()) {  // trailers, then the empty line
      }
      return;
    }
    read_exact(size, out);
    if (!read_line().empty()) throw std::runtime_error("malformed chunk end");
  }
}

void HttpConnection::read_until_close(std::string& out) {
  try {
    for (;;) {
      out.append(buffer_, position_);
      buffer_.clear();
      position_ = 0;
      fill();
    }
  } catch (const std::runtime_error&) {
    // End of body is the end of the connection.
  }
  ::close(fd_);
  fd_ = -1;
}

HttpResponse HttpConnection::post(std::string_view body, std::string_view session_id) {
  if (fd_ < 0) connect();
  request_.clear();
  request_ += "POST /mcp HTTP/1.1\r\nHost: ";
  request_ += host_header_;
  request_ += "\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n";
  if (!session_id.empty()) {
    request_ += "Mcp-Session-Id: ";
    request_ += session_id;
    request_ += "\r\nMCP-Protocol-Version: 2025-11-25\r\n";
  }
  request_ += "Content-Length: ";
  request_ += std::to_string(body.size());
  request_ += "\r\n\r\n";
  request_ += body;
  send_all(request_);

  HttpResponse response;
  const std::string_view status_line = read_line();
  if (status_line.size() < 12 || status_line.substr(0, 5) != "HTTP/") {
    throw std::runtime_error("malformed HTTP status line: " + std::string(status_line));
  }
  std::from_chars(status_line.data() + 9, status_line.data() + 12, response.status);
  std::optional<std::size_t> content_length;
  bool chunked = false;
  bool close_after = false;
  for (;;) {
    const std::string_view line = read_line();
    if (line.empty()) break;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "content-length")) {
      std::size_t length = 0;
      std::from_chars(value.data(), value.data() + value.size(), length);
      content_length = length;
    } else if (iequals(name, "transfer-encoding")) {
      chunked = value.find("chunked") != std::string_view::npos;
    } else if (iequals(name, "content-type")) {
      response.content_type = value;
    } else if (iequals(name, "mcp-session-id")) {
      response.session_id = value;
    } else if (iequals(name, "connection")) {
      close_after = iequals(value, "close");
    }
  }
  if (chunked) {
    read_chunked(response.body);
  } else if (content_length) {
    read_exact(*content_length, response.body);
  } else if (response.status != 202 && response.status != 204) {
    read_until_close(response.body);
    return response;
  }
  if (close_after) {
    ::close(fd_);
    fd_ = -1;
  }
  return response;
}

bool port_accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const sockaddr_in address = loopback(port);
  const bool connected = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return connected;
}

int pick_free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in address = loopback(0);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    throw std::runtime_error(std::string("cannot find a free port: ") + std::strerror(errno));
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

}  // namespace lh::bench
