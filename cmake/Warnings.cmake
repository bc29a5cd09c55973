# Warnings and sanitizers for our own targets: call shelfwire_target_defaults(tgt).
function(shelfwire_target_defaults tgt)
  target_compile_options(${tgt} PRIVATE -Wall -Wextra)
  if(SHELFWIRE_WERROR)
    target_compile_options(${tgt} PRIVATE -Werror)
  endif()
  target_link_libraries(${tgt} PUBLIC shelfwire_root_include)
endfunction()

if(SHELFWIRE_SANITIZE)
  add_compile_options(-fsanitize=${SHELFWIRE_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${SHELFWIRE_SANITIZE})
endif()
