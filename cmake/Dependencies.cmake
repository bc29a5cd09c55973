# All dependencies come from Debian packages (scripts/install-deps.sh).

find_package(Threads REQUIRED)

# CAF 0.17.6 ships no CMake config and no pkg-config file: find it and wrap it.
find_path(CAF_INCLUDE_DIR caf/all.hpp REQUIRED)
find_library(CAF_CORE_LIB caf_core REQUIRED)
find_library(CAF_IO_LIB caf_io REQUIRED)
if(NOT TARGET CAF::core)
  add_library(CAF::core UNKNOWN IMPORTED)
  set_target_properties(CAF::core PROPERTIES
    IMPORTED_LOCATION "${CAF_CORE_LIB}"
    INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES Threads::Threads)
  add_library(CAF::io UNKNOWN IMPORTED)
  # Link order matters: caf_io before caf_core.
  set_target_properties(CAF::io PROPERTIES
    IMPORTED_LOCATION "${CAF_IO_LIB}"
    INTERFACE_LINK_LIBRARIES CAF::core)
endif()

# caf_openssl: mutual TLS between nodes (docs/security.md).
find_package(OpenSSL REQUIRED)
find_library(CAF_OPENSSL_LIB caf_openssl REQUIRED)
if(NOT TARGET CAF::openssl)
  add_library(CAF::openssl UNKNOWN IMPORTED)
  set_target_properties(CAF::openssl PROPERTIES
    IMPORTED_LOCATION "${CAF_OPENSSL_LIB}"
    INTERFACE_LINK_LIBRARIES "CAF::io;OpenSSL::SSL;OpenSSL::Crypto")
endif()

# paho-mqtt-c: the asynchronous client (MQTTAsync), its TLS build (paho-mqtt3as: ssl://).
find_package(eclipse-paho-mqtt-c REQUIRED)

# hiredis 0.14 ships a config that only sets variables: wrap it.
find_path(HIREDIS_INCLUDE_DIR hiredis/hiredis.h REQUIRED)
find_library(HIREDIS_LIB hiredis REQUIRED)
if(NOT TARGET hiredis::hiredis)
  add_library(hiredis::hiredis UNKNOWN IMPORTED)
  set_target_properties(hiredis::hiredis PROPERTIES
    IMPORTED_LOCATION "${HIREDIS_LIB}"
    INTERFACE_INCLUDE_DIRECTORIES "${HIREDIS_INCLUDE_DIR}")
endif()

# msgpack-cxx is header-only; we do not need its Boost parts.
find_path(MSGPACK_INCLUDE_DIR msgpack.hpp REQUIRED)
if(NOT TARGET msgpack::cxx)
  add_library(msgpack::cxx INTERFACE IMPORTED)
  set_target_properties(msgpack::cxx PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${MSGPACK_INCLUDE_DIR}"
    INTERFACE_COMPILE_DEFINITIONS "MSGPACK_NO_BOOST;MSGPACK_DEFAULT_API_VERSION=3")
endif()

find_package(spdlog REQUIRED)

# prometheus-cpp (core only): the data model and text format of /metrics.
find_package(prometheus-cpp CONFIG REQUIRED)
# civetweb: the HTTP listener of metrics.listen (/metrics, /healthz, /readyz);
# prometheus-cpp's own Exposer serves only metrics paths.
find_package(civetweb CONFIG REQUIRED)

if(SHELFWIRE_TESTS)
  find_package(Catch2 2 REQUIRED)
endif()
