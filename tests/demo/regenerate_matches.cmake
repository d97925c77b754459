# Runs the documented regeneration command (data/demo/README.md) into a scratch folder and compares the
# result with the committed files byte for byte.
# Usage: cmake -DGENERATOR=<lh-demo-gen> -DDATA_DIR=<repo>/data/demo -DWORK_DIR=<scratch> -P regenerate_matches.cmake
file(MAKE_DIRECTORY "${WORK_DIR}")
execute_process(
  COMMAND "${GENERATOR}" --seed 1 --scale 1 --days 2 --start 2024-03-04
          --out "${WORK_DIR}/acme-demo.jsonl" --answer-key "${WORK_DIR}/acme-demo.answers.json"
  RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "lh-demo-gen failed with status ${status}")
endif()
foreach(name acme-demo.jsonl acme-demo.answers.json)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files "${WORK_DIR}/${name}" "${DATA_DIR}/${name}"
                  RESULT_VARIABLE differs)
  if(NOT differs EQUAL 0)
    message(FATAL_ERROR "data/demo/${name} differs from what the documented command generates; regenerate it "
                        "with the command in data/demo/README.md")
  endif()
endforeach()
