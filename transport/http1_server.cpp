#include "transport/http1_server.hpp"

#include "transport/ascii.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

#include "mcp/log.hpp"
#include "mcp/protocol.hpp"
#include "transport/fd.hpp"

namespace lh::transport::http1 {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::string_view kComponent = "http";
// How often the epoll thread looks for connections past their deadline.
constexpr auto kSweepInterval = std::chrono::milliseconds(100);

bool is_would_block(int error) { return error == EAGAIN || error == EWOULDBLOCK; }

// One sendmsg without blocking; returns the bytes written, 0 when the socket is full, -1 on error.
ssize_t send_some(int fd, iovec* iov, std::size_t count) {
  msghdr message{};
  message.msg_iov = iov;
  message.msg_iovlen = count;
  for (;;) {
    ssize_t written = ::sendmsg(fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (written >= 0) return written;
    if (errno == EINTR) continue;
    return is_would_block(errno) ? 0 : -1;
  }
}

// Drops `written` bytes from the front of the iovec list; returns the new first index.
std::size_t advance(iovec* iov, std::size_t count, std::size_t first, std::size_t written) {
  while (first < count && written >= iov[first].iov_len) {
    written -= iov[first].iov_len;
    ++first;
  }
  if (first < count) {
    iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + written;
    iov[first].iov_len -= written;
  }
  return first;
}

// Writes every byte, waiting at most `timeout` each time the socket is full. False when the
// peer is gone or stopped reading.
bool write_all(int fd, iovec* iov, std::size_t count, std::chrono::milliseconds timeout) {
  std::size_t first = 0;
  while (first < count) {
    if (iov[first].iov_len == 0) {
      ++first;
      continue;
    }
    ssize_t written = send_some(fd, iov + first, count - first);
    if (written < 0) return false;
    if (written == 0) {
      pollfd waiting{fd, POLLOUT, 0};
      int ready = ::poll(&waiting, 1, static_cast<int>(timeout.count()));
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0 || (waiting.revents & (POLLERR | POLLHUP | POLLNVAL))) return false;
      continue;
    }
    first = advance(iov, count, first, static_cast<std::size_t>(written));
  }
  return true;
}

std::string response_head(int status, const Headers& headers, std::string_view content_type,
                          std::optional<std::size_t> content_length, bool keep_alive, int version_minor,
                          bool chunked) {
  std::string head = fmt::format("HTTP/1.1 {} {}\r\n", status, reason_phrase(status));
  for (const auto& [name, value] : headers) {
    head += name;
    head += ": ";
    head += value;
    head += "\r\n";
  }
  if (!content_type.empty()) {
    head += "Content-Type: ";
    head += content_type;
    head += "\r\n";
  }
  if (content_length) head += fmt::format("Content-Length: {}\r\n", *content_length);
  if (chunked) head += "Transfer-Encoding: chunked\r\n";
  if (!keep_alive) {
    head += "Connection: close\r\n";
  } else if (version_minor == 0) {
    head += "Connection: keep-alive\r\n";
  }
  head += "\r\n";
  return head;
}

// Finds "Expect: 100-continue" in a head that has fully arrived (the body has not).
bool expects_continue(std::string_view buffer) {
  auto end = buffer.find("\r\n\r\n");
  if (end == std::string_view::npos) return false;
  const std::string head = ascii::to_lower(buffer.substr(0, end));
  auto expect = head.find("\nexpect:");
  return expect != std::string::npos && head.find("100-continue", expect) != std::string::npos;
}

}  // namespace

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

struct Reactor;

// One client connection. The epoll thread owns it while it reads (phase `reading`) and while the
// handler runs there (`handling`); a worker owns it while a deferred exchange runs (`deferred`).
// Only the epoll thread closes the descriptor (or stop(), once that thread has ended).
struct Connection {
  enum class Phase { reading, handling, deferred };

  explicit Connection(int descriptor) : fd(descriptor) {}

