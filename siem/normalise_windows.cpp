#include <algorithm>
#include <array>
#include <charconv>
#include <stdexcept>
#include <unordered_map>

#include <fmt/format.h>

#include "siem/normalise.hpp"
#include "siem/normalise_rules.hpp"
#include "siem/text_util.hpp"
#include "siem/time_parse.hpp"

namespace lh::siem {
namespace {

struct ResolvedField {
  std::string_view raw_key;
  udm::FieldId field = 0;
  udm::FieldId sha1 = 0, md5 = 0, sha256 = 0;  // hashes only
  Conversion conversion = Conversion::text;
  std::uint32_t rank = 0;  // storage_rank of the (first) field it fills
};

struct ResolvedRule {
  const EventRule* rule = nullptr;
  std::vector<ResolvedField> fields;
};

udm::FieldId resolve(const std::string& path) {
  const auto id = udm::find_field(path);
  if (!id) throw std::logic_error(fmt::format("siem.normalise: mapping table names unknown UDM field \"{}\"", path));
  return *id;
}

std::uint64_t rule_key(LogSource source, std::int64_t event_id) {
  return (static_cast<std::uint64_t>(source) << 32) | static_cast<std::uint32_t>(event_id);
}

udm::FieldId first_target(const ResolvedField& field) {
  return field.conversion == Conversion::hashes ? std::min({field.sha1, field.md5, field.sha256}) : field.field;
}

// The order the event store keeps an event's values in (plain fields by id, then maps; see EventStore's
// field ranks): values emitted in it are stored as they come, where any other order is sorted value by value.
std::uint32_t storage_rank(udm::FieldId field) {
  return udm::field_info(field).is_map ? (std::uint32_t{1} << 16) + field : field;
}

class RuleIndex {
 public:
  RuleIndex() {
    for (const auto& rule : windows_event_rules()) {
      ResolvedRule resolved{&rule, {}};
      for (const auto& field : rule.fields) {
        ResolvedField r;
        r.raw_key = field.raw_key;
        r.conversion = field.conversion;
        if (field.conversion == Conversion::hashes) {
          r.sha1 = resolve(field.path + ".sha1");
          r.md5 = resolve(field.path + ".md5");
          r.sha256 = resolve(field.path + ".sha256");
        } else {
          r.field = resolve(field.path);
        }
        r.rank = storage_rank(first_target(r));
        resolved.fields.push_back(r);
      }
      // In the order of the UDM fields they fill (stable: values of one field keep the rule's order), the
      // order the store keeps an event's values in, so storing them moves nothing.
      std::stable_sort(resolved.fields.begin(), resolved.fields.end(),
                       [](const ResolvedField& a, const ResolvedField& b) { return a.rank < b.rank; });
      by_key_.emplace(rule_key(rule.source, rule.event_id), std::move(resolved));
    }
  }
  const ResolvedRule* find(LogSource source, std::int64_t event_id) const {
    const auto it = by_key_.find(rule_key(source, event_id));
    return it == by_key_.end() ? nullptr : &it->second;
  }

