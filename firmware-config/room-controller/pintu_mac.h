// Pintu room controller: the MAC of commands and taps with the room key (README "MQTT",
// src/mqtt/room-mac.ts): HMAC-SHA256 with mbedtls (in ESP-IDF and the Arduino cores), first
// 16 bytes in lower-case hex; and the counters kept in flash across reboots, each written at
// once (not at the next flash_write_interval): a counter that went back after a power cut
// would let a sniffed command be replayed (commands) or get every tap refused (taps).
#pragma once
#include <cstdio>
#include <cstdlib>
#include <string>
#include "esphome/core/helpers.h"
#include "esphome/core/preferences.h"
#include "mbedtls/md.h"

namespace pintu {

// A whole number as JavaScript prints it (the gateway's counters and times stay below 2^53).
inline std::string num(double v) {
  char buf[24];
  snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

inline std::string mac(const std::string &key_hex, const std::string &text) {
  unsigned char key[32];
  for (int i = 0; i < 32; i++) key[i] = (unsigned char) strtoul(key_hex.substr(2 * i, 2).c_str(), nullptr, 16);
  unsigned char out[32];
  mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), key, sizeof key,
                  (const unsigned char *) text.data(), text.size(), out);
  char hex[33];
  for (int i = 0; i < 16; i++) snprintf(hex + 2 * i, 3, "%02x", out[i]);
  return std::string(hex, 32);
}

// Constant time: a forger learns nothing from how long a refusal took.
inline bool mac_equal(const std::string &a, const std::string &b) {
  if (a.size() != 32 || b.size() != 32) return false;
  unsigned char d = 0;
  for (size_t i = 0; i < 32; i++) d |= (unsigned char) (a[i] ^ b[i]);
  return d == 0;
}

class Counter {
 public:
  explicit Counter(uint32_t hash) : hash_(hash) {}
  double get() {
    load_();
    return value_;
  }
  void set(double v) {
    load_();
    value_ = v;
    pref_.save(&value_);
    esphome::global_preferences->sync();
  }
  double next() {
    set(get() + 1);
    return value_;
  }

 private:
  void load_() {
    if (loaded_) return;
    pref_ = esphome::global_preferences->make_preference<double>(hash_, true);
    if (!pref_.load(&value_)) value_ = 0;
    loaded_ = true;
  }
  uint32_t hash_;
  bool loaded_ = false;
  double value_ = 0;
  esphome::ESPPreferenceObject pref_;
};

// The last command counter accepted, and the last tap counter sent: kept per key (the flash
// slot is named by a hash of it), so a controller given a new key (pintu mqtt-user add) counts
// anew, as the gateway does for that key.
inline Counter &command_counter(const std::string &key_hex) {
  static Counter c(esphome::fnv1_hash("pintu-cmd-ctr" + key_hex));
  return c;
}
inline Counter &tap_counter(const std::string &key_hex) {
  static Counter c(esphome::fnv1_hash("pintu-tap-ctr" + key_hex));
  return c;
}

}  // namespace pintu
