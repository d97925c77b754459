#include "udm/edit_distance.hpp"
#include "udm/fields.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

using namespace lh::udm;

TEST_CASE("catalogue ids are dense and match their index") {
    const auto all = all_fields();
    REQUIRE(all.size() == field_id_limit());
    for (std::size_t i = 0; i < all.size(); ++i) CHECK(all[i].id == i);
    std::set<std::string> paths;
    for (const auto& f : all) CHECK(paths.insert(f.path).second);
}

TEST_CASE("catalogue paths, spellings and types") {
    const auto id = find_field("target.process.command_line");
    REQUIRE(id);
    CHECK(*id == field(Noun::Target, NounField::ProcessCommandLine));
    CHECK(field_info(*id).json_path == "target.process.commandLine");
    CHECK(find_field_by_json_path("target.process.commandLine") == id);

    const auto& port = field_info(field(Noun::Target, NounField::Port));
    CHECK(port.path == "target.port");
    CHECK(port.type == ValueType::Integer);
    const auto& pid = field_info(field(Noun::Principal, NounField::ProcessPid));
    CHECK(pid.type == ValueType::String);
    const auto& ip = field_info(fields::principal_ip);
    CHECK(ip.repeated);
    CHECK(ip.indexed);
    const auto& event_type = field_info(fields::event_type);
    CHECK(event_type.type == ValueType::Enum);
    CHECK(event_type.enum_kind == EnumKind::EventType);
    CHECK(event_type.json_path == "metadata.eventType");
    CHECK(field_info(fields::event_timestamp).json_path == "metadata.eventTimestamp");
    CHECK(field_info(field(Noun::Src, NounField::ProcessParentProductSpecificProcessId)).path ==
          "src.process.parent_process.product_specific_process_id");
    CHECK(field_info(field(Noun::Observer, NounField::ProcessParentProductSpecificProcessId)).json_path ==
          "observer.process.parentProcess.productSpecificProcessId");
    CHECK(field_info(field(Noun::Intermediary, NounField::RegistryValueData)).path ==
          "intermediary.registry.registry_value_data");
    CHECK(field_info(fields::additional_fields).is_map);
    CHECK(field_info(field(Noun::Principal, NounField::Labels)).path == "principal.labels");
    CHECK(field_info(field(TopField::SecurityResultAction)).repeated);
    CHECK(field_info(field(TopField::ExtensionsAuthMechanism)).json_path == "extensions.auth.mechanism");
    CHECK_FALSE(find_field("target.proces.command_line"));
}

TEST_CASE("suggestions for misspelt paths") {
    CHECK(suggest_field("target.proces.command_line") == "target.process.command_line");
    CHECK(suggest_field("target.process.commandLine") == "target.process.command_line");
    CHECK(suggest_field("metadata.event_typ") == "metadata.event_type");
    CHECK(suggest_field("zzzz") == "");
    CHECK(suggest_field("principal.host") == "principal.hostname");
    CHECK(suggest_field("target.process") == "target.process.pid");
    CHECK(suggest_field("Target.Process.Command_Line") == "target.process.command_line");
}

TEST_CASE("edit distance with a limit") {
    CHECK(edit_distance("kitten", "sitting") == 3);
    CHECK(edit_distance("kitten", "sitting", 4) == 3);  // below the limit: exact
    CHECK(edit_distance("kitten", "sitting", 3) >= 3);  // at or above: only a bound
    CHECK(edit_distance("", "abc", 2) >= 2);
    CHECK(edit_distance("abc", "abc", 1) == 0);
    // A long unknown name has no suggestion (and costs no name x path table per candidate).
    const std::string long_name(4000, 'x');
    CHECK(suggest_field(long_name) == "");
    CHECK(suggest_field("principal.hostnam" + std::string(3, 'e')) == "principal.hostname");
}

TEST_CASE("enum sets follow Chronicle") {
    CHECK(enum_ordinal(EnumKind::EventType, "PROCESS_LAUNCH") == ordinal(EventType::PROCESS_LAUNCH));
    CHECK(enum_name(EnumKind::EventType, ordinal(EventType::SCHEDULED_TASK_MODIFICATION)) == "SCHEDULED_TASK_MODIFICATION");
    CHECK(enum_ordinal(EnumKind::AuthMechanism, "NETWORK") == ordinal(AuthMechanism::NETWORK));
    CHECK(enum_ordinal(EnumKind::SecurityAction, "BLOCK") == ordinal(SecurityAction::BLOCK));
    CHECK_FALSE(enum_ordinal(EnumKind::EventType, "process_launch"));
    CHECK(enum_name(EnumKind::IpProtocol, 9999).empty());
}
