// The tool's output files (tools/output.hpp): atomic replacement of regular files, direct writes
// to devices, FIFOs and descriptors, symbolic links followed, long names, checks made before any
// work, temporary files removed at SIGTERM, and rendering with Graphviz.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <tapegrad/tapegrad.hpp>

#include "examples.hpp"
#include "files.hpp"
#include "output.hpp"

namespace tg = tapegrad;
namespace tool = tapegrad::tool;
namespace fs = std::filesystem;

namespace {

using tapegrad::test::read_text;

fs::path scratch_dir(const std::string& name) {
  const fs::path dir = fs::path(TAPEGRAD_BINARY_DIR) / "tests/tools-scratch" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::size_t entries(const fs::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++n;
  return n;
}

}  // namespace

TEST_CASE("write_output: complete file or nothing, permissions kept") {
  const fs::path dir = scratch_dir("atomic");
  tool::write_output(dir / "a.txt", "hello\n");
  CHECK(read_text(dir / "a.txt") == "hello\n");
  fs::permissions(dir / "a.txt", fs::perms(0640));
  tool::write_output(dir / "a.txt", "replaced");
  CHECK(read_text(dir / "a.txt") == "replaced");
  CHECK(fs::status(dir / "a.txt").permissions() == fs::perms(0640));
  CHECK_THROWS_WITH_AS(tool::write_output(dir / "missing" / "b.txt", "x"),
                       doctest::Contains("does not exist"), tg::Error);
  CHECK_THROWS_WITH_AS(tool::write_output(dir, "x"), doctest::Contains(": is a folder"), tg::Error);
  CHECK_FALSE(fs::exists(dir / "missing"));
  CHECK(entries(dir) == 1);  // no temporary left behind
}

TEST_CASE("write_output: a symbolic link is followed, the link stays") {
  const fs::path dir = scratch_dir("symlink");
  fs::create_directories(dir / "real");
  tool::write_output(dir / "real" / "m.json", "old");
  fs::create_symlink("real/m.json", dir / "link.json");
  tool::write_output(dir / "link.json", "new");
  CHECK(fs::is_symlink(fs::symlink_status(dir / "link.json")));
  CHECK(read_text(dir / "real" / "m.json") == "new");
  // A dangling link creates the file it names.
  fs::create_symlink("real/later.json", dir / "dangling.json");
  tool::write_output(dir / "dangling.json", "created");
  CHECK(fs::is_symlink(fs::symlink_status(dir / "dangling.json")));
  CHECK(read_text(dir / "real" / "later.json") == "created");
  CHECK(tool::same_output(dir / "link.json", dir / "real" / "m.json"));
  CHECK(tool::same_output(dir / "real" / "x.json", dir / "real" / ".." / "real" / "x.json"));
  CHECK_FALSE(tool::same_output(dir / "link.json", dir / "dangling.json"));
  CHECK(entries(dir / "real") == 2);
}

TEST_CASE("write_output: devices, FIFOs and descriptors are written in place") {
  // /dev/null stays the device (root could otherwise rename a regular file over it).
  tool::write_output("/dev/null", "discarded");
  struct stat st {};
  REQUIRE(::stat("/dev/null", &st) == 0);
  CHECK(S_ISCHR(st.st_mode));
  CHECK(tool::resolve_output("/dev/null", "write").kind == tool::OutputTarget::Kind::Direct);
  CHECK_FALSE(tool::same_output("/dev/null", "/dev/null"));  // writing it twice is fine

  const tool::OutputTarget out = tool::resolve_output("/dev/stdout", "write");
  CHECK(out.kind == tool::OutputTarget::Kind::Descriptor);
  CHECK(out.fd == 1);
  CHECK(tool::resolve_output("/proc/self/fd/2", "write").fd == 2);

  const fs::path dir = scratch_dir("fifo");
  const fs::path fifo = dir / "pipe";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);  // a reader is waiting
  REQUIRE(reader >= 0);
  tool::check_writable(fifo, "--out");
  tool::write_output(fifo, "through the pipe");
  char buffer[64] = {};
  const ssize_t got = ::read(reader, buffer, sizeof buffer);
  ::close(reader);
  CHECK(std::string(buffer, got > 0 ? static_cast<std::size_t>(got) : 0) == "through the pipe");
  CHECK(fs::is_fifo(fifo));
  CHECK(entries(dir) == 1);
}

TEST_CASE("write_output: a name of 255 bytes, the longest a folder takes, is written") {
  const fs::path dir = scratch_dir("long-name");
  const std::string name = std::string(250, 'n') + ".json";
  REQUIRE(name.size() == 255);
  tool::check_writable(dir / name, "--save");
  tool::write_output(dir / name, "{}");
  CHECK(read_text(dir / name) == "{}");
  CHECK(entries(dir) == 1);
}