  UniqueFd fd;
  std::string in;  // bytes received and not yet consumed by a request
  Phase phase = Phase::reading;
  bool request_started = false;  // `in` holds part of a request: request_timeout applies
  bool continue_sent = false;    // "100 Continue" answered for the request being read
  bool peer_closed = false;      // the client shut down its sending side
  bool close_after = false;      // the response asked to close the connection
  bool draining = false;         // answered and shut down for writing: reading what is left before closing
  bool watched = true;           // registered with epoll
  std::size_t served = 0;
  Clock::time_point deadline;
  Reactor* reactor = nullptr;    // the epoll thread it belongs to
};

// One epoll thread and the connections it owns. Every reactor accepts from the shared listening
// socket (EPOLLEXCLUSIVE wakes one of them per new connection).
struct Reactor {
  static constexpr std::size_t kReadChunk = 64 * 1024;

  UniqueFd epoll;
  UniqueFd wake;
  std::thread thread;
  std::atomic<std::thread::id> id{};
  std::unordered_map<int, std::shared_ptr<Connection>> connections;  // this thread only
  std::vector<char> read_buffer = std::vector<char>(kReadChunk);
  std::mutex returned_mutex;
  std::vector<std::pair<std::shared_ptr<Connection>, bool>> returned;  // (connection, keep open)

  void watch(int fd, std::uint32_t events, int operation) {
    epoll_event event{};
    event.events = events;
    event.data.fd = fd;
    ::epoll_ctl(epoll.get(), operation, fd, &event);
  }
  void signal_wake() {
    std::uint64_t one = 1;
    [[maybe_unused]] auto ignored = ::write(wake.get(), &one, sizeof one);
  }
};

struct Server::Impl {
  Impl(ServerOptions opts, Handler h, ErrorResponder e)
      : options(std::move(opts)), handler(std::move(h)), error_responder(std::move(e)) {
    if (!error_responder) {
      error_responder = [](int status, const std::string& message) {
        Response response;
        response.status = status;
        response.content_type = "text/plain; charset=utf-8";
        response.body = fmt::format("{} {}: {}\n", status, reason_phrase(status), message);
        return response;
      };
    }
  }

  ServerOptions options;
  Handler handler;
  ErrorResponder error_responder;

  UniqueFd listener;
  std::mutex spare_mutex;
  UniqueFd spare;  // given up to accept-and-close a connection when descriptors run out
  int port = 0;
  std::vector<std::unique_ptr<Reactor>> reactors;
  std::atomic<std::size_t> next_reactor{0};
  std::unique_ptr<mcp::WorkerPool> workers;
  std::atomic<bool> stopping{false};
  std::mutex stop_mutex;

  std::mutex deferred_mutex;
  std::condition_variable deferred_cv;
  std::size_t deferred_count = 0;

  std::atomic<std::size_t> open_connections{0};
  std::atomic<std::size_t> refused_connections{0};
  std::atomic<std::size_t> timed_out_requests{0};
  std::atomic<std::size_t> malformed_requests{0};

  static bool on_reactor(const Connection& connection) {
    return std::this_thread::get_id() == connection.reactor->id.load();
  }

  void bind_and_listen() {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    std::string host = options.host;
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    addrinfo* found = nullptr;
    auto service = std::to_string(options.port);
    if (int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found); rc != 0) {
      throw std::runtime_error(
          fmt::format("cannot listen on {}:{}: {}", options.host, options.port, ::gai_strerror(rc)));
    }
    std::string last_error = "no address";
    for (auto* candidate = found; candidate; candidate = candidate->ai_next) {
      UniqueFd socket(::socket(candidate->ai_family, candidate->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                               candidate->ai_protocol));
      if (!socket) {
        last_error = std::strerror(errno);
        continue;
      }
      int yes = 1;
      ::setsockopt(socket.get(), SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
      if (::bind(socket.get(), candidate->ai_addr, candidate->ai_addrlen) != 0 ||
          ::listen(socket.get(), SOMAXCONN) != 0) {
        last_error = std::strerror(errno);
        continue;
      }
      sockaddr_storage bound{};
      socklen_t length = sizeof bound;
      ::getsockname(socket.get(), reinterpret_cast<sockaddr*>(&bound), &length);
      port = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                         : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
      listener = std::move(socket);
      break;
    }
    ::freeaddrinfo(found);
    if (!listener) {
      throw std::runtime_error(fmt::format("cannot listen on {}:{} ({})", options.host, options.port, last_error));
    }
  }

