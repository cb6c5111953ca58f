# CTest driver: writes `brokersim schema` to a file, then validates the repository's scenarios with it.
execute_process(COMMAND ${BROKERSIM} schema OUTPUT_FILE ${SCHEMA} RESULT_VARIABLE schema_result)
if(NOT schema_result EQUAL 0)
  message(FATAL_ERROR "brokersim schema failed: ${schema_result}")
endif()
execute_process(COMMAND node ${SOURCE}/tests/schema/validate.mjs ${SCHEMA} ${SOURCE} RESULT_VARIABLE node_result)
if(NOT node_result EQUAL 0)
  message(FATAL_ERROR "the JSON Schema disagrees with the loader (see above)")
endif()