TEST_CASE("check_writable: a location that cannot be written is found before any work") {
  const fs::path dir = scratch_dir("check");
  CHECK_NOTHROW(tool::check_writable("", "--save"));
  CHECK_NOTHROW(tool::check_writable(dir / "m.json", "--save"));
  CHECK_FALSE(fs::exists(dir / "m.json"));
  CHECK(entries(dir) == 0);  // the probe is gone
  CHECK_THROWS_WITH_AS(tool::check_writable("/proc/nope/p.csv", "--out"),
                       "--out: /proc/nope/p.csv: folder /proc/nope does not exist", tg::Error);
  // /proc takes no new files, not even from root.
  CHECK_THROWS_WITH_AS(tool::check_writable("/proc/m.json", "--save"),
                       doctest::Contains("--save: /proc/m.json: cannot create a file in folder"),
                       tg::Error);
  CHECK_THROWS_WITH_AS(tool::check_writable(dir, "--plot"), doctest::Contains("is a folder"),
                       tg::Error);
  // A line break in a path is escaped: the message stays one line.
  CHECK_THROWS_WITH_AS(tool::check_writable(dir / "no\nsuch" / "m.json", "--save"),
                       doctest::Contains("no\\nsuch"), tg::Error);
}

TEST_CASE("TempFile: removed by its destructor, by remove_temporaries and at SIGTERM") {
  const fs::path dir = scratch_dir("temp");
  {
    const tool::TempFile tmp(dir, "write", "x");
    CHECK(fs::exists(tmp.path()));
    CHECK(tmp.path().filename().string().size() < 40);  // short, whatever the target's name
  }
  CHECK(entries(dir) == 0);
  {
    const tool::TempFile tmp(dir, "write", "x");
    tool::remove_temporaries();  // the signal handler's body
    CHECK_FALSE(fs::exists(tmp.path()));
  }
  // A process that receives SIGTERM while writing a temporary file (here at a known point: it
  // sends the signal to itself) removes the file and still ends by the signal.
  tool::write_output(dir / "m.json", "old model");
  std::fflush(nullptr);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    std::signal(SIGTERM, SIG_DFL);  // as in the tool, where nothing else handles SIGTERM
    tool::TempFile tmp(dir, "write", "m.json");
    const std::string partial = "{\"format\": \"tapegrad-mo";
    if (::write(tmp.fd(), partial.data(), partial.size()) < 0) ::_exit(3);
    std::raise(SIGTERM);
    ::_exit(4);  // not reached
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGTERM);
  CHECK(entries(dir) == 1);  // only m.json: the partial temporary file is gone
  CHECK(read_text(dir / "m.json") == "old model");
}

TEST_CASE("render_dot: SVG and PNG with Graphviz, errors leave no file") {
  if (!tool::graphviz_available()) {
    MESSAGE("Graphviz's dot is not on PATH: render_dot is checked only for its error");
    CHECK_THROWS_AS(tool::render_dot("digraph {}", "never.svg", tool::ImageFormat::Svg), tg::Error);
    return;
  }
  const fs::path dir = scratch_dir("render");
  const tool::Example ex = tool::make_example("lecture", tool::default_settings("lecture"));
  const std::string dot = tg::to_dot(*ex.tape);
  tool::render_dot(dot, dir / "g.svg", tool::ImageFormat::Svg);
  const std::string svg = read_text(dir / "g.svg");
  CHECK(svg.find("<svg") != std::string::npos);
  CHECK(svg.find("value 0.6444") != std::string::npos);  // L, the lecture's loss
  tool::render_dot(dot, dir / "g.png", tool::ImageFormat::Png);
  CHECK(read_text(dir / "g.png").substr(1, 3) == "PNG");
  CHECK_THROWS_WITH_AS(
      tool::render_dot("digraph { a -> }", dir / "bad.svg", tool::ImageFormat::Svg),
      doctest::Contains("dot failed (exit status 1)"), tg::Error);
  CHECK_FALSE(fs::exists(dir / "bad.svg"));
  CHECK_THROWS_WITH_AS(tool::render_dot(dot, dir / "none" / "g.svg", tool::ImageFormat::Svg),
                       doctest::Contains("does not exist"), tg::Error);
  tool::render_dot(dot, "/dev/null", tool::ImageFormat::Svg);  // in place: the device stays
  CHECK(fs::is_character_file("/dev/null"));
  CHECK(entries(dir) == 2);
}