  void start() {
    ignore_sigpipe();
    bind_and_listen();
    spare.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    workers = std::make_unique<mcp::WorkerPool>(2, std::max<std::size_t>(options.worker_threads, 2));
    auto count = options.reactor_threads;
    if (count == 0) count = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 4);
    for (std::size_t i = 0; i < count; ++i) {
      auto reactor = std::make_unique<Reactor>();
      reactor->epoll.reset(::epoll_create1(EPOLL_CLOEXEC));
      reactor->wake.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
      if (!reactor->epoll || !reactor->wake) {
        throw std::runtime_error(fmt::format("HTTP server: epoll set-up failed: {}", std::strerror(errno)));
      }
      reactor->watch(listener.get(), EPOLLIN | EPOLLEXCLUSIVE, EPOLL_CTL_ADD);
      reactor->watch(reactor->wake.get(), EPOLLIN, EPOLL_CTL_ADD);
      reactors.push_back(std::move(reactor));
    }
    for (auto& reactor : reactors) {
      Reactor* self = reactor.get();
      reactor->thread = std::thread([this, self] { run(*self); });
    }
  }

  void stop() {
    std::lock_guard lock(stop_mutex);
    if (stopping.exchange(true)) return;
    if (reactors.empty()) return;
    for (auto& reactor : reactors) reactor->signal_wake();
    for (auto& reactor : reactors) {
      if (reactor->thread.joinable()) reactor->thread.join();
    }
    listener.reset();
    // Deferred exchanges get a moment to write what they have (a 503 to a waiting request);
    // then their connections are cut so that a worker blocked on a silent client returns.
    {
      std::unique_lock lock(deferred_mutex);
      deferred_cv.wait_for(lock, std::chrono::seconds(2), [&] { return deferred_count == 0; });
    }
    for (auto& reactor : reactors) {
      for (auto& [fd, connection] : reactor->connections) {
        if (connection->phase == Connection::Phase::deferred) ::shutdown(fd, SHUT_RDWR);
      }
    }
    workers.reset();  // runs what is queued, joins
    for (auto& reactor : reactors) {
      {
        std::lock_guard lock(reactor->returned_mutex);
        reactor->returned.clear();
      }
      open_connections -= reactor->connections.size();
      reactor->connections.clear();
    }
  }

  // --- the epoll thread ---

  void run(Reactor& reactor) {
    reactor.id.store(std::this_thread::get_id());
    std::vector<epoll_event> events(256);
    auto next_sweep = Clock::now() + kSweepInterval;
    while (!stopping.load()) {
      int ready = ::epoll_wait(reactor.epoll.get(), events.data(), static_cast<int>(events.size()),
                               static_cast<int>(kSweepInterval.count()));
      if (ready < 0 && errno != EINTR) {
        mcp::log::error(kComponent, "epoll_wait failed: {}", std::strerror(errno));
        break;
      }
      for (int i = 0; i < ready; ++i) {
        int fd = events[static_cast<std::size_t>(i)].data.fd;
        if (fd == listener.get()) {
          accept_all(reactor);
        } else if (fd == reactor.wake.get()) {
          std::uint64_t count = 0;
          [[maybe_unused]] auto ignored = ::read(reactor.wake.get(), &count, sizeof count);
        } else if (auto found = reactor.connections.find(fd); found != reactor.connections.end()) {
          auto connection = found->second;
          on_readable(connection);
        }
      }
      take_returned(reactor);
      if (auto now = Clock::now(); now >= next_sweep) {
        sweep(reactor, now);
        next_sweep = now + kSweepInterval;
      }
    }
    // Stopping: connections nobody is working on close now; deferred ones once their worker is done.
    ::epoll_ctl(reactor.epoll.get(), EPOLL_CTL_DEL, listener.get(), nullptr);
    for (auto it = reactor.connections.begin(); it != reactor.connections.end();) {
      if (it->second->phase != Connection::Phase::deferred) {
        --open_connections;
        it = reactor.connections.erase(it);
      } else {
        ++it;
      }
    }
  }

  void accept_all(Reactor& reactor) {
    for (;;) {
      int fd = ::accept4(listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno == EMFILE || errno == ENFILE) {
          // Out of descriptors: free the spare one to take the connection off the queue and close
          // it, else the listener stays readable and this thread spins.
          mcp::log::warn(kComponent, "out of file descriptors: refusing a connection");
          std::lock_guard spare_lock(spare_mutex);
          spare.reset();
          UniqueFd dropped(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
          spare.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
          ++refused_connections;
          continue;
        }
        return;  // EAGAIN: the queue is empty
      }
      if (open_connections.fetch_add(1) >= options.max_connections) {
        --open_connections;
        ++refused_connections;
        auto response = error_responder(
            503, fmt::format("the server has {} open connections; try again later", options.max_connections));
        write_now(fd, response, false, 1);
        ::close(fd);
        continue;
      }
      int yes = 1;
      // Responses go in one write, but a stream's events are small writes that must not wait for
      // the peer's delayed ACK.
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
      auto connection = std::make_shared<Connection>(fd);
      connection->deadline = Clock::now() + options.keep_alive_timeout;
      // Round robin: one wake-up may accept a burst of connections, which must not all land on
      // the thread that happened to wake.
      Reactor& owner_reactor = *reactors[next_reactor++ % reactors.size()];
      connection->reactor = &owner_reactor;
      if (&owner_reactor == &reactor) {
        reactor.connections.emplace(fd, connection);
        reactor.watch(fd, EPOLLIN, EPOLL_CTL_ADD);
      } else {
        connection->watched = false;
        {
          std::lock_guard lock(owner_reactor.returned_mutex);
          owner_reactor.returned.emplace_back(std::move(connection), true);
        }
        owner_reactor.signal_wake();
      }
    }
  }

  // Best effort, never blocking: used for refusals on the epoll thread.
  void write_now(int fd, const Response& response, bool keep_alive, int version_minor) {
    auto head = response_head(response.status, response.headers, response.content_type, response.body.size(),
                              keep_alive, version_minor, false);
    iovec iov[2] = {{head.data(), head.size()}, {const_cast<char*>(response.body.data()), response.body.size()}};
    send_some(fd, iov, 2);
  }

  void close_connection(const std::shared_ptr<Connection>& connection) {
    int fd = connection->fd.get();
    unwatch(*connection);
    if (connection->reactor->connections.erase(fd) > 0) --open_connections;
  }

  void unwatch(Connection& connection) {
    if (!connection.watched) return;
    ::epoll_ctl(connection.reactor->epoll.get(), EPOLL_CTL_DEL, connection.fd.get(), nullptr);
    connection.watched = false;
  }

  void rewatch(Connection& connection) {
    if (connection.watched) return;
    connection.reactor->watch(connection.fd.get(), EPOLLIN, EPOLL_CTL_ADD);
    connection.watched = true;
  }

  // Closing right after an answer while the client's bytes are still unread would reset the
  // connection, and the client could lose the answer: shut down our side, read and drop what
  // still comes for a moment, then close.
  void close_gracefully(const std::shared_ptr<Connection>& connection) {
    if (connection->peer_closed) {
      close_connection(connection);
      return;
    }
    ::shutdown(connection->fd.get(), SHUT_WR);
    connection->draining = true;
    connection->phase = Connection::Phase::reading;
    connection->in.clear();
    connection->deadline = Clock::now() + std::chrono::seconds(2);
    rewatch(*connection);
  }

  void on_readable(const std::shared_ptr<Connection>& connection) {
    if (connection->phase != Connection::Phase::reading) return;
    if (connection->draining) {
      char scratch[16 * 1024];
      for (int i = 0; i < 16; ++i) {
        ssize_t got = ::recv(connection->fd.get(), scratch, sizeof scratch, 0);
        if (got > 0) continue;
        if (got < 0 && (errno == EINTR)) continue;
        if (got < 0 && is_would_block(errno)) return;
        break;
      }
      close_connection(connection);
      return;
    }
    // Bounded per wake-up so one busy client cannot hold the thread; level-triggered epoll
    // comes back for the rest.
    constexpr std::size_t kPerWake = 4 * Reactor::kReadChunk;
    auto& read_buffer = connection->reactor->read_buffer;
    std::size_t taken = 0;
    while (taken < kPerWake) {
      ssize_t got = ::recv(connection->fd.get(), read_buffer.data(), read_buffer.size(), 0);
      if (got > 0) {
        connection->in.append(read_buffer.data(), static_cast<std::size_t>(got));
        taken += static_cast<std::size_t>(got);
        if (static_cast<std::size_t>(got) < read_buffer.size()) break;
        continue;
      }
      if (got == 0) {
        connection->peer_closed = true;
        unwatch(*connection);
        break;
      }
      if (errno == EINTR) continue;
      if (is_would_block(errno)) break;
      close_connection(connection);  // reset by the peer
      return;
    }
    serve(connection);
  }

  // Parses and handles every complete request in the buffer, in order, while the connection
  // stays on this thread.
  void serve(const std::shared_ptr<Connection>& connection) {
    while (connection->phase == Connection::Phase::reading) {
      if (connection->in.empty()) {
        if (connection->peer_closed) {
          close_connection(connection);
          return;
        }
        connection->request_started = false;
        connection->deadline = Clock::now() + options.keep_alive_timeout;
        return;
      }
      if (!connection->request_started) {
        connection->request_started = true;
        connection->continue_sent = false;
        connection->deadline = Clock::now() + options.request_timeout;
      }
      HttpRequest request;
      auto parsed = parse_request(connection->in, options.limits, request);
      if (parsed.state == ParseState::need_more) {
        if (connection->peer_closed) {
          close_connection(connection);
        } else if (!connection->continue_sent && expects_continue(connection->in)) {
          connection->continue_sent = true;
          static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
          iovec iov{const_cast<char*>(kContinue.data()), kContinue.size()};
          send_some(connection->fd.get(), &iov, 1);
        }
        return;
      }
      if (parsed.state == ParseState::error) {
        ++malformed_requests;
        mcp::log::debug(kComponent, "refused a request ({}): {}", parsed.status, parsed.error);
        write_now(connection->fd.get(), error_responder(parsed.status, parsed.error), false, 1);
        close_gracefully(connection);
        return;
      }
      connection->in.erase(0, parsed.consumed);
      connection->request_started = false;
      ++connection->served;
      bool keep_alive = request.keep_alive && !connection->peer_closed &&
                        connection->served < options.keep_alive_max_requests && !stopping.load();
      connection->phase = Connection::Phase::handling;
      connection->close_after = false;
      int version_minor = request.version_minor;
      try {
        handler(std::move(request), Server::new_exchange(owner, connection, keep_alive, version_minor));
      } catch (const std::exception& e) {
        mcp::log::error(kComponent, "request handler failed: {}", e.what());
      }
      if (connection->phase == Connection::Phase::handling) {
        // The handler threw before its exchange was answered (the exchange closed it) or
        // kept the exchange somewhere: neither leaves the connection usable.
        connection->phase = Connection::Phase::reading;
        connection->close_after = true;
      }
      if (connection->phase == Connection::Phase::reading && connection->close_after) {
        close_gracefully(connection);
        return;
      }
    }
  }

  // Connections whose deferred exchange ended come back here.
  void take_returned(Reactor& reactor) {
    std::vector<std::pair<std::shared_ptr<Connection>, bool>> batch;
    {
      std::lock_guard lock(reactor.returned_mutex);
      if (reactor.returned.empty()) return;
      batch.swap(reactor.returned);
    }
    for (auto& [connection, keep_open] : batch) {
      // A connection another thread accepted for this one arrives here too.
      reactor.connections.emplace(connection->fd.get(), connection);
      connection->phase = Connection::Phase::reading;
      if (!keep_open) {
        close_gracefully(connection);
        continue;
      }
      if (connection->peer_closed) {
        close_connection(connection);
        continue;
      }
      rewatch(*connection);
      serve(connection);
    }
  }

  void sweep(Reactor& reactor, Clock::time_point now) {
    std::vector<std::shared_ptr<Connection>> expired;
    for (auto& [fd, connection] : reactor.connections) {
      if (connection->phase == Connection::Phase::reading && now >= connection->deadline) expired.push_back(connection);
    }
    for (auto& connection : expired) {
      if (connection->draining) {
        close_connection(connection);
        continue;
      }
      if (connection->request_started) {
        ++timed_out_requests;
        write_now(connection->fd.get(),
                  error_responder(408, fmt::format("the request did not arrive within {} ms",
                                                   options.request_timeout.count())),
                  false, 1);
        close_gracefully(connection);
        continue;
      }
      close_connection(connection);
    }
  }

  // --- from exchanges ---

  void give_back(std::shared_ptr<Connection> connection, bool keep_open) {
    Reactor& reactor = *connection->reactor;
    {
      std::lock_guard lock(reactor.returned_mutex);
      reactor.returned.emplace_back(std::move(connection), keep_open);
    }
    {
      std::lock_guard lock(deferred_mutex);
      --deferred_count;
    }
    deferred_cv.notify_all();
    reactor.signal_wake();
  }

  Server* owner = nullptr;
};

