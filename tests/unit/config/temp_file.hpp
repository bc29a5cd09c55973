#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace shelfwire::config::test {

/// A file with the given content in the temp directory, removed on destruction.
class temp_file {
public:
  explicit temp_file(const std::string& content, const std::string& name = "t.ini") {
    static std::atomic<int> counter{0};
    auto dir =
        std::filesystem::temp_directory_path() /
        ("shelfwire_config_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(dir);
    dir_ = dir.string();
    path_ = (dir / name).string();
    std::ofstream f{path_, std::ios::binary};
    f << content;
  }
  ~temp_file() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;

  const std::string& path() const { return path_; }

private:
  std::string dir_;
  std::string path_;
};

} // namespace shelfwire::config::test
