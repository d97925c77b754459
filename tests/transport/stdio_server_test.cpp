#include <doctest/doctest.h>
#include <unistd.h>

#include <string>

#include "support.hpp"
#include "transport/fd.hpp"
#include "transport/json_text.hpp"
#include "transport/line_reader.hpp"
#include "transport/stdio_server.hpp"

using namespace lh::transport;
using namespace lh::transport::test;

namespace {

void write_text(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    auto n = ::write(fd, text.data() + done, text.size() - done);
    REQUIRE(n > 0);
    done += static_cast<std::size_t>(n);
  }
}

// Reads the server's output lines on a thread of its own (the pipe must keep draining).
struct OutputLines {
  explicit OutputLines(int fd) : reader(fd), thread([this] {
    reader.run([this](std::string_view line) {
      auto parsed = parse_json(line);
      std::lock_guard lock(mutex);
      lines.emplace_back(line);
      messages.push_back(parsed ? *parsed : Json("<not json>"));
      cv.notify_all();
    });
  }) {}
  ~OutputLines() {
    reader.stop();
    thread.join();
  }
  bool wait(std::size_t count) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, kPatience, [&] { return messages.size() >= count; });
  }
  LineReader reader;
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<std::string> lines;
  std::vector<Json> messages;
  std::thread thread;
};

}  // namespace

TEST_CASE("stdio server: delivers one message per line, answers garbage with -32700 and keeps serving") {
  auto input = make_pipe();
  auto output = make_pipe();
  Recorder recorder;
  auto transport = std::make_shared<StdioServerTransport>(input.read_end.get(), output.write_end.get());
  OutputLines out(output.read_end.get());
  transport->start(recorder.handlers());

  write_text(input.write_end.get(), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n");
  REQUIRE(recorder.wait_messages(1));
  CHECK(recorder.messages()[0]["method"] == "ping");

  write_text(input.write_end.get(), "this is not json\n");
  REQUIRE(out.wait(1));
  CHECK(out.messages[0]["error"]["code"] == -32700);
  CHECK(out.messages[0]["id"].is_null());
  CHECK(out.messages[0]["jsonrpc"] == "2.0");
  REQUIRE(recorder.wait_errors(1));

  // Still serving: CRLF line, blank lines skipped, a message split over two writes.
  write_text(input.write_end.get(), "\n\r\n{\"jsonrpc\":\"2.0\",\"id\":2,");
  write_text(input.write_end.get(), "\"method\":\"tools/list\"}\r\n");
  REQUIRE(recorder.wait_messages(2));
  CHECK(recorder.messages()[1]["id"] == 2);

  write_text(input.write_end.get(), "[1,2]\n");
  REQUIRE(out.wait(2));
  CHECK(out.messages[1]["error"]["code"] == -32600);

  transport->send(Json{{"jsonrpc", "2.0"}, {"id", 2}, {"result", {{"text", "line\nbreak"}}}});
  REQUIRE(out.wait(3));
  // One compact line; the embedded newline stays escaped.
  CHECK(out.lines[2] == R"({"id":2,"jsonrpc":"2.0","result":{"text":"line\nbreak"}})");
  CHECK(recorder.closes() == 0);

  input.write_end.reset();  // EOF
  REQUIRE(recorder.wait_closed());
  CHECK(recorder.closes() == 1);
  // Answers to requests still in progress may be written after input EOF.
  transport->send(Json{{"jsonrpc", "2.0"}, {"id", 3}, {"result", Json::object()}});
  REQUIRE(out.wait(4));
  transport->close();
  CHECK_THROWS_AS(transport->send(Json{{"jsonrpc", "2.0"}, {"id", 4}, {"result", Json::object()}}),
                  lh::mcp::TransportError);
  CHECK(recorder.closes() == 1);
}

TEST_CASE("stdio server: a very long line arrives whole") {
  auto input = make_pipe();
  auto output = make_pipe();
  Recorder recorder;
  auto transport = std::make_shared<StdioServerTransport>(input.read_end.get(), output.write_end.get());
  transport->start(recorder.handlers());
  std::string big(3 * 1024 * 1024, 'x');
  // A jthread: a failed REQUIRE below must not leave a joinable std::thread behind (that aborts).
  std::jthread writer([&] {
    write_text(input.write_end.get(),
               "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"data\":\"" + big + "\"}}\n");
  });
  REQUIRE(recorder.wait_messages(1));
  writer.join();
  CHECK(recorder.messages()[0]["params"]["data"].get<std::string>().size() == big.size());
}

TEST_CASE("stdio server: close() ends the reader and fires on_close once") {
  auto input = make_pipe();
  auto output = make_pipe();
  Recorder recorder;
  auto transport = std::make_shared<StdioServerTransport>(input.read_end.get(), output.write_end.get());
  transport->start(recorder.handlers());
  transport->close();
  REQUIRE(recorder.wait_closed());
  transport->close();
  transport.reset();
  CHECK(recorder.closes() == 1);
}

TEST_CASE("stdio server: concurrent sends never interleave lines") {
  auto input = make_pipe();
  auto output = make_pipe();
  Recorder recorder;
  auto transport = std::make_shared<StdioServerTransport>(input.read_end.get(), output.write_end.get());
  OutputLines out(output.read_end.get());
  transport->start(recorder.handlers());
  constexpr int kThreads = 4;
  constexpr int kEach = 200;
  std::vector<std::thread> senders;
  for (int t = 0; t < kThreads; ++t) {
    senders.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        transport->send(Json{{"jsonrpc", "2.0"}, {"id", t * kEach + i}, {"result", {{"pad", std::string(5000, 'p')}}}});
      }
    });
  }
  for (auto& sender : senders) sender.join();
  REQUIRE(out.wait(kThreads * kEach));
  std::lock_guard lock(out.mutex);
  for (const auto& message : out.messages) CHECK(message.is_object());
  transport->close();
}

