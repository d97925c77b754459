// A raw HTTP/1.1 client socket for tests that must send what a library would not: partial heads,
// pipelined requests, malformed requests. Blocking, with a receive timeout.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace lh::transport::test {

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  std::string header(const std::string& lower_name) const {
    auto found = headers.find(lower_name);
    return found == headers.end() ? std::string() : found->second;
  }
};

class RawConnection {
 public:
  explicit RawConnection(int port, std::chrono::seconds timeout = std::chrono::seconds(20)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count());
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int yes = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }

  bool send(std::string_view data) {
    while (!data.empty()) {
      auto written = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (written <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(written));
    }
    return true;
  }

  // One response (Content-Length, chunked or until close); nullopt on EOF, reset or timeout.
  // Interim 100 responses are passed over unless `skip_interim` is false.
  std::optional<RawResponse> read_response(bool skip_interim = true) {
    RawResponse response;
    std::size_t head_end;
    while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return std::nullopt;
    }
    std::string head = buffer_.substr(0, head_end);
    buffer_.erase(0, head_end + 4);
    auto line_end = head.find("\r\n");
    std::string status_line = head.substr(0, line_end);
    if (status_line.size() < 12) return std::nullopt;
    response.status = std::atoi(status_line.c_str() + 9);
    std::size_t position = line_end == std::string::npos ? head.size() : line_end + 2;
    while (position < head.size()) {
      auto next = head.find("\r\n", position);
      if (next == std::string::npos) next = head.size();
      std::string line = head.substr(position, next - position);
      position = next + 2;
      auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      response.headers[name] = value;
    }
    if (response.status == 100) return skip_interim ? read_response() : std::optional<RawResponse>(response);
    if (auto length = response.header("content-length"); !length.empty()) {
      auto size = static_cast<std::size_t>(std::stoull(length));
      while (buffer_.size() < size) {
        if (!fill()) return std::nullopt;
      }
      response.body = buffer_.substr(0, size);
      buffer_.erase(0, size);
    } else if (response.header("transfer-encoding") == "chunked") {
      for (;;) {
        std::size_t size_end;
        while ((size_end = buffer_.find("\r\n")) == std::string::npos) {
          if (!fill()) return std::nullopt;
        }
        auto size = static_cast<std::size_t>(std::stoull(buffer_.substr(0, size_end), nullptr, 16));
        while (buffer_.size() < size_end + 2 + size + 2) {
          if (!fill()) return std::nullopt;
        }
        response.body += buffer_.substr(size_end + 2, size);
        buffer_.erase(0, size_end + 2 + size + 2);
        if (size == 0) break;
      }
    } else {
      while (fill()) {
      }
      response.body = std::move(buffer_);
      buffer_.clear();
    }
    return response;
  }

  // True when the server closes the connection (EOF or reset) before the timeout.
  bool wait_closed() {
    char scratch[4096];
    for (;;) {
      auto got = ::recv(fd_, scratch, sizeof scratch, 0);
      if (got == 0) return true;
      if (got < 0) return errno == ECONNRESET || errno == EPIPE;
    }
  }

 private:
  bool fill() {
    char chunk[16 * 1024];
    auto got = ::recv(fd_, chunk, sizeof chunk, 0);
    if (got <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(got));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

// A complete POST of an MCP message to /mcp.
inline std::string raw_post(const std::string& body, const std::string& session = "", const std::string& extra = "") {
  std::string request = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json, text/event-stream\r\n"
                        "Content-Type: application/json\r\n";
  if (!session.empty()) request += "Mcp-Session-Id: " + session + "\r\n";
  request += extra;
  request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return request;
}

}  // namespace lh::transport::test