 private:
  std::unordered_map<std::uint64_t, ResolvedRule> by_key_;
};

// More than any rule has (the longest, Sysmon 1 and 4648, have 12); extra consumed keys would just stay.
constexpr std::size_t kMaxRuleFields = 24;

const RuleIndex& rule_index() {
  static const RuleIndex index;
  return index;
}

bool is_placeholder(std::string_view value) {
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t' || value.back() == '\r' || value.back() == '\n')) {
    value.remove_suffix(1);
  }
  return value.empty() || value == "-";
}

std::string_view normalise_ip(std::string_view value) {
  if (value.size() > 7 && iequals(value.substr(0, 7), "::ffff:") && value.find('.') != std::string_view::npos) {
    value.remove_prefix(7);
  }
  return value;
}

std::optional<udm::IpProtocol> ip_protocol(std::string_view value) {
  if (iequals(value, "tcp") || value == "6") return udm::IpProtocol::TCP;
  if (iequals(value, "udp") || value == "17") return udm::IpProtocol::UDP;
  if (iequals(value, "icmp") || value == "1") return udm::IpProtocol::ICMP;
  if (iequals(value, "icmpv6") || iequals(value, "icmp6") || value == "58") return udm::IpProtocol::ICMP6;
  return std::nullopt;
}

std::optional<udm::AuthMechanism> logon_mechanism(std::string_view value) {
  const auto number = parse_integer(value);
  if (!number) return std::nullopt;
  switch (*number) {
    case 2: return udm::AuthMechanism::INTERACTIVE;
    case 3: return udm::AuthMechanism::NETWORK;
    case 4: return udm::AuthMechanism::BATCH;
    case 5: return udm::AuthMechanism::SERVICE;
    case 7: return udm::AuthMechanism::UNLOCK;
    case 8: return udm::AuthMechanism::NETWORK_CLEAR_TEXT;
    case 9: return udm::AuthMechanism::NEW_CREDENTIALS;
    case 10: return udm::AuthMechanism::REMOTE_INTERACTIVE;
    case 11: return udm::AuthMechanism::CACHED_INTERACTIVE;
    case 12: return udm::AuthMechanism::CACHED_REMOTE_INTERACTIVE;
    case 13: return udm::AuthMechanism::CACHED_UNLOCK;
    default: return udm::AuthMechanism::MECHANISM_OTHER;
  }
}

// True when every item became a UDM hash (an IMPHASH=... item has no UDM field, so the raw text must stay).
bool add_hashes(std::string_view value, const ResolvedField& rule, udm::EventBuilder& out) {
  bool all_mapped = true;
  // Emitted in field order once all are read (Sysmon writes SHA1 first, whose field comes last).
  std::array<std::pair<udm::FieldId, std::string>, 4> found;
  std::size_t found_count = 0;
  while (!value.empty()) {
    const auto comma = value.find(',');
    const std::string_view item = value.substr(0, comma);
    const auto equals = item.find('=');
    if (equals != std::string_view::npos) {
      const std::string_view algorithm = item.substr(0, equals);
      const udm::FieldId* target = iequals(algorithm, "sha1")     ? &rule.sha1
                                   : iequals(algorithm, "md5")    ? &rule.md5
                                   : iequals(algorithm, "sha256") ? &rule.sha256
                                                                  : nullptr;
      if (target != nullptr) {
        if (found_count == found.size()) {
          // More than a Sysmon line ever holds: emit what was read so far.
          for (auto& [field, digest] : found) out.add_string(field, digest);
          found_count = 0;
        }
        found[found_count++] = {*target, to_lower_ascii(item.substr(equals + 1))};
      } else {
        all_mapped = false;
      }
    } else {
      all_mapped = false;
    }
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  std::stable_sort(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(found_count),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 0; i < found_count; ++i) out.add_string(found[i].first, found[i].second);
  return all_mapped;
}

// Returns true when the value now lives in a UDM field (so additional.fields need not repeat it); false for
// placeholders and values the conversion could not read, which stay in additional.fields only.
bool apply_field(const ResolvedField& rule, std::string_view value, udm::EventBuilder& out) {
  if (is_placeholder(value)) return false;
  switch (rule.conversion) {
    case Conversion::text:
      out.add_string(rule.field, value);
      return true;
    case Conversion::integer:
      if (const auto number = parse_integer(value)) {
        out.add_integer(rule.field, *number);
        return true;
      }
      return false;
    case Conversion::pid:
      if (const auto number = parse_integer(value)) {
        char digits[24];
        const auto written = std::to_chars(digits, digits + sizeof digits, *number).ptr;
        out.add_string(rule.field, std::string_view(digits, static_cast<std::size_t>(written - digits)));
      } else {
        out.add_string(rule.field, value);
      }
      return true;
    case Conversion::ip:
      out.add_string(rule.field, normalise_ip(value));
      return true;
    case Conversion::label:
      out.add_map_string(rule.field, rule.raw_key, value);
      return true;
    case Conversion::hashes:
      return add_hashes(value, rule, out);
    case Conversion::ip_protocol:
      if (const auto protocol = ip_protocol(value)) {
        out.add_enum(rule.field, *protocol);
        return true;
      }
      return false;
    case Conversion::logon_type:
      if (const auto mechanism = logon_mechanism(value)) {
        out.add_enum(rule.field, *mechanism);
        return true;
      }
      return false;
    case Conversion::direction:
      if (iequals(value, "true")) {
        out.add_enum(rule.field, udm::NetworkDirection::OUTBOUND);
        return true;
      }
      if (iequals(value, "false")) {
        out.add_enum(rule.field, udm::NetworkDirection::INBOUND);
        return true;
      }
      return false;
  }
  return false;
}

// Raw keys that stay in additional.fields even when a mapping rule consumed them, because hunt queries
// (skill/techniques/catalogue.json, correlation queries, the query oracle tests) address them by their
// Windows names. Adding a query on additional.fields["X"] for a mapped X means adding X here.
bool always_kept_raw_key(std::string_view key) {
  static constexpr std::array<std::string_view, 15> kKept = {
      "Initiated",   "ClientProcessId", "AccessList",  "TaskContent",        "EventID",
      "Channel",     "DestinationPort", "LogonId",     "TargetLogonId",      "SubjectLogonId",
      "IpPort",      "IpAddress",       "ShareName",   "RelativeTargetName", "ObjectName"};
  return std::find(kKept.begin(), kKept.end(), key) != kKept.end();
}

std::optional<std::int64_t> time_of(const FlatField* field) {
  if (!field) return std::nullopt;
  const auto parsed = parse_timestamp(field->value);
  if (!parsed) return std::nullopt;
  return parsed->micros;
}

std::optional<std::int64_t> time_of(const FlatEvent& event, std::string_view key) { return time_of(event.find(key)); }

std::string_view reporting_host(const FlatEvent& event) {
  for (std::string_view key : {"Hostname", "Computer", "FQDN", "ComputerName"}) {
    if (const auto* field = event.find(key); field && !is_placeholder(field->value)) return field->value;
  }
  return {};
}

constexpr udm::FieldId kProductName = udm::field(udm::TopField::MetadataProductName);
constexpr udm::FieldId kVendorName = udm::field(udm::TopField::MetadataVendorName);
constexpr udm::FieldId kProductLogId = udm::field(udm::TopField::MetadataProductLogId);
constexpr udm::FieldId kDescription = udm::field(udm::TopField::MetadataDescription);
constexpr udm::FieldId kAction = udm::field(udm::TopField::SecurityResultAction);

}  // namespace

LogSource classify_channel(std::string_view channel) {
  // The usual spellings first: a length check rejects most, and no byte needs folding.
  if (channel == "Microsoft-Windows-Sysmon/Operational") return LogSource::sysmon;
  if (channel == "Security") return LogSource::security;
  if (iequals(channel, "Microsoft-Windows-Sysmon/Operational")) return LogSource::sysmon;
  if (iequals(channel, "Security")) return LogSource::security;
  if (iequals(channel, "System")) return LogSource::system;
  if (iequals(channel, "Microsoft-Windows-WinRM/Operational")) return LogSource::winrm;
  if (iequals(channel, "Microsoft-Windows-PowerShell/Operational")) return LogSource::powershell;
  return LogSource::other;
}

bool has_mapping(std::string_view channel, std::int64_t event_id) {
  return rule_index().find(classify_channel(channel), event_id) != nullptr;
}

NormaliseOutcome normalise_windows_event(const FlatEvent& event, udm::EventBuilder& out) {
  NormaliseOutcome outcome;
  const LogSource source = classify_channel(event.value_or_empty("Channel"));
  const auto event_id_text = event.value_or_empty("EventID");
  const auto event_id = parse_integer(event_id_text);
  const ResolvedRule* rule = event_id ? rule_index().find(source, *event_id) : nullptr;

  // ---- time
  const FlatField* at_timestamp = event.find("@timestamp");
  const FlatField* time_created = event.find("TimeCreated");
  outcome.at_timestamp_us = time_of(at_timestamp);
  // Shippers usually write the same text in both: parse it once.
  outcome.time_created_us = at_timestamp != nullptr && time_created != nullptr && time_created->value == at_timestamp->value
                                ? outcome.at_timestamp_us
                                : time_of(time_created);
  outcome.event_time_us = time_of(event, "EventTime");
  if (source == LogSource::sysmon) outcome.utc_time_us = time_of(event, "UtcTime");
  if (outcome.utc_time_us) {
    outcome.time_source = TimeSource::sysmon_utc;
    outcome.time_us = *outcome.utc_time_us;
  } else if (outcome.at_timestamp_us) {
    outcome.time_source = TimeSource::at_timestamp;
    outcome.time_us = *outcome.at_timestamp_us;
  } else if (outcome.time_created_us) {
    outcome.time_source = TimeSource::time_created;
    outcome.time_us = *outcome.time_created_us;
  } else if (outcome.event_time_us) {
    outcome.time_source = TimeSource::event_time;
    outcome.time_us = *outcome.event_time_us;
  }
  out.set_timestamp_us(outcome.time_us);

  // ---- metadata and the reporting host
  outcome.mapped = rule != nullptr;
  outcome.event_type = rule ? rule->rule->event_type : udm::EventType::GENERIC_EVENT;
  out.add_enum(udm::fields::event_type, outcome.event_type);
  if (event_id) {
    char digits[24];
    const auto written = std::to_chars(digits, digits + sizeof digits, *event_id).ptr;
    out.add_string(udm::fields::product_event_type, std::string_view(digits, static_cast<std::size_t>(written - digits)));
  } else if (!event_id_text.empty()) {
    out.add_string(udm::fields::product_event_type, event_id_text);
  }
  std::string_view product = rule && !rule->rule->product_name.empty() ? std::string_view(rule->rule->product_name)
                                                                         : event.value_or_empty("SourceName");
  if (product.empty()) product = event.value_or_empty("ProviderName");
  if (!product.empty()) out.add_string(kProductName, product);
  out.add_string(kVendorName, "Microsoft");
  out.add_string(udm::fields::log_type, source == LogSource::sysmon ? "WINDOWS_SYSMON" : "WINEVTLOG");
  if (const auto record = event.get("RecordNumber"); record && !record->empty()) out.add_string(kProductLogId, *record);
  if (event.find("Message") != nullptr) {
    for (const FlatField& field : event.fields()) {
      if (field.key == "Message") out.add_string(kDescription, field.value);
    }
  }
  outcome.hostname = reporting_host(event);

  // ---- mapped fields; remember which raw keys now live in UDM fields
  std::array<std::string_view, kMaxRuleFields> consumed{};
  std::array<std::uint32_t, kMaxRuleFields> consumed_tags{};  // FlatEvent::key_tag of each consumed key
  std::size_t consumed_count = 0;
  // The same by field position, exact when every key is indexed and none repeats (then a consumed key is
  // exactly one field): no key comparisons in the loop over the raw fields below.
  const auto& fields = event.fields();
  const bool by_position = fields.size() <= FlatEvent::kIndexedFields && !event.has_duplicate_keys();
  static_assert(FlatEvent::kIndexedFields <= 64);
  std::uint64_t consumed_positions = 0;
  // The reporting host and the logon action go in among the rule's fields, in storage order (the host before
  // and the action after values the rule gives the same field, as when they were emitted first and last).
  const bool logon_allow = rule && rule->rule->special == Special::logon_allow;
  const bool logon_block = rule && rule->rule->special == Special::logon_block;
  bool action_pending = logon_allow || logon_block;
  bool host_pending = !outcome.hostname.empty();
  static_assert(kAction < udm::fields::principal_hostname);
  auto emit_pending_before = [&](std::uint32_t rank) {
    if (action_pending && storage_rank(kAction) < rank) {
      out.add_enum(kAction, logon_allow ? udm::SecurityAction::ALLOW : udm::SecurityAction::BLOCK);
      action_pending = false;
    }
    if (host_pending && storage_rank(udm::fields::principal_hostname) <= rank) {
      out.add_string(udm::fields::principal_hostname, outcome.hostname);
      host_pending = false;
    }
  };
  if (rule) {
    for (const auto& field_rule : rule->fields) {
      if (action_pending || host_pending) emit_pending_before(field_rule.rank);
      const auto* field = event.find(field_rule.raw_key);
      if (field && apply_field(field_rule, field->value, out) && consumed_count < consumed.size()) {
        consumed_tags[consumed_count] = FlatEvent::key_tag(field_rule.raw_key);
        consumed_positions |= std::uint64_t{1} << ((field - fields.data()) & 63);
        consumed[consumed_count++] = field_rule.raw_key;
      }
    }
  }
  emit_pending_before(UINT32_MAX);

  // ---- the raw fields no mapping rule consumed, verbatim (the message text is the description). Repeating
  // consumed ones cost memory and query time for nothing (see always_kept_raw_key for the exceptions).
  auto is_consumed = [&](std::uint32_t tag, std::string_view key) {
    for (std::size_t i = 0; i < consumed_count; ++i) {
      if (consumed_tags[i] == tag && consumed[i] == key) return true;
    }
    return false;
  };
  for (std::size_t index = 0; index < fields.size(); ++index) {
    const FlatField& field = fields[index];
    if (field.key == "Message") continue;
    const bool consumed_here =
        by_position ? ((consumed_positions >> index) & 1) != 0 : is_consumed(event.key_tag_at(index), field.key);
    if (consumed_here && !always_kept_raw_key(field.key)) continue;
    out.add_map_string(udm::fields::additional_fields, field.key, field.value);
  }
  return outcome;
}

}  // namespace lh::siem
