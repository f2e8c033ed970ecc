// The tool's output files: resolving a path to what it names, safe writes, Graphviz rendering,
// temporary files removed at a terminating signal. See output.hpp.
#include "output.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <system_error>

#include <fmt/format.h>
#include <tapegrad/engine/error.hpp>

namespace tapegrad::tool {
namespace fs = std::filesystem;
namespace {

// The registry of temporary files that exist right now, readable from a signal handler: fixed
// storage, lock-free atomics. A slot is free (0), being filled (1) or holds a path (2).
constexpr std::size_t kSlots = 64;
struct Slot {
  std::atomic<int> state{0};
  std::array<char, PATH_MAX> path{};
};
std::array<Slot, kSlots> g_slots;
bool g_stdout_closed = false;  // standard output was closed when the tool started

extern "C" void on_terminating_signal(int signal) {
  remove_temporaries();
  // SA_RESETHAND restored the default action: the process ends with this signal, as it would
  // have without the handler.
  std::raise(signal);
}

// Installs the handler for SIGTERM, SIGINT and SIGHUP where another one is in place (checked at
// every temporary file: cheap, and a handler set since is replaced), but not where the signal is
// ignored (nohup's SIGHUP stays ignored).
void install_handlers() {
  for (const int signal : {SIGTERM, SIGINT, SIGHUP}) {
    struct sigaction old {};
    if (::sigaction(signal, nullptr, &old) != 0 || old.sa_handler == SIG_IGN ||
        old.sa_handler == on_terminating_signal) {
      continue;
    }
    struct sigaction action {};
    action.sa_handler = on_terminating_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND;
    ::sigaction(signal, &action, nullptr);
  }
}

std::size_t claim_slot(const fs::path& path, std::string_view op, std::string_view shown) {
  const std::string& text = path.native();
  if (text.size() >= PATH_MAX) detail::fail(op, shown, "the folder's path is too long");
  for (std::size_t i = 0; i < kSlots; ++i) {
    int expected = 0;
    if (g_slots[i].state.compare_exchange_strong(expected, 1)) {
      std::memcpy(g_slots[i].path.data(), text.c_str(), text.size() + 1);
      g_slots[i].state.store(2);
      return i;
    }
  }
  detail::fail(op, shown, "more than {} temporary files at once", kSlots);
}

// Writes all of `content` to `fd`; errno of a failed write, else 0.
int write_all(int fd, std::string_view content) {
  for (std::size_t done = 0; done < content.size();) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    done += static_cast<std::size_t>(n);
  }
  return 0;
}

[[noreturn]] void fail_errno(std::string_view op, std::string_view shown, std::string_view what,
                             int error) {
  detail::fail(op, shown, "{}: {}", what, std::strerror(error));
}

// The descriptor a path names (/dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N), if any.
std::optional<int> descriptor_of(std::string_view path) {
  if (path == "/dev/stdout") return STDOUT_FILENO;
  if (path == "/dev/stderr") return STDERR_FILENO;
  for (const std::string_view prefix : {"/dev/fd/", "/proc/self/fd/"}) {
    if (!path.starts_with(prefix)) continue;
    const std::string_view digits = path.substr(prefix.size());
    if (digits.empty() || digits.size() > 6 ||
        digits.find_first_not_of("0123456789") != std::string_view::npos) {
      return std::nullopt;
    }
    return std::atoi(std::string(digits).c_str());
  }
  return std::nullopt;
}

// `path` with every symbolic link followed (a dangling link gives the name it points to).
fs::path follow_links(const fs::path& path, std::string_view op, std::string_view shown) {
  fs::path p = path;
  for (int hops = 0; hops < 40; ++hops) {
    std::error_code ec;
    if (!fs::is_symlink(fs::symlink_status(p, ec))) return p;
    const fs::path target = fs::read_symlink(p, ec);
    if (ec) detail::fail(op, shown, "cannot read the symbolic link: {}", ec.message());
    p = target.is_absolute() ? target : p.parent_path() / target;
  }
  detail::fail(op, shown, "too many levels of symbolic links");
}

// The folder a Replace target's temporary file goes to; fails when it does not exist.
fs::path folder_of(const fs::path& file, std::string_view op, std::string_view shown) {
  const fs::path folder = file.parent_path().empty() ? fs::path(".") : file.parent_path();
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    detail::fail(op, shown, "folder {} does not exist",
                 shown_path(fs::absolute(file, ec).parent_path()));
  }
  return folder;
}

}  // namespace

