# Warnings and sanitizers for our own targets: call shelfwire_target_defaults(tgt).
function(shelfwire_target_defaults tgt)
  target_compile_options(${tgt} PRIVATE -Wall -Wextra)
  if(SHELFWIRE_WERROR)
    target_compile_options(${tgt} PRIVATE -Werror)
  endif()
  target_link_libraries(${tgt} PUBLIC shelfwire_root_include)
endfunction()

if(SHELFWIRE_SANITIZE)
  # -O1 (after the build type's -O2, so it wins): what ASan recommends, and
  # our CAF-heavy sources compile about twice as fast with sanitizers at -O1
  # as at -O2 (GCC, node.cpp: 99 s instead of 198 s). scripts/build.sh
  # builds sanitizers with clang-14, which is faster again.
  # -g1: line tables only, enough for file:line in sanitizer reports, and
  # cheaper than -g (contract_test.cpp: 17.6 s instead of 26.4 s).
  add_compile_options(-O1 -g1 -fsanitize=${SHELFWIRE_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${SHELFWIRE_SANITIZE})
endif()
