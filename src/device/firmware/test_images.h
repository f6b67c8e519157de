// For tests only: the firmware test data (testdata/firmware/README.md) and small helpers.
#pragma once

#include <string>
#include <vector>

#include "common/test_temp_dir.h"
#include "device/firmware/firmware_key.h"

namespace vigil::firmware::testing {

inline std::string TestData(const std::string& name) {
  return std::string(VIGIL_SOURCE_DIR) + "/testdata/firmware/" + name;
}

inline std::vector<uint8_t> TestImage(const std::string& name) {
  return vigil::testing::ReadAll(TestData(name));
}

inline PublicKey TestPublicKey(const std::string& name) {
  PublicKey k;
  std::string why;
  if (LoadPublicKey(TestData(name), &k, &why) != Error::kOk) ADD_FAILURE() << why;
  return k;
}

// A private test key copied to an owner-only file of `dir` (the repository's copy is
// world-readable, which LoadSigningKey refuses, as it should).
inline SigningKey TestSigningKey(const vigil::testing::TempDir& dir, const std::string& name) {
  const std::string path = dir.File(name);
  vigil::testing::WriteAll(path, vigil::testing::ReadAll(TestData(name)), 0600);
  SigningKey k;
  std::string why;
  if (LoadSigningKey(path, &k, &why) != Error::kOk) ADD_FAILURE() << why;
  return k;
}

}  // namespace vigil::firmware::testing