std::string read_whole(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::string shown_path(const fs::path& path) {
  return detail::shown(path.native(), path.native().size());
}

OutputTarget resolve_output(const fs::path& path, std::string_view op) {
  const std::string shown = shown_path(path);
  if (const std::optional<int> fd = descriptor_of(path.native())) {
    return {OutputTarget::Kind::Descriptor, path, *fd};
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) detail::fail(op, shown, "is a folder");
    if (!S_ISREG(st.st_mode)) return {OutputTarget::Kind::Direct, path, -1};
  } else if (errno != ENOENT) {
    fail_errno(op, shown, "cannot examine the path", errno);
  }
  return {OutputTarget::Kind::Replace, follow_links(path, op, shown), -1};
}

void check_writable(const fs::path& path, std::string_view option) {
  if (path.empty()) return;
  const std::string shown = shown_path(path);
  const OutputTarget target = resolve_output(path, option);
  switch (target.kind) {
    case OutputTarget::Kind::Descriptor: {
      const int flags = ::fcntl(target.fd, F_GETFL);
      if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY) {
        detail::fail(option, shown, "descriptor {} is not open for writing", target.fd);
      }
      return;
    }
    case OutputTarget::Kind::Direct: {
      struct stat st {};
      // Opening a FIFO for writing waits for a reader: the write itself will.
      if (::stat(path.c_str(), &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) return;
      const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
      if (fd < 0) fail_errno(option, shown, "cannot open it for writing", errno);
      ::close(fd);
      return;
    }
    case OutputTarget::Kind::Replace: {
      const TempFile probe(folder_of(target.path, option, shown), option, shown);
      return;
    }
  }
}

bool same_output(const fs::path& a, const fs::path& b) {
  const OutputTarget ta = resolve_output(a, "write"), tb = resolve_output(b, "write");
  if (ta.kind != OutputTarget::Kind::Replace || tb.kind != OutputTarget::Kind::Replace) {
    return false;
  }
  std::error_code ec, ea, eb;
  if (fs::equivalent(ta.path, tb.path, ec)) return true;  // both exist: one file (hard links too)
  const fs::path ca = fs::weakly_canonical(fs::absolute(ta.path), ea);
  const fs::path cb = fs::weakly_canonical(fs::absolute(tb.path), eb);
  return !ea && !eb && ca == cb;
}

OutputFile::OutputFile(const fs::path& path)
    : shown_(shown_path(path)), target_(resolve_output(path, "write")) {
  switch (target_.kind) {
    case OutputTarget::Kind::Descriptor:
      std::fflush(stdout);  // what was printed before comes first
      std::fflush(stderr);
      fd_ = target_.fd;
      return;
    case OutputTarget::Kind::Direct:
      fd_ = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
      if (fd_ < 0) fail_errno("write", shown_, "cannot open it for writing", errno);
      owned_ = true;
      return;
    case OutputTarget::Kind::Replace: {
      const fs::path folder = folder_of(target_.path, "write", shown_);
      struct stat old {};
      const bool existed = ::stat(target_.path.c_str(), &old) == 0;
      tmp_ = std::make_unique<TempFile>(folder, "write", shown_);
      if (existed) {  // the replacement keeps the file's permissions (and owner, where allowed)
        (void)::fchmod(tmp_->fd(), old.st_mode & 07777);
        (void)::fchown(tmp_->fd(), old.st_uid, old.st_gid);
      }
      fd_ = tmp_->fd();
      return;
    }
  }
}

OutputFile::~OutputFile() {
  if (owned_ && fd_ >= 0) (void)::close(fd_);
}  // an uncommitted temporary file is removed by its destructor

void OutputFile::write(std::string_view content) {
  if (const int error = write_all(fd_, content)) fail_errno("write", shown_, "cannot write", error);
}

void OutputFile::commit() {
  if (owned_) {
    const int closed = ::close(fd_) == 0 ? 0 : errno;
    fd_ = -1;
    if (closed != 0) fail_errno("write", shown_, "cannot write", closed);
  }
  if (!tmp_) return;
  if (::fsync(tmp_->fd()) != 0) fail_errno("write", shown_, "cannot flush", errno);
  if (const int error = tmp_->close()) fail_errno("write", shown_, "cannot write", error);
  if (const int error = tmp_->commit(target_.path)) {
    fail_errno("write", shown_, "cannot replace the file", error);
  }
}

void write_output(const fs::path& path, std::string_view content) {
  OutputFile out(path);
  out.write(content);
  out.commit();
}

