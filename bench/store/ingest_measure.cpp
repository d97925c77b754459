#include "bench/store/ingest_measure.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <chrono>
#include <sstream>
#include <stdexcept>

#include "bench/store/process_tools.hpp"
#include "siem/event_store.hpp"

namespace lh::bench {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Folds every byte the parser produced into `sink`, so the compiler cannot drop the work.
void touch_value(simdjson::ondemand::value value, std::uint64_t& sink);

void touch_object(simdjson::ondemand::object object, std::uint64_t& sink) {
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key)) throw std::runtime_error("simdjson: bad key");
    sink += key.size();
    touch_value(field.value(), sink);
  }
}

void touch_value(simdjson::ondemand::value value, std::uint64_t& sink) {
  simdjson::ondemand::json_type type;
  if (value.type().get(type)) throw std::runtime_error("simdjson: bad value");
  switch (type) {
    case simdjson::ondemand::json_type::object: {
      simdjson::ondemand::object object;
      if (value.get_object().get(object)) throw std::runtime_error("simdjson: bad object");
      touch_object(object, sink);
      return;
    }
    case simdjson::ondemand::json_type::array: {
      simdjson::ondemand::array array;
      if (value.get_array().get(array)) throw std::runtime_error("simdjson: bad array");
      for (auto element : array) {
        simdjson::ondemand::value item;
        if (element.get(item)) throw std::runtime_error("simdjson: bad array element");
        touch_value(item, sink);
      }
      return;
    }
    case simdjson::ondemand::json_type::string: {
      std::string_view text;
      if (value.get_string().get(text)) throw std::runtime_error("simdjson: bad string");
      sink += text.size();
      return;
    }
    case simdjson::ondemand::json_type::number: {
      simdjson::ondemand::number number;
      if (value.get_number().get(number)) throw std::runtime_error("simdjson: bad number");
      sink += static_cast<std::uint64_t>(number.get_number_type());
      return;
    }
    case simdjson::ondemand::json_type::boolean: {
      bool flag = false;
      if (value.get_bool().get(flag)) throw std::runtime_error("simdjson: bad boolean");
      sink += flag ? 1 : 0;
      return;
    }
    case simdjson::ondemand::json_type::null:
      sink += value.is_null() ? 1 : 0;
      return;
  }
}

}  // namespace

IngestSample measure_store_load(const std::filesystem::path& file, unsigned threads) {
  IngestSample sample;
  siem::EventStore store;
  siem::LoadOptions options;
  options.threads = threads;
  const double cpu_start = process_cpu_seconds();
  const auto start = Clock::now();
  const auto report = store.load({file}, options);
  sample.seconds = seconds_since(start);
  sample.cpu_seconds = process_cpu_seconds() - cpu_start;
  sample.events = store.size();
  sample.store_bytes = store.memory_bytes();
  sample.peak_rss_kib = peak_rss_kib();
  if (report.error_count != 0) {
    fmt::print(stderr, "bench_event_store: load reported {} errors:\n{}\n", report.error_count, report.summary());
  }
  return sample;
}

IngestSample measure_simdjson_parse(const std::filesystem::path& file) {
  IngestSample sample;
  const auto read_start = Clock::now();
  simdjson::padded_string json;
  if (simdjson::padded_string::load(file.string()).get(json)) {
    throw std::runtime_error(fmt::format("simdjson: cannot read '{}'", file.string()));
  }
  sample.read_seconds = seconds_since(read_start);

  simdjson::ondemand::parser parser;
  simdjson::ondemand::document_stream stream;
  std::uint64_t sink = 0;
  const double cpu_start = process_cpu_seconds();
  const auto start = Clock::now();
  // Batches of 4 MB: far above any single event, small enough to stay in cache.
  if (parser.iterate_many(json.data(), json.size(), std::size_t{4} << 20).get(stream)) {
    throw std::runtime_error("simdjson: iterate_many failed");
  }
  for (auto document : stream) {
    simdjson::ondemand::object object;
    if (document.get_object().get(object)) {
      throw std::runtime_error(fmt::format("simdjson: document {} is not an object", sample.events + 1));
    }
    touch_object(object, sink);
    ++sample.events;
  }
  sample.seconds = seconds_since(start);
  sample.cpu_seconds = process_cpu_seconds() - cpu_start;
  sample.peak_rss_kib = peak_rss_kib();
  if (sink == 0) fmt::print(stderr, "bench_event_store: simdjson touched nothing\n");
  return sample;
}

std::string to_line(const IngestSample& sample) {
  return fmt::format("seconds={:.6f} events={} peak_rss_kib={} store_bytes={} read_seconds={:.6f} cpu_seconds={:.6f}\n",
                     sample.seconds, sample.events, sample.peak_rss_kib, sample.store_bytes, sample.read_seconds,
                     sample.cpu_seconds);
}

std::optional<IngestSample> from_line(std::string_view line) {
  IngestSample sample;
  std::istringstream in{std::string(line)};
  std::string token;
  int seen = 0;
  while (in >> token) {
    const auto equals = token.find('=');
    if (equals == std::string::npos) continue;
    const std::string key = token.substr(0, equals);
    const std::string value = token.substr(equals + 1);
    if (key == "seconds") sample.seconds = std::stod(value), ++seen;
    if (key == "events") sample.events = std::stoull(value), ++seen;
    if (key == "peak_rss_kib") sample.peak_rss_kib = std::stoull(value), ++seen;
    if (key == "store_bytes") sample.store_bytes = std::stoull(value), ++seen;
    if (key == "read_seconds") sample.read_seconds = std::stod(value), ++seen;
    if (key == "cpu_seconds") sample.cpu_seconds = std::stod(value), ++seen;
  }
  if (seen != 6) return std::nullopt;
  return sample;
}

}  // namespace lh::bench
