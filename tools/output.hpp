// The tapegrad tool's output files: where a path really leads, writing it safely, pictures made
// by Graphviz's dot program, and temporary files that do not outlive the process.
//
// A path given for output is written according to what it names (see resolve_output):
//   - an open descriptor (/dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N): written to that
//     descriptor, so a shell's redirection (> or >>) is respected;
//   - a device, FIFO or socket (/dev/null, a named pipe), directly or through symbolic links:
//     opened and written in place; nothing is created or renamed next to it;
//   - a regular file, or a name that does not exist yet: written to a temporary file in the same
//     folder and renamed over it, so readers see the old file or the new one and an error leaves
//     no partial file. A symbolic link is followed: the file it points to is replaced, the link
//     stays. An existing file keeps its permission bits.
// Temporary names are short (".tapegrad-PID-N.tmp"), so any valid name can be written. Each
// temporary file is registered while it exists; SIGTERM, SIGINT and SIGHUP remove the registered
// ones before the process ends with that signal.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tapegrad::tool {

/// How an output path is written (see the top of this header).
struct OutputTarget {
  enum class Kind {
    Descriptor,  ///< an open descriptor of this process: write to `fd`
    Direct,      ///< a device, FIFO or socket: open `path` and write in place
    Replace,     ///< a regular file or a new name: temporary file in its folder, then rename
  };
  Kind kind = Kind::Replace;
  std::filesystem::path path;  ///< Replace: the file itself, symbolic links followed
  int fd = -1;                 ///< Descriptor: the descriptor
};

/// What writing `path` means (symbolic links followed). Throws Error "<op>: <path>: <reason>" for
/// a folder, too many levels of symbolic links, or a path that cannot be examined.
[[nodiscard]] OutputTarget resolve_output(const std::filesystem::path& path, std::string_view op);

/// Fails before any work is done unless `path` can be written: its folder must exist and take a
/// new file (tried with a temporary file, removed at once), a device must open for writing, a
/// descriptor must be open for writing. Errors read "<option>: <path>: <reason>". Nothing for an
/// empty path.
void check_writable(const std::filesystem::path& path, std::string_view option);

/// True when `a` and `b` lead to the same regular file (or the same new name), symbolic links
/// followed; devices and descriptors are never the same file (writing /dev/null twice is fine).
[[nodiscard]] bool same_output(const std::filesystem::path& a, const std::filesystem::path& b);

/// Writes `content` to `path` as resolve_output says. Throws Error ("write: <path>: <reason>")
/// when it cannot; a regular file is then left as it was.
void write_output(const std::filesystem::path& path, std::string_view content);

/// `path` as it appears in a message: control characters escaped (one line), never cut.
[[nodiscard]] std::string shown_path(const std::filesystem::path& path);

/// The whole content of a file ("" when it cannot be read).
[[nodiscard]] std::string read_whole(const std::filesystem::path& path);

/// `text` with every `from` replaced by `to` (from non-empty).
[[nodiscard]] std::string replace_all(std::string text, std::string_view from, std::string_view to);

/// The path of `program` on PATH (an executable file), or nullopt.
[[nodiscard]] std::optional<std::string> find_on_path(std::string_view program);

/// True when Graphviz's `dot` program is found on PATH.
[[nodiscard]] bool graphviz_available();

/// Picture formats render_dot() can write.
enum class ImageFormat { Svg, Png };

/// Renders DOT text to `out` with Graphviz's `dot` program (its input and output are temporary
/// files in the system's temporary folder), then writes the picture with write_output. Throws
/// Error when `dot` is not on PATH ("... install Graphviz: apt-get install graphviz"), when it
/// fails (its exit status and first line of error output in the message), or when `out` cannot
/// be written; `out` is then untouched.
void render_dot(std::string_view dot, const std::filesystem::path& out, ImageFormat format);

/// A temporary file, created empty in `folder` (mode 0666 less the umask) and registered for
/// removal at SIGTERM, SIGINT and SIGHUP; the destructor removes it unless it was committed.
class TempFile {
 public:
  /// Creates the file; throws Error "<op>: <shown>: <reason>" when it cannot.
  TempFile(const std::filesystem::path& folder, std::string_view op, std::string_view shown);
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile();

  /// The temporary file's path.
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  /// The open descriptor (write only); -1 after close().
  [[nodiscard]] int fd() const noexcept { return fd_; }
  /// Closes the descriptor; returns errno of a failed close, else 0.
  int close() noexcept;
  /// Renames the file over `target` (after close()); returns errno of a failed rename, else 0.
  /// The file is then no longer this object's to remove.
  int commit(const std::filesystem::path& target) noexcept;

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::size_t slot_ = 0;
  bool done_ = false;
};

/// An output written piece by piece as resolve_output says: a regular file (or a new name) is
/// written to a temporary file in its folder and renamed over it by commit(), so that an error
/// on the way (or no commit) leaves it as it was; a device or descriptor is written in place.
/// Errors read "write: <path>: <reason>".
class OutputFile {
 public:
  /// Opens the output (creates the temporary file).
  explicit OutputFile(const std::filesystem::path& path);
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  /// Without commit(), removes the temporary file.
  ~OutputFile();
  /// Appends `content`.
  void write(std::string_view content);
  /// Flushes and puts the file in place.
  void commit();

 private:
  std::string shown_;
  OutputTarget target_;
  std::unique_ptr<TempFile> tmp_;
  int fd_ = -1;
  bool owned_ = false;  // a device opened here, closed here
};

/// Run first in main: a closed standard descriptor (0, 1 or 2) is taken by /dev/null opened read
/// only, so that no file the tool opens gets its number and writing to it still fails.
void hold_standard_descriptors();

/// Flushes standard output; throws Error ("standard output: cannot write: <reason>") when what
/// was printed could not all be written (a full disk, a closed descriptor).
void flush_stdout();

/// Removes every registered temporary file. Async-signal-safe: the body of the signal handler.
void remove_temporaries() noexcept;

}  // namespace tapegrad::tool
