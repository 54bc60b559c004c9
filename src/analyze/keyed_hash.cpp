#include "analyze/keyed_hash.hpp"

#include <cerrno>
#include <cstdlib>
#include <random>

namespace heapdump {

HashKey HashKey::from_seed(uint64_t seed) {
  HashKey key{};
  for (uint64_t& word : key.k) {
    seed += 0x9E3779B97F4A7C15ull;  // splitmix64
    word = mix64(seed);
  }
  return key;
}

namespace {

HashKey initial_key() {
  if (const char* text = std::getenv("HEAPDUMP_HASH_KEY")) {
    char* end = nullptr;
    errno = 0;
    const unsigned long long seed = std::strtoull(text, &end, 10);
    if (*text >= '0' && *text <= '9' && *end == '\0' && errno == 0) return HashKey::from_seed(seed);
  }
  std::random_device device;
  HashKey key{};
  for (uint64_t& word : key.k) word = (uint64_t{device()} << 32) ^ device();
  return key;
}

}  // namespace

const HashKey g_hash_key = initial_key();

}  // namespace heapdump
