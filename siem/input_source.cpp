#include "siem/input_source.hpp"

#include <zip.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <system_error>
#include <unistd.h>

#include <fmt/format.h>
#include <simdjson.h>

#include "siem/input_evtx.hpp"
#include "siem/input_json.hpp"
#include "siem/text_util.hpp"

namespace lh::siem {
namespace {

// Largest unit read into memory at once; a bigger entry is refused rather than exhausting memory.
constexpr std::uint64_t kMaxUnitBytes = 8ull * 1024 * 1024 * 1024;

struct ZipCloser {
  void operator()(zip_t* archive) const { zip_discard(archive); }
};
struct ZipFileCloser {
  void operator()(zip_file_t* file) const { zip_fclose(file); }
};
using ZipPtr = std::unique_ptr<zip_t, ZipCloser>;

std::string zip_open_error(int code) {
  zip_error_t error;
  zip_error_init_with_code(&error, code);
  std::string message = zip_error_strerror(&error);
  zip_error_fini(&error);
  return message;
}

ZipPtr open_zip(const std::filesystem::path& path, std::string& error_message) {
  int code = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code);
  if (archive == nullptr) {
    error_message = fmt::format("cannot open zip archive: {}", zip_open_error(code));
    return nullptr;
  }
  return ZipPtr(archive);
}

void enumerate_zip(const std::filesystem::path& path, std::vector<InputUnit>& units, IngestReport& report) {
  std::string error;
  auto archive = open_zip(path, error);
  if (!archive) {
    report.add_error(fmt::format("{}: {}", path.string(), error));
    return;
  }
  const zip_int64_t count = zip_get_num_entries(archive.get(), 0);
  for (zip_int64_t index = 0; index < count; ++index) {
    const char* name = zip_get_name(archive.get(), static_cast<zip_uint64_t>(index), 0);
    if (name == nullptr) continue;
    const std::string_view entry(name);
    if (entry.empty() || entry.back() == '/') continue;  // directory entries
    const auto format = format_from_name(entry);
    if (!format) continue;
    units.push_back(InputUnit{fmt::format("{}!{}", path.string(), entry), path, true,
                              static_cast<std::uint64_t>(index), *format});
  }
}

void add_path(const std::filesystem::path& path, bool explicit_path, std::vector<InputUnit>& units,
              IngestReport& report) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    report.add_error(fmt::format("{}: cannot read input: {}", path.string(),
                                 ec ? ec.message() : std::string("no such file or directory")));
    return;
  }
  if (std::filesystem::is_directory(status)) {
    std::vector<std::filesystem::path> children;
    std::filesystem::recursive_directory_iterator it(path, std::filesystem::directory_options::skip_permission_denied, ec);
    if (ec) {
      report.add_error(fmt::format("{}: cannot list folder: {}", path.string(), ec.message()));
      return;
    }
    for (const auto& entry : it) {
      std::error_code entry_ec;
      if (entry.is_regular_file(entry_ec)) children.push_back(entry.path());
    }
    std::sort(children.begin(), children.end());  // deterministic order
    for (const auto& child : children) add_path(child, false, units, report);
    return;
  }
  const std::string name = path.filename().string();
  if (iequals(path.extension().string(), ".zip")) {
    enumerate_zip(path, units, report);
    return;
  }
  auto format = format_from_name(name);
  if (!format) {
    if (!explicit_path) return;
    format = UnitFormat::json;
  }
  units.push_back(InputUnit{path.string(), path, false, 0, *format});
}

std::string read_zip_entry(const InputUnit& unit, simdjson::padded_string& out) {
  std::string error;
  auto archive = open_zip(unit.path, error);
  if (!archive) return error;
  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_stat_index(archive.get(), unit.zip_index, 0, &stat) != 0 || (stat.valid & ZIP_STAT_SIZE) == 0) {
    return fmt::format("cannot stat zip entry: {}", zip_strerror(archive.get()));
  }
  if (stat.size > kMaxUnitBytes) {
    return fmt::format("zip entry of {} bytes is larger than the {} byte limit", stat.size, kMaxUnitBytes);
  }
  std::unique_ptr<zip_file_t, ZipFileCloser> entry(zip_fopen_index(archive.get(), unit.zip_index, 0));
  if (!entry) return fmt::format("cannot open zip entry: {}", zip_strerror(archive.get()));
  simdjson::padded_string buffer(static_cast<std::size_t>(stat.size));
  std::size_t filled = 0;
  while (filled < buffer.size()) {
    const zip_int64_t got = zip_fread(entry.get(), buffer.data() + filled, buffer.size() - filled);
    if (got < 0) return fmt::format("corrupt zip entry: {}", zip_file_strerror(entry.get()));
    if (got == 0) break;
    filled += static_cast<std::size_t>(got);
  }
  if (filled != buffer.size()) {
    return fmt::format("truncated zip entry: {} of {} bytes", filled, buffer.size());
  }
  out = std::move(buffer);
  return {};
}

