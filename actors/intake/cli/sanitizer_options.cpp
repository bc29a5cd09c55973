// LeakSanitizer suppressions for shelfwire-submit, in sanitizer builds only
// (CMake adds this file when SHELFWIRE_SANITIZE is set; the hook is a weak
// symbol of the sanitizer runtime).
//
// paho-mqtt-c 1.3.12 leaks the QoS 1 messages still queued or in flight when
// a handle is destroyed after its connection was lost (runtime/mqtt/README.md,
// tests/integration/mqtt/lsan_suppressions.cpp): the submission may be one of
// them when the broker went away while the program waited. Suppressed:
// allocations under MQTTAsync_send only.

extern "C" const char* __lsan_default_suppressions();

extern "C" const char* __lsan_default_suppressions() {
  return "leak:MQTTAsync_send\n";
}
