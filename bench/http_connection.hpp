#pragma once
// A minimal blocking HTTP/1.1 keep-alive client for POSTing MCP messages: one socket, one request at a
// time, Content-Length or chunked bodies. Kept raw so that the client side costs little next to the
// servers being measured.

#include <chrono>
#include <string>
#include <string_view>

namespace lh::bench {

struct HttpResponse {
  int status = 0;
  std::string content_type;
  std::string session_id;  // Mcp-Session-Id
  std::string body;
};

class HttpConnection {
 public:
  // Connects to 127.0.0.1:port; throws std::runtime_error on failure.
  explicit HttpConnection(int port, std::chrono::milliseconds timeout = std::chrono::seconds(15));
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // POSTs `body` to /mcp; reconnects first when the server closed the previous connection. Throws
  // std::runtime_error on socket errors, a malformed response or the timeout.
  HttpResponse post(std::string_view body, std::string_view session_id);

 private:
  void connect();
  void send_all(std::string_view data);
  void fill();  // reads more bytes into buffer_
  std::string_view read_line();
  void read_exact(std::size_t size, std::string& out);
  void read_chunked(std::string& out);
  void read_until_close(std::string& out);

  int port_;
  std::chrono::milliseconds timeout_;
  int fd_ = -1;
  std::string host_header_;
  std::string request_;
  std::string buffer_;
  std::size_t position_ = 0;
};

// True once something accepts TCP connections on 127.0.0.1:port.
bool port_accepts(int port);

// A port that was free a moment ago (bound to port 0 and released).
int pick_free_port();

}  // namespace lh::bench