TEST_CASE("stdio server: answers given on the reader thread reach the output, pipelined or not") {
  auto input = make_pipe();
  auto output = make_pipe();
  auto transport = std::make_shared<StdioServerTransport>(input.read_end.get(), output.write_end.get());
  OutputLines out(output.read_end.get());
  lh::mcp::Transport::Handlers handlers;
  // Answers every request from inside on_message, as the engine does for inline requests.
  handlers.on_message = [&transport](Json message) {
    transport->send(Json{{"jsonrpc", "2.0"}, {"id", message["id"]}, {"result", Json::object()}});
  };
  transport->start(std::move(handlers));

  // A lone request: its answer must not wait for more input.
  write_text(input.write_end.get(), "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"ping\"}\n");
  REQUIRE(out.wait(1));

  // Many requests in one write: every answer arrives, each on its own line, in order.
  constexpr int kPipelined = 3000;
  std::string burst;
  for (int i = 1; i <= kPipelined; ++i) {
    burst += "{\"jsonrpc\":\"2.0\",\"id\":" + std::to_string(i) + ",\"method\":\"ping\"}\n";
  }
  // A jthread: a failed REQUIRE below must not leave a joinable std::thread behind (that aborts).
  std::jthread writer([&] { write_text(input.write_end.get(), burst); });
  REQUIRE(out.wait(kPipelined + 1));
  writer.join();
  {
    std::lock_guard lock(out.mutex);
    for (int i = 0; i <= kPipelined; ++i) CHECK(out.messages[static_cast<std::size_t>(i)]["id"] == i);
  }
  transport->close();
}

TEST_CASE("stdio server: the first answer of a pipelined chunk leaves before the rest of the chunk is answered") {
  // Declared before the transport: its reader thread may still wait on them when a REQUIRE fails.
  std::mutex mutex;
  std::condition_variable cv;
  bool first_seen_by_client = false;
  auto input = make_pipe();
  auto output = make_pipe();
  auto transport = std::make_shared<StdioServerTransport>(input.read_end.get(), output.write_end.get());
  OutputLines out(output.read_end.get());
  lh::mcp::Transport::Handlers handlers;
  // Inline answers, as the engine gives quick requests; request 2 is answered only once the client
  // has read answer 1 (or after a longer wait than the client's, so that a held answer 1 fails the
  // test instead of hanging it; a slow machine only makes both waits shorter than their bounds).
  handlers.on_message = [&](Json message) {
    if (message["id"] == 2) {
      std::unique_lock lock(mutex);
      cv.wait_for(lock, 2 * kPatience, [&] { return first_seen_by_client; });
    }
    transport->send(Json{{"jsonrpc", "2.0"}, {"id", message["id"]}, {"result", Json::object()}});
  };
  transport->start(std::move(handlers));

  write_text(input.write_end.get(),
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}\n"
             "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}\n");
  bool first_arrived = false;
  {
    std::unique_lock lock(out.mutex);
    first_arrived = out.cv.wait_for(lock, kPatience, [&] { return !out.messages.empty(); });
  }
  CHECK_MESSAGE(first_arrived, "answer 1 was held back until request 2 had been answered");
  {
    std::lock_guard lock(mutex);
    first_seen_by_client = true;
  }
  cv.notify_all();
  REQUIRE(out.wait(3));
  {
    std::lock_guard lock(out.mutex);
    CHECK(out.messages[0]["id"] == 1);
    CHECK(out.messages[1]["id"] == 2);
    CHECK(out.messages[2]["id"] == 3);
  }
  transport->close();
}