std::optional<std::string> find_on_path(std::string_view program) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return std::nullopt;
  std::string_view rest = path;
  while (true) {
    const std::size_t colon = rest.find(':');
    const std::string_view dir = rest.substr(0, colon);
    if (!dir.empty()) {
      std::string candidate = fmt::format("{}/{}", dir, program);
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  return std::nullopt;
}

bool graphviz_available() { return find_on_path("dot").has_value(); }

void render_dot(std::string_view dot, const fs::path& out, ImageFormat format) {
  const std::string shown = shown_path(out);
  const std::optional<std::string> program = find_on_path("dot");
  if (!program) {
    detail::fail("render", shown,
                 "Graphviz's dot program is not on PATH; install Graphviz "
                 "(apt-get install graphviz) to get pictures");
  }
  const OutputTarget target = resolve_output(out, "render");
  if (target.kind == OutputTarget::Kind::Replace) (void)folder_of(target.path, "render", shown);
  std::error_code ec;
  fs::path scratch = fs::temp_directory_path(ec);
  if (ec) scratch = "/tmp";
  TempFile input(scratch, "render", shown);
  if (const int error = write_all(input.fd(), dot)) {
    fail_errno("render", shown, "cannot write a temporary file", error);
  }
  if (const int error = input.close()) {
    fail_errno("render", shown, "cannot write a temporary file", error);
  }
  TempFile image(scratch, "render", shown);
  (void)image.close();
  const std::string type = format == ImageFormat::Svg ? "-Tsvg" : "-Tpng";
  const std::string output_arg = "-o" + image.path().string();
  const std::string input_arg = input.path().string();

  int err_pipe[2];
  if (::pipe(err_pipe) != 0) fail_errno("render", shown, "pipe failed", errno);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(err_pipe[1], STDERR_FILENO);
    const int null_out = ::open("/dev/null", O_WRONLY);
    if (null_out >= 0) ::dup2(null_out, STDOUT_FILENO);
    ::close(err_pipe[0]);
    ::close(err_pipe[1]);
    std::array<char*, 5> argv{const_cast<char*>("dot"), const_cast<char*>(type.c_str()),
                              const_cast<char*>(output_arg.c_str()),
                              const_cast<char*>(input_arg.c_str()), nullptr};
    ::execv(program->c_str(), argv.data());
    ::_exit(127);
  }
  const int fork_error = errno;
  ::close(err_pipe[1]);
  std::string errors;
  if (pid > 0) {
    std::array<char, 4096> buffer{};
    while (true) {
      const ssize_t got = ::read(err_pipe[0], buffer.data(), buffer.size());
      if (got > 0) {
        errors.append(buffer.data(), static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        break;
      }
    }
  }
  ::close(err_pipe[0]);
  if (pid < 0) fail_errno("render", shown, "cannot start dot", fork_error);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const std::string first_line = errors.substr(0, errors.find('\n'));
    detail::fail("render", shown, "dot failed (exit status {}){}{}",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1, first_line.empty() ? "" : ": ",
                 detail::shown(first_line, 200));
  }
  write_output(out, read_whole(image.path()));
}

TempFile::TempFile(const fs::path& folder, std::string_view op, std::string_view shown) {
  static std::atomic<unsigned> counter{0};
  install_handlers();
  path_ = folder / fmt::format(".tapegrad-{}-{}.tmp", static_cast<long>(::getpid()), counter++);
  slot_ = claim_slot(path_, op, shown);  // registered before it exists, so never missed
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd_ < 0) {
    const int error = errno;
    g_slots[slot_].state.store(0);
    detail::fail(op, shown, "cannot create a file in folder {}: {}", shown_path(folder),
                 std::strerror(error));
  }
}

TempFile::~TempFile() {
  (void)close();
  if (done_) return;  // committed: the slot was released then
  ::unlink(path_.c_str());
  g_slots[slot_].state.store(0);
}

int TempFile::close() noexcept {
  if (fd_ < 0) return 0;
  const int result = ::close(fd_) == 0 ? 0 : errno;
  fd_ = -1;
  return result;
}

int TempFile::commit(const fs::path& target) noexcept {
  if (::rename(path_.c_str(), target.c_str()) != 0) return errno;
  done_ = true;
  g_slots[slot_].state.store(0);
  return 0;
}

void hold_standard_descriptors() {
  for (const int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    const int held = ::open("/dev/null", O_RDONLY);  // takes the lowest free number: fd
    if (held >= 0 && held != fd) ::close(held);
    if (fd == STDOUT_FILENO && held == fd) g_stdout_closed = true;
  }
}

void flush_stdout() {
  if (std::fflush(stdout) == 0 && std::ferror(stdout) == 0) return;
  const int error = errno;
  std::clearerr(stdout);
  if (g_stdout_closed) detail::fail("standard output", "cannot write", "it is closed");
  detail::fail("standard output", "cannot write", "{}", std::strerror(error != 0 ? error : EIO));
}

void remove_temporaries() noexcept {
  for (Slot& slot : g_slots) {
    if (slot.state.load() == 2) ::unlink(slot.path.data());
  }
}

}  // namespace tapegrad::tool