// --- Exchange ---

Exchange::Exchange(Server* server, std::shared_ptr<Connection> connection, bool keep_alive, int version_minor)
    : server_(server), connection_(std::move(connection)), keep_alive_(keep_alive), version_minor_(version_minor) {}

Exchange::Exchange(Exchange&& other) noexcept
    : server_(other.server_),
      connection_(std::move(other.connection_)),
      keep_alive_(other.keep_alive_),
      version_minor_(other.version_minor_),
      streaming_(other.streaming_),
      stream_ok_(other.stream_ok_) {}

Exchange& Exchange::operator=(Exchange&& other) noexcept {
  if (this != &other) {
    if (connection_) finish(false);
    server_ = other.server_;
    connection_ = std::move(other.connection_);
    keep_alive_ = other.keep_alive_;
    version_minor_ = other.version_minor_;
    streaming_ = other.streaming_;
    stream_ok_ = other.stream_ok_;
  }
  return *this;
}

Exchange::~Exchange() {
  if (connection_) finish(false);
}

bool Exchange::closing() const { return !keep_alive_ || server_->impl_->stopping.load(); }

void Exchange::finish(bool keep_open) {
  auto connection = std::move(connection_);
  if (!connection) return;
  auto& impl = *server_->impl_;
  if (connection->phase == Connection::Phase::handling && Server::Impl::on_reactor(*connection)) {
    connection->phase = Connection::Phase::reading;
    connection->close_after = !keep_open;
    return;
  }
  impl.give_back(std::move(connection), keep_open);
}

