# secops-local: the MCP server over the embedded SIEM (included by siem/CMakeLists.txt).
add_library(lh_siem_server
  ${CMAKE_CURRENT_LIST_DIR}/server.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tools_common.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tools_search.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tools_entity.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tools_ioc.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tools_cases.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tools_reference_lists.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tools_threat_intel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tools_intel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/threat_intel.cpp
)
target_link_libraries(lh_siem_server PUBLIC lh_options lh_siem lh_mcp lh_udm nlohmann_json::nlohmann_json fmt::fmt)

add_executable(secops-local ${CMAKE_CURRENT_LIST_DIR}/main.cpp)
target_link_libraries(secops-local PRIVATE lh_siem_server lh_transport CLI11::CLI11)
