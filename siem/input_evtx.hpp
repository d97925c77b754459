#pragma once
// Windows .evtx files read with libevtx; every record becomes a FlatEvent in the OTRF layout:
// EventID, Channel, Hostname (Computer), SourceName (Provider), ProviderGuid, TimeCreated (UTC, "Z"),
// RecordNumber, and each EventData <Data Name="X"> (or UserData leaf element) as key X.
#include <filesystem>
#include <string>
#include <string_view>

#include "siem/record_sink.hpp"

namespace lh::siem {

// Reads every record of `path`. Returns an empty string on success, otherwise an error message
// (the file could not be opened). Bad records go to sink.on_bad_record with their record index.
std::string read_evtx_file(const std::filesystem::path& path, RecordSink& sink);

// Converts one record's XML rendering into the flat layout (exposed for tests). Returns false when the XML
// has no <Event> element.
bool flatten_event_xml(std::string_view xml, FlatEvent& out);

}  // namespace lh::siem
