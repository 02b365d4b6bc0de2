# libFuzzer targets (issue 8). Off by default: the default build uses gcc, fuzzing needs clang.
#
#   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
#         -DMYNACARD_FUZZ=ON -DMYNACARD_BUILD_TESTS=OFF
#
# When ON, every project library is compiled with -fsanitize=fuzzer-no-link,address,undefined
# (coverage feedback + sanitizers, no libFuzzer main), the targets in tests/fuzz link
# -fsanitize=fuzzer,address,undefined, and ctest gets one ~10 s smoke run per target (label fuzz).
# Include this file from the top-level CMakeLists.txt BEFORE the add_subdirectory() of the
# libraries, so the compile flags reach them.
option(MYNACARD_FUZZ "Build the libFuzzer targets in tests/fuzz (requires clang)" OFF)
set(MYNACARD_FUZZ_SMOKE_SECONDS 10 CACHE STRING "Length of each ctest fuzz smoke run (label fuzz)")

if(MYNACARD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang" OR NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "MYNACARD_FUZZ=ON needs clang for C and C++: configure a fresh build "
                        "directory with -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++")
  endif()
  if(MYNACARD_SANITIZE)
    message(FATAL_ERROR "MYNACARD_FUZZ already enables ASan+UBSan; leave MYNACARD_SANITIZE OFF")
  endif()
  # -fno-sanitize-recover: a UBSan finding must stop the run (libFuzzer then saves the input).
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=address,undefined)
  enable_testing()
  # Targets are linked by name, so the library targets may be defined after this point.
  add_subdirectory(${PROJECT_SOURCE_DIR}/tests/fuzz ${PROJECT_BINARY_DIR}/tests/fuzz)
endif()
