// util::ReadFile: the whole file, whatever its size or kind, or an error;
// util::MappedFile: the same bytes, mapped in place.
#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "test_support.h"
#include "util/fs.h"

using namespace casebook;

namespace {

struct SampleFiles {
  std::string small{"a\0b\nc", 5};
  std::string large;
};

/// "empty", "small" (with a NUL) and "large" (larger than the read-ahead
/// buffer past fstat's size, with every byte value) in `dir`.
SampleFiles WriteSampleFiles(test::TempDir* dir) {
  SampleFiles files;
  for (size_t i = 0; i < 300 * 1024 + 7; ++i) files.large += static_cast<char>((i * 131) % 256);
  dir->Write("empty", "");
  dir->Write("small", files.small);
  dir->Write("large", files.large);
  return files;
}

}  // namespace

TEST_CASE("ReadFile gives every byte of empty, small and large files") {
  test::TempDir dir;
  const SampleFiles files = WriteSampleFiles(&dir);
  const std::string& small = files.small;
  const std::string& large = files.large;
  std::string error;
  auto e = util::ReadFile(dir.path() + "/empty", &error);
  REQUIRE(e);
  CHECK(e->empty());
  auto s = util::ReadFile(dir.path() + "/small", &error);
  REQUIRE(s);
  CHECK(*s == small);
  auto l = util::ReadFile(dir.path() + "/large", &error);
  REQUIRE(l);
  CHECK(l->size() == large.size());
  CHECK(*l == large);
}

TEST_CASE("ReadFile reads a file whose size fstat does not know (a pipe) to its end") {
  test::TempDir dir;
  const std::string fifo = dir.path() + "/fifo";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "line " + std::to_string(i) + "\n";  // > 64 KB
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    FILE* f = fopen(fifo.c_str(), "wb");
    if (f) {
      fwrite(text.data(), 1, text.size(), f);
      fclose(f);
    }
    _exit(0);
  }
  std::string error;
  auto got = util::ReadFile(fifo, &error);
  int status = 0;
  waitpid(child, &status, 0);
  REQUIRE(got);
  CHECK(*got == text);
}

TEST_CASE("ReadFile says what is wrong with a missing file and a folder") {
  test::TempDir dir;
  dir.Write("sub/x", "x");
  std::string error;
  CHECK_FALSE(util::ReadFile(dir.path() + "/missing", &error));
  CHECK(error.find("cannot open") != std::string::npos);
  error.clear();
  CHECK_FALSE(util::ReadFile(dir.path() + "/sub", &error));
  CHECK(error.find("is a folder") != std::string::npos);
}

TEST_CASE("MappedFile gives the bytes ReadFile gives, of empty, small and large files") {
  test::TempDir dir;
  WriteSampleFiles(&dir);
  for (const char* name : {"empty", "small", "large"}) {
    INFO(name);
    std::string error;
    util::MappedFile file(dir.path() + "/" + name, &error);
    REQUIRE(file.ok());
    auto read = util::ReadFile(dir.path() + "/" + name, &error);
    REQUIRE(read);
    CHECK(file.bytes() == *read);
  }
}

TEST_CASE("MappedFile keeps its bytes when moved and when the file is replaced") {
  test::TempDir dir;
  const std::string path = dir.path() + "/cache";
  const std::string first(100000, 'a');
  dir.Write("cache", first);
  std::string error;
  util::MappedFile file(path, &error);
  REQUIRE(file.ok());
  // Moved: the same mapping, the source left empty.
  util::MappedFile moved(std::move(file));
  CHECK_FALSE(file.ok());
  CHECK(file.bytes().empty());
  CHECK(moved.bytes() == first);
  // Replaced by rename (as WriteFile does): the mapping still shows the old file.
  REQUIRE(util::WriteFile(path, std::string(50, 'b'), &error));
  CHECK(moved.bytes() == first);
  util::MappedFile other;
  other = std::move(moved);
  CHECK(other.bytes() == first);
  CHECK(util::MappedFile(path, &error).bytes() == std::string(50, 'b'));
}

TEST_CASE("MappedFile says what is wrong with a missing file and a folder") {
  test::TempDir dir;
  dir.Write("sub/x", "x");
  std::string error;
  util::MappedFile missing(dir.path() + "/missing", &error);
  CHECK_FALSE(missing.ok());
  CHECK(error.find("cannot open") != std::string::npos);
  error.clear();
  util::MappedFile folder(dir.path() + "/sub", &error);
  CHECK_FALSE(folder.ok());
  CHECK(error.find("not a regular file") != std::string::npos);
}