void Exchange::respond(Response response) {
  if (!connection_) return;
  auto& impl = *server_->impl_;
  bool keep = keep_alive_ && !impl.stopping.load();
  auto head = response_head(response.status, response.headers, response.content_type, response.body.size(), keep,
                            version_minor_, false);
  int fd = connection_->fd.get();
  if (connection_->phase == Connection::Phase::handling && Server::Impl::on_reactor(*connection_)) {
    iovec iov[2] = {{head.data(), head.size()}, {response.body.data(), response.body.size()}};
    ssize_t written = send_some(fd, iov, 2);
    if (written < 0) {
      finish(false);
      return;
    }
    if (static_cast<std::size_t>(written) == head.size() + response.body.size()) {
      finish(keep);
      return;
    }
    // The socket is full (a big answer or a client that reads slowly): a worker writes the rest,
    // so this thread never waits for one client.
    std::string rest = head + response.body;
    rest.erase(0, static_cast<std::size_t>(written));
    defer([rest = std::move(rest), keep](Exchange exchange) mutable {
      auto& inner = *exchange.server_->impl_;
      iovec iov{rest.data(), rest.size()};
      bool ok = write_all(exchange.connection_->fd.get(), &iov, 1, inner.options.send_timeout);
      exchange.finish(ok && keep);
    });
    return;
  }
  iovec iov[2] = {{head.data(), head.size()}, {response.body.data(), response.body.size()}};
  bool ok = write_all(fd, iov, 2, impl.options.send_timeout);
  finish(ok && keep);
}

