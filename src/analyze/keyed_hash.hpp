// Keyed hashing for every table that dump text or dump numbers choose keys
// for: a per-run random key, so a crafted dump cannot make keys collide.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace heapdump {

/// 64-bit mix of an integer (splitmix64's finalizer). A bijection: not a
/// hash of anything a dump chooses unless keyed (see hash_u64()).
inline uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/// The key of the hashes below: random words (hash_bytes() uses the first
/// four, fingerprint() all eight).
struct HashKey {
  uint64_t k[8];
  /// A key expanded from one number (for tests, and HEAPDUMP_HASH_KEY).
  static HashKey from_seed(uint64_t seed);
};

/// The key of this run: random (getrandom, through std::random_device),
/// or from_seed(N) when the environment variable HEAPDUMP_HASH_KEY is the
/// decimal number N (for tests that check the output does not depend on
/// it). Set before main() runs; never changes.
extern const HashKey g_hash_key;

/// The low and high halves of the 128-bit product of a and b, xored
/// ("folded multiply").
inline uint64_t fold_mul(uint64_t a, uint64_t b) {
  const unsigned __int128 p = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(p) ^ static_cast<uint64_t>(p >> 64);
}

/// The n <= 8 bytes at p as one word, with fixed-size loads (a memcpy of a
/// variable size is a library call): one 8-byte load; for 4-7 bytes the
/// first and the last 4, overlapping; for 1-3 the first, middle and last
/// byte; 0 for none. For a given n, equal words mean equal bytes.
inline uint64_t load_short(const char* p, size_t n) {
  if (n == 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
  }
  if (n >= 4) {
    uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    return lo | (uint64_t{hi} << 32);
  }
  if (n == 0) return 0;
  return static_cast<unsigned char>(p[0]) | static_cast<uint64_t>(static_cast<unsigned char>(p[n / 2])) << 8 |
         static_cast<uint64_t>(static_cast<unsigned char>(p[n - 1])) << 16;
}

inline uint64_t load_word(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

/// Keyed hash of a byte string: each 16 bytes are xored with key words and
/// multiplied together, folded into the running state; the last 16 (or
/// fewer) bytes are read with overlapping loads, and the length starts the
/// state. The same multiply-and-fold design as other hashes made to resist
/// hash flooding when their key is secret (not a cryptographic MAC): a
/// dump cannot choose strings that collide without knowing the key.
/// The last 16 bytes (or fewer) of the n bytes at p, as hash_bytes() and
/// fingerprint() take them after their 16-byte blocks: for n <= 16 all the
/// bytes (two overlapping words from 8 on, else load_short() and 0); for
/// longer strings the last 16, which may overlap the last block.
inline void load_tail(const char* p, size_t n, uint64_t* a, uint64_t* b) {
  if (n >= 8) {
    *a = load_word(n > 16 ? p + n - 16 : p);
    *b = load_word(p + n - 8);
  } else {
    *a = load_short(p, n);
    *b = 0;
  }
}

inline uint64_t hash_bytes(std::string_view s, const HashKey& key) {
  const char* p = s.data();
  const size_t n = s.size();
  uint64_t h = key.k[0] ^ (n * 0x9E3779B97F4A7C15ull);
  for (size_t i = 0; i + 16 < n; i += 16) h = fold_mul(load_word(p + i) ^ key.k[1], load_word(p + i + 8) ^ key.k[2] ^ h);
  uint64_t a, b;
  load_tail(p, n, &a, &b);
  h = fold_mul(a ^ key.k[3], b ^ h);
  return fold_mul(h ^ key.k[1], key.k[2] | 1);
}

/// The same with this run's key.
inline uint64_t hash_bytes(std::string_view s) { return hash_bytes(s, g_hash_key); }

/// A 128-bit stand-in for a string: two 64-bit lanes of hash_bytes()'s
/// design, the first keyed with k[0..3] (so `lo` is hash_bytes(s, key)) and
/// the second with the independent words k[4..7], computed in one pass.
/// Tables that keep a fingerprint instead of a string's text treat equal
/// fingerprints as equal strings. For a random key each lane is taken to
/// behave like a random function, so two different strings share a
/// fingerprint with probability about 2^-128, and among 10^8 different
/// strings (about 5 * 10^15 pairs) any two do with probability about
/// 1.5 * 10^-23. The key is secret, so a dump cannot choose colliding
/// strings either.
struct Fingerprint {
  uint64_t lo = 0;
  uint64_t hi = 0;
  bool operator==(const Fingerprint& o) const { return lo == o.lo && hi == o.hi; }
};

inline Fingerprint fingerprint(std::string_view s, const HashKey& key) {
  const char* p = s.data();
  const size_t n = s.size();
  uint64_t h = key.k[0] ^ (n * 0x9E3779B97F4A7C15ull);
  uint64_t g = key.k[4] ^ (n * 0xC2B2AE3D27D4EB4Full);
  for (size_t i = 0; i + 16 < n; i += 16) {
    const uint64_t w0 = load_word(p + i), w1 = load_word(p + i + 8);
    h = fold_mul(w0 ^ key.k[1], w1 ^ key.k[2] ^ h);
    g = fold_mul(w0 ^ key.k[5], w1 ^ key.k[6] ^ g);
  }
  uint64_t a, b;
  load_tail(p, n, &a, &b);
  h = fold_mul(a ^ key.k[3], b ^ h);
  g = fold_mul(a ^ key.k[7], b ^ g);
  return {fold_mul(h ^ key.k[1], key.k[2] | 1), fold_mul(g ^ key.k[5], key.k[6] | 1)};
}

/// The same with this run's key.
inline Fingerprint fingerprint(std::string_view s) { return fingerprint(s, g_hash_key); }

/// Keyed hash of a 64-bit number (an address, a line, an id).
inline uint64_t hash_u64(uint64_t x, const HashKey& key) { return mix64(x ^ key.k[0]) ^ key.k[3]; }
inline uint64_t hash_u64(uint64_t x) { return hash_u64(x, g_hash_key); }

/// For std::unordered_map keys that come from a dump.
struct KeyedStringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return static_cast<size_t>(hash_bytes(s)); }
};
struct KeyedU64Hash {
  size_t operator()(uint64_t x) const { return static_cast<size_t>(hash_u64(x)); }
};

}  // namespace heapdump
