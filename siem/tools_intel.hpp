#pragma once
// get_file_report, get_ip_address_report, get_domain_report: gti-mcp's (Google Threat Intelligence) three report
// tools, answered from the --iocs feed instead of VirusTotal, so a hunt can be enriched offline and in tests.
//
// A value in the feed answers with a VirusTotal v3 object shaped like gti-mcp's:
//   {"id": "<value>", "type": "file" | "ip_address" | "domain", "found": true,
//    "attributes": {"last_analysis_stats": {"malicious", "suspicious", "harmless", "undetected"},
//                   "reputation", "tags", "gti_assessment": {...}, "popular_threat_classification"?},
//    "sources": ["<feed source>", ...]}
// A well-formed value that is not in the feed answers (isError false, no "error" member):
//   {"id": "<value>", "type": ..., "found": false, "attributes": {}, "sources": []}
// A malformed argument answers isError naming the argument ("get_file_report: hash: ...").
#include "mcp/server.hpp"

namespace lh::siem {

struct SiemBackend;

// add_secops_tools calls this only when backend.iocs holds a feed: without --iocs the tools are not listed,
// so a client never routes enrichment to an intel source that knows nothing.
void add_intel_report_tools(mcp::Server& server, SiemBackend& backend);

}  // namespace lh::siem