bool Exchange::begin_stream(int status, std::string_view content_type, const Headers& headers) {
  if (!connection_) return false;
  auto& impl = *server_->impl_;
  // HTTP/1.0 has no chunked encoding: the end of the connection ends the stream.
  if (version_minor_ == 0) keep_alive_ = false;
  streaming_ = true;
  auto head = response_head(status, headers, content_type, std::nullopt, keep_alive_ && !impl.stopping.load(),
                            version_minor_, version_minor_ >= 1);
  iovec iov{head.data(), head.size()};
  stream_ok_ = write_all(connection_->fd.get(), &iov, 1, impl.options.send_timeout);
  return stream_ok_;
}

bool Exchange::write_stream(std::string_view data) {
  if (!connection_ || !streaming_ || !stream_ok_) return false;
  if (data.empty()) return true;
  auto& impl = *server_->impl_;
  if (version_minor_ == 0) {
    iovec iov{const_cast<char*>(data.data()), data.size()};
    stream_ok_ = write_all(connection_->fd.get(), &iov, 1, impl.options.send_timeout);
    return stream_ok_;
  }
  auto size_line = fmt::format("{:x}\r\n", data.size());
  static constexpr std::string_view kCrlf = "\r\n";
  iovec iov[3] = {{size_line.data(), size_line.size()},
                  {const_cast<char*>(data.data()), data.size()},
                  {const_cast<char*>(kCrlf.data()), kCrlf.size()}};
  stream_ok_ = write_all(connection_->fd.get(), iov, 3, impl.options.send_timeout);
  return stream_ok_;
}

