// A stdio peer that sends an endless line must not grow our memory: the line is skipped and
// reported, and the lines after it are served.
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support.hpp"
#include "transport/fd.hpp"
#include "transport/json_text.hpp"
#include "transport/line_reader.hpp"
#include "transport/stdio_server.hpp"

using namespace lh::transport;
using namespace lh::transport::test;

namespace {

void write_all_text(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    auto n = ::write(fd, text.data() + done, text.size() - done);
    REQUIRE(n > 0);
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

TEST_CASE("line reader: a line over the limit is reported once with its size and skipped to its newline") {
  auto pipe = make_pipe();
  std::vector<std::string> lines;
  std::vector<std::size_t> too_long;
  std::thread writer([fd = pipe.write_end.get()] {
    write_all_text(fd, "short\n");
    // 300 KiB in several writes, no newline until the end.
    for (int i = 0; i < 3; ++i) write_all_text(fd, std::string(100 * 1024, 'x'));
    write_all_text(fd, "tail of the long line\nnext\n");
    write_all_text(fd, std::string(2000, 'y') + "\nlast");
  });
  LineReader reader(pipe.read_end.get(), 1000);
  std::thread closer([&] {
    writer.join();
    pipe.write_end.reset();
  });
  auto end = reader.run([&](std::string_view line) { lines.emplace_back(line); }, {},
                        [&](std::size_t bytes) { too_long.push_back(bytes); });
  closer.join();
  CHECK(end == LineReader::End::eof);
  CHECK(lines == std::vector<std::string>{"short", "next", "last"});
  REQUIRE(too_long.size() == 2);
  CHECK(too_long[0] > 1000);
  CHECK(too_long[1] == 2000);
}

TEST_CASE("stdio server: a message over its size limit gets -32600 naming the limit and the next message is served") {
  auto input = make_pipe();
  auto output = make_pipe();
  Recorder recorder;
  auto transport = std::make_shared<StdioServerTransport>(input.read_end.get(), output.write_end.get(), 64 * 1024);
  transport->start(recorder.handlers());

  std::thread writer([fd = input.write_end.get()] {
    write_all_text(fd, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"pad\":\"");
    for (int i = 0; i < 16; ++i) write_all_text(fd, std::string(64 * 1024, 'a'));
    write_all_text(fd, "\"}}\n{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}\n");
  });
  writer.join();

  REQUIRE(recorder.wait_messages(1));
  CHECK(recorder.messages()[0]["id"] == 2);
  REQUIRE(recorder.wait_errors(1));

  // The answer is written when the reader has drained its input; wait for it on a reader of our own.
  LineReader out(output.read_end.get());
  std::string answer;
  std::mutex mutex;
  std::condition_variable arrived;
  std::thread output_thread([&] {
    out.run([&](std::string_view line) {
      std::lock_guard lock(mutex);
      if (answer.empty()) answer = line;
      arrived.notify_all();
    });
  });
  {
    std::unique_lock lock(mutex);
    arrived.wait_for(lock, std::chrono::seconds(30), [&] { return !answer.empty(); });
  }
  out.stop();
  output_thread.join();
  transport->close();
  auto parsed = parse_json(answer);
  REQUIRE(parsed);
  CHECK((*parsed)["id"].is_null());
  CHECK((*parsed)["error"]["code"] == -32600);
  CHECK((*parsed)["error"]["message"].get<std::string>().rfind(
            "Invalid Request: message larger than 65536 bytes (at least ", 0) == 0);
}
