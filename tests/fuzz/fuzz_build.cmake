# Included by the top-level CMakeLists.txt when SHELFWIRE_FUZZ is ON, instead
# of the rest of the tree: every source compiled with libFuzzer's coverage
# instrumentation and address,undefined sanitizers; the runtime and config
# libraries are built only as the fuzz targets need them (no CAF, no paho,
# no hiredis translation unit is compiled).
#
# -O1 after the build type's -O (so it wins), as ASan recommends; asserts on.
add_compile_options(-O1 -UNDEBUG -g1 -fno-omit-frame-pointer
                    -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all)
add_link_options(-fsanitize=address,undefined)

add_subdirectory(${PROJECT_SOURCE_DIR}/runtime ${PROJECT_BINARY_DIR}/runtime EXCLUDE_FROM_ALL)
add_subdirectory(${PROJECT_SOURCE_DIR}/config ${PROJECT_BINARY_DIR}/config EXCLUDE_FROM_ALL)
add_subdirectory(${PROJECT_SOURCE_DIR}/tests/fuzz ${PROJECT_BINARY_DIR}/tests/fuzz)

# The "did you mean" edit distance of unknown config keys: comparisons of
# sizes, not of input bytes, so no comparison tracing (it made the config
# target spend 30% of its time reporting them to libFuzzer).
set_source_files_properties(${PROJECT_SOURCE_DIR}/config/suggest.cpp
  DIRECTORY ${PROJECT_SOURCE_DIR}/config PROPERTIES COMPILE_OPTIONS -fno-sanitize-coverage=trace-cmp)