void Exchange::end_stream() {
  if (!connection_) return;
  auto& impl = *server_->impl_;
  if (streaming_ && stream_ok_ && version_minor_ >= 1) {
    static constexpr std::string_view kLastChunk = "0\r\n\r\n";
    iovec iov{const_cast<char*>(kLastChunk.data()), kLastChunk.size()};
    stream_ok_ = write_all(connection_->fd.get(), &iov, 1, impl.options.send_timeout);
  }
  finish(streaming_ && stream_ok_ && keep_alive_ && !impl.stopping.load());
}

void Exchange::defer(std::function<void(Exchange)> task) {
  if (!connection_) return;
  auto& impl = *server_->impl_;
  if (connection_->phase == Connection::Phase::handling) {
    connection_->phase = Connection::Phase::deferred;
    // While a worker owns it, the connection's further bytes (a pipelined request) wait unread.
    impl.unwatch(*connection_);
    std::lock_guard lock(impl.deferred_mutex);
    ++impl.deferred_count;
  }
  auto shared = std::make_shared<Exchange>(std::move(*this));
  auto run = [shared, task = std::move(task)]() mutable { task(std::move(*shared)); };
  if (impl.workers && !impl.workers->on_worker_thread()) {
    impl.workers->post(std::move(run));
  } else {
    run();  // already on a worker: carry on here
  }
}

// --- Server ---

Server::Server(ServerOptions options, Handler handler, ErrorResponder error_responder)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler), std::move(error_responder))) {
  impl_->owner = this;
}

Server::~Server() { stop(); }

Exchange Server::new_exchange(Server* server, std::shared_ptr<Connection> connection, bool keep_alive,
                              int version_minor) {
  return Exchange(server, std::move(connection), keep_alive, version_minor);
}

void Server::start() { impl_->start(); }
int Server::port() const { return impl_->port; }
void Server::stop() { impl_->stop(); }

Server::Counters Server::counters() const {
  Counters counters;
  counters.open_connections = impl_->open_connections.load();
  counters.refused_connections = impl_->refused_connections.load();
  counters.timed_out_requests = impl_->timed_out_requests.load();
  counters.malformed_requests = impl_->malformed_requests.load();
  return counters;
}

}  // namespace lh::transport::http1
