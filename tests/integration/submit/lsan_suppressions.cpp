// LeakSanitizer suppressions for submit_tests (used only in sanitizer builds;
// the hook is a weak symbol of the sanitizer runtime): the test's own MQTT
// clients (fake_cluster) live through a broker restart, and paho-mqtt-c
// 1.3.12 leaks QoS 1 messages still held when a handle is destroyed after its
// connection was lost. The same suppression as the MQTT port's tests
// (tests/integration/mqtt/lsan_suppressions.cpp, which explains it).

extern "C" const char* __asan_default_options();
extern "C" const char* __lsan_default_suppressions();

extern "C" const char* __asan_default_options() {
  return "fast_unwind_on_malloc=0:malloc_context_size=16";
}

extern "C" const char* __lsan_default_suppressions() {
  return "leak:MQTTAsync_send\n";
}