// libevtx reads from a path, so an .evtx inside an archive is extracted to a private temporary file.
class TemporaryFile {
 public:
  TemporaryFile() {
    std::string pattern = (std::filesystem::temp_directory_path() / "lh-evtx-XXXXXX").string();
    const int fd = ::mkstemp(pattern.data());
    if (fd >= 0) {
      ::close(fd);
      path_ = pattern;
    }
  }
  ~TemporaryFile() {
    if (!path_.empty()) {
      std::error_code ec;
      std::filesystem::remove(path_, ec);
    }
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace

std::optional<UnitFormat> format_from_name(std::string_view name) {
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const std::string extension = to_lower_ascii(name.substr(dot));
  if (extension == ".json" || extension == ".jsonl" || extension == ".ndjson") return UnitFormat::json;
  if (extension == ".evtx") return UnitFormat::evtx;
  return std::nullopt;
}

std::vector<InputUnit> enumerate_inputs(const std::vector<std::filesystem::path>& paths, IngestReport& report) {
  std::vector<InputUnit> units;
  for (const auto& path : paths) add_path(path, true, units, report);
  return units;
}

std::string read_unit(const InputUnit& unit, RecordSink& sink) {
  if (unit.format == UnitFormat::evtx) {
    if (!unit.in_zip) return read_evtx_file(unit.path, sink);
    simdjson::padded_string buffer;
    if (auto error = read_zip_entry(unit, buffer); !error.empty()) return error;
    TemporaryFile temporary;
    if (temporary.path().empty()) return "cannot create a temporary file for the EVTX entry";
    {
      std::ofstream out(temporary.path(), std::ios::binary);
      out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      if (!out) return "cannot write a temporary file for the EVTX entry";
    }
    return read_evtx_file(temporary.path(), sink);
  }
  if (!unit.in_zip) {
    std::FILE* file = std::fopen(unit.path.c_str(), "rb");
    if (file == nullptr) return fmt::format("cannot open file: {}", std::strerror(errno));
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(file, &std::fclose);
    std::string read_error;
    const bool ok = parse_json_stream(
        [&](char* into, std::size_t size) -> std::ptrdiff_t {
          const std::size_t got = std::fread(into, 1, size, file);
          if (got == 0 && std::ferror(file)) {
            read_error = fmt::format("read error: {}", std::strerror(errno));
            return -1;
          }
          return static_cast<std::ptrdiff_t>(got);
        },
        sink);
    return ok ? std::string() : read_error;
  }
  std::string error;
  auto archive = open_zip(unit.path, error);
  if (!archive) return error;
  std::unique_ptr<zip_file_t, ZipFileCloser> entry(zip_fopen_index(archive.get(), unit.zip_index, 0));
  if (!entry) return fmt::format("cannot open zip entry: {}", zip_strerror(archive.get()));
  std::string read_error;
  const bool ok = parse_json_stream(
      [&](char* into, std::size_t size) -> std::ptrdiff_t {
        const zip_int64_t got = zip_fread(entry.get(), into, size);
        if (got < 0) {
          read_error = fmt::format("corrupt zip entry: {}", zip_file_strerror(entry.get()));
          return -1;
        }
        return static_cast<std::ptrdiff_t>(got);
      },
      sink);
  return ok ? std::string() : read_error;
}

namespace {

using FilePtr = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;

// Parts stream through a smaller buffer than whole units: several are read at once (it still grows for a
// longer line). 256 KB leaves what was just read in the core's cache when it is parsed (1 MB did not: loading
// took about 1% longer).
constexpr std::size_t kPartChunkBytes = 256u << 10;

FilePtr open_file(const std::filesystem::path& path) { return FilePtr(std::fopen(path.c_str(), "rb"), &std::fclose); }

// Offset just after the first newline at or after `from`; `size` when there is none.
std::uint64_t next_line_start(std::FILE* file, std::uint64_t from, std::uint64_t size) {
  if (std::fseek(file, static_cast<long>(from), SEEK_SET) != 0) return size;
  std::vector<char> block(1u << 16);
  std::uint64_t position = from;
  while (position < size) {
    const std::size_t got = std::fread(block.data(), 1, block.size(), file);
    if (got == 0) return size;
    if (const void* newline = std::memchr(block.data(), '\n', got)) {
      return position + static_cast<std::uint64_t>(static_cast<const char*>(newline) - block.data()) + 1;
    }
    position += got;
  }
  return size;
}

}  // namespace

std::vector<std::uint64_t> split_json_lines(const InputUnit& unit, std::uint64_t part_bytes) {
  if (unit.in_zip || unit.format != UnitFormat::json || part_bytes == 0) return {};
  std::error_code ec;
  const std::uint64_t size = std::filesystem::file_size(unit.path, ec);
  if (ec || size < 2 * part_bytes) return {};
  auto file = open_file(unit.path);
  if (!file) return {};
  // Decide JSON lines vs one document from the start, as the reader would (the first line must be complete
  // within the first part). Usually the first few kilobytes tell; more is read only while they do not.
  const auto head_limit = static_cast<std::size_t>(std::min<std::uint64_t>(part_bytes, 8u << 20));
  std::vector<char> head;
  std::size_t got = 0;
  std::optional<bool> lines;
  for (std::size_t wanted = std::min<std::size_t>(head_limit, 64u << 10);; wanted = std::min(head_limit, wanted * 2)) {
    head.resize(wanted);
    got += std::fread(head.data() + got, 1, wanted - got, file.get());
    lines = starts_as_json_lines(head.data(), got, got == size);
    if (lines || got < wanted || wanted == head_limit) break;
  }
  if (!lines || !*lines) return {};
  // The last parts are smaller: the threads take parts in file order, and the one that finishes first waits
  // for the other's last part, so ending on parts of a quarter of the size cuts that wait about fourfold.
  const std::uint64_t tail_part = std::max<std::uint64_t>(part_bytes / 4, 1);
  const std::uint64_t tail_from = size > 2 * part_bytes ? size - 2 * part_bytes : 0;
  std::vector<std::uint64_t> starts{0};
  for (std::uint64_t target = part_bytes; target < size; target += target < tail_from ? part_bytes : tail_part) {
    const std::uint64_t start = next_line_start(file.get(), std::max(target, starts.back()), size);
    if (start >= size) break;
    if (start > starts.back()) starts.push_back(start);
  }
  if (starts.size() < 2) return {};
  return starts;
}

std::string read_json_lines_part(const InputUnit& unit, std::uint64_t begin, std::uint64_t end, RecordSink& sink,
                                 std::uint64_t& newlines) {
  newlines = 0;
  auto file = open_file(unit.path);
  if (!file) return fmt::format("cannot open file: {}", std::strerror(errno));
  if (std::fseek(file.get(), static_cast<long>(begin), SEEK_SET) != 0) {
    return fmt::format("cannot seek to byte {}: {}", begin, std::strerror(errno));
  }
  std::uint64_t remaining = end - begin;
  std::string read_error;
  const bool ok = parse_json_lines_stream(
      [&](char* into, std::size_t size) -> std::ptrdiff_t {
        const std::size_t wanted = static_cast<std::size_t>(std::min<std::uint64_t>(size, remaining));
        if (wanted == 0) return 0;
        const std::size_t got = std::fread(into, 1, wanted, file.get());
        if (got == 0) {
          read_error = std::ferror(file.get()) ? fmt::format("read error: {}", std::strerror(errno))
                                               : fmt::format("file shrank while reading (byte {})", end - remaining);
          return -1;
        }
        remaining -= got;
        return static_cast<std::ptrdiff_t>(got);
      },
      sink, begin == 0, kPartChunkBytes, &newlines);
  return ok ? std::string() : read_error;
}

}  // namespace lh::siem
