// Shared helpers of the models tests: the embedded data set, relative errors, temporary folders.
#pragma once

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <tapegrad/tapegrad.hpp>

namespace tapegrad::test {

/// The embedded breast cancer data, read once.
inline const Dataset& breast_cancer() {
  static const Dataset data = read_csv(
      std::filesystem::path(TAPEGRAD_SOURCE_DIR) / "data" / "breast_cancer.csv", "malignant");
  return data;
}

/// |a - b| / max(|a|, |b|), 0 when both are 0.
inline double rel_error(double a, double b) {
  const double scale = std::max(std::abs(a), std::abs(b));
  return scale == 0.0 ? 0.0 : std::abs(a - b) / scale;
}

/// A fresh empty folder below the build tree, removed at scope exit.
class TempDir {
 public:
  explicit TempDir(std::string_view name)
      : path_(std::filesystem::path(TAPEGRAD_BINARY_DIR) / "models-test-tmp" / name) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::filesystem::path operator/(std::string_view file) const {
    return path_ / file;
  }

 private:
  std::filesystem::path path_;
};

inline void write_file(const std::filesystem::path& path, std::string_view text) {
  std::ofstream(path, std::ios::binary) << text;
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace tapegrad::test
