#pragma once
// Input enumeration and reading: files or folders (recursive) of .json/.jsonl/.ndjson/.evtx and .zip
// archives of them. Each readable piece (a file or a zip entry) is one InputUnit, read independently so
// units can be parsed in parallel.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "siem/ingest_report.hpp"
#include "siem/record_sink.hpp"

namespace lh::siem {

enum class UnitFormat { json, evtx };

struct InputUnit {
  std::string name;                  // "path" or "archive.zip!entry.json": the prefix of every message
  std::filesystem::path path;        // the file, or the archive
  bool in_zip = false;
  std::uint64_t zip_index = 0;       // entry index inside the archive
  UnitFormat format = UnitFormat::json;
};

// Lists the units under `paths`. Folders are walked recursively (files with other extensions are ignored);
// a path given explicitly is read whatever its extension (JSON assumed unless .evtx/.zip). Missing or
// unreadable paths and unreadable archives are added to `report` as errors naming them.
std::vector<InputUnit> enumerate_inputs(const std::vector<std::filesystem::path>& paths, IngestReport& report);

// Format of a file name by extension; nullopt for names that are not event files.
std::optional<UnitFormat> format_from_name(std::string_view name);

// Reads one unit and feeds its records to `sink`. Returns an empty string on success or an error message
// (without the unit name) when the unit as a whole could not be read.
std::string read_unit(const InputUnit& unit, RecordSink& sink);

// Line-aligned parts of a large JSON-lines file, so that one file can be loaded on several threads: about
// `part_bytes` each, a quarter of that over the last 2 * part_bytes of the file.
// Returns the byte offset where each part starts (the first is 0; each other one follows a newline), or
// nothing when the unit is not a plain file, is smaller than two parts, or is one JSON document.
std::vector<std::uint64_t> split_json_lines(const InputUnit& unit, std::uint64_t part_bytes);

// Reads the bytes [begin, end) of a JSON-lines file (a part from split_json_lines) into `sink`, numbering
// its first line 1; `newlines` receives the number of newline bytes in the range (the next part's line
// offset). Returns an empty string or what made the part unreadable.
std::string read_json_lines_part(const InputUnit& unit, std::uint64_t begin, std::uint64_t end, RecordSink& sink,
                                 std::uint64_t& newlines);

}  // namespace lh::siem
