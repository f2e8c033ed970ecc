#include "tapegrad/ops/dot.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "tapegrad/engine/error.hpp"
#include "tapegrad/ops/op_kind.hpp"

namespace tapegrad {
namespace {

constexpr std::string_view kHighlight = "#d62728";

std::string num(double x, int precision) { return fmt::format("{:.{}g}", x, precision); }

std::string node_name(const NodeInfo& n) {
  return n.label.empty() ? fmt::format("#{}", n.index) : std::string(n.label);
}

std::string value_label(const Tape& tape, const NodeInfo& n, const DotOptions& o) {
  std::string label = node_name(n);
  label += fmt::format("\n{} {}", n.name, n.shape);
  label += "\ndata " + format_value(tape.value(n.index), o.precision, o.max_full_elements);
  if (o.show_gradients && tape.has_grad(n.index)) {
    if (n.index >= o.gradients_from) {
      label += "\ngrad " + format_value(tape.grad(n.index), o.precision, o.max_full_elements);
    } else {
      label += "\ngrad ?";
    }
  }
  return label;
}

// Params blue, inputs grey, intermediate values white.
std::string_view node_style(const NodeInfo& n) {
  if (n.is_param()) return R"(shape=box, style="rounded,filled", fillcolor="#cfe2ff")";
  if (n.is_leaf()) return R"(shape=box, style="filled", fillcolor="#eeeeee")";
  return R"(shape=box, style="rounded")";
}

// The label of the edge from input slot `slot` into node n, or "" for none.
std::string edge_label(const Tape& tape, const NodeInfo& n, std::size_t slot, const DotOptions& o,
                       bool highlighted) {
  std::vector<std::string> lines;
  const std::optional<double> d = local_partial(tape, n.index, slot);
  const NodeInfo in = tape.node(n.inputs[slot]);
  if (o.edge_derivatives && d) {
    lines.push_back(fmt::format("∂{}/∂{} = {}", node_name(n), node_name(in), num(*d, o.precision)));
  }
  if (highlighted && d && tape.has_grad(n.index) && tape.has_grad(in.index) &&
      tape.value(n.index).size() == 1) {
    lines.push_back(fmt::format("grad += {}", num(tape.grad(n.index)[0] * *d, o.precision)));
  }
  std::string out;
  for (const std::string& line : lines) out += (out.empty() ? "" : "\n") + line;
  return out;
}

void check_options(const Tape& tape, const DotOptions& o) {
  if (o.precision < 1 || o.precision > 17) {
    detail::fail("to_dot", "precision", "{} is outside 1..17", o.precision);
  }
  if (o.anomaly && *o.anomaly >= tape.size()) {
    detail::fail("to_dot", "anomaly", "node {} is out of range (the tape has {} nodes)", *o.anomaly,
                 tape.size());
  }
  if (o.highlight && *o.highlight >= tape.size()) {
    detail::fail("to_dot", "highlight", "node {} is out of range (the tape has {} nodes)",
                 *o.highlight, tape.size());
  }
  if (o.rankdir != "LR" && o.rankdir != "TB" && o.rankdir != "RL" && o.rankdir != "BT") {
    detail::fail("to_dot", "rankdir", "\"{}\" is not one of LR, TB, RL, BT", o.rankdir);
  }
}

// A temporary name next to `path`, unique within this process and across processes.
std::filesystem::path temp_name(const std::filesystem::path& path) {
  static std::atomic<unsigned> counter{0};
  std::filesystem::path tmp = path;
  tmp += fmt::format(".tmp{}.{}", static_cast<long>(::getpid()), counter++);
  return tmp;
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

}  // namespace

std::string dot_quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        break;
      default:
        out += c;
    }
  }
  out += '"';
  return out;
}

std::string format_value(TensorView value, int precision, std::size_t max_full_elements) {
  if (value.size() == 1) return num(value[0], precision);
  if (value.size() == 0) return "[]";
  if (value.size() <= max_full_elements) {
    std::string out;
    for (std::size_t r = 0; r < value.rows(); ++r) {
      if (r > 0) out += '\n';
      out += '[';
      for (std::size_t c = 0; c < value.cols(); ++c) {
        if (c > 0) out += ", ";
        out += num(value(r, c), precision);
      }
      out += ']';
    }
    return out;
  }
  double lo = value[0], hi = value[0], total = 0.0;
  for (const double x : value) {
    lo = std::min(lo, x);
    hi = std::max(hi, x);
    total += x;
  }
  return fmt::format("{} min {} mean {} max {}", value.shape(), num(lo, precision),
                     num(total / static_cast<double>(value.size()), precision), num(hi, precision));
}

std::optional<double> local_partial(const Tape& tape, std::size_t node, std::size_t slot) {
  return tape.local_partial(node, slot);
}

std::string to_dot(const Tape& tape, const DotOptions& o) {
  check_options(tape, o);
  std::string out = "digraph tapegrad {\n";
  out += fmt::format("  rankdir={};\n", o.rankdir);
  out += "  graph [fontname=\"Helvetica\"];\n  node [fontname=\"Helvetica\", fontsize=11];\n";
  out += "  edge [fontname=\"Helvetica\", fontsize=9];\n";
  if (!o.title.empty()) {
    out += fmt::format("  labelloc=t;\n  label={};\n", dot_quote(o.title));
  }
  const bool separate = o.ops == OpStyle::Separate;
  for (std::size_t i = 0; i < tape.size(); ++i) {
    const NodeInfo n = tape.node(i);
    const bool hi = o.highlight == i;
    const bool anomaly = o.anomaly == i;
    const std::string_view extra = hi ? ", penwidth=3, color=\"#d62728\"" : "";
    // Later attributes override node_style's fill.
    const std::string_view mark =
        anomaly ? ", style=\"rounded,filled,bold\", fillcolor=\"#f8d7da\", color=\"#d62728\", "
                  "penwidth=3"
                : "";
    const std::string text =
        anomaly ? value_label(tape, n, o) + "\nnon-finite (anomaly)" : value_label(tape, n, o);
    out +=
        fmt::format("  v{} [label={}, {}{}{}];\n", i, dot_quote(text), node_style(n), extra, mark);
    if (n.input_count == 0) continue;
    const std::string target = separate ? fmt::format("op{}", i) : fmt::format("v{}", i);
    if (separate) {
      out += fmt::format(
          "  op{} [label={}, shape=ellipse, style=filled, fillcolor=\"#fff3cd\", fontsize=10, "
          "margin=\"0.05,0.02\"{}];\n",
          i, dot_quote(op_bubble(n, o.precision)), extra);
      out += fmt::format("  op{} -> v{}{};\n", i, i,
                         hi ? fmt::format(" [color=\"{}\", penwidth=2.5]", kHighlight) : "");
    }
    for (std::size_t s = 0; s < n.input_count; ++s) {
      const std::string label = edge_label(tape, n, s, o, hi);
      std::vector<std::string> attrs;
      if (!label.empty()) attrs.push_back("label=" + dot_quote(label));
      if (hi) {
        attrs.push_back(fmt::format("color=\"{}\"", kHighlight));
        attrs.push_back("penwidth=2.5");
        attrs.push_back(fmt::format("fontcolor=\"{}\"", kHighlight));
      }
      std::string attr_text;
      for (const std::string& a : attrs) attr_text += (attr_text.empty() ? "" : ", ") + a;
      out += fmt::format("  v{} -> {}{};\n", n.inputs[s], target,
                         attr_text.empty() ? std::string() : " [" + attr_text + "]");
    }
  }
  out += "}\n";
  return out;
}

bool graphviz_available() { return find_on_path("dot").has_value(); }

void write_file_atomic(const std::filesystem::path& path, std::string_view content) {
  const std::filesystem::path tmp = temp_name(path);
  {
    std::ofstream file(tmp, std::ios::binary | std::ios::trunc);
    if (!file) {
      detail::fail("write", path.string(), "cannot create the file: {}", std::strerror(errno));
    }
    file.write(content.data(), static_cast<std::streamsize>(content.size()));
    file.close();
    if (!file) {
      std::error_code ignored;
      std::filesystem::remove(tmp, ignored);
      detail::fail("write", path.string(), "writing failed");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    detail::fail("write", path.string(), "cannot rename the temporary file: {}", ec.message());
  }
}

void render_dot(std::string_view dot, const std::filesystem::path& out, ImageFormat format) {
  const std::optional<std::string> program = find_on_path("dot");
  if (!program) {
    detail::fail("render", out.string(),
                 "Graphviz's dot program is not on PATH; install Graphviz "
                 "(apt-get install graphviz) to get pictures");
  }
  const std::filesystem::path folder = std::filesystem::absolute(out).parent_path();
  if (!std::filesystem::is_directory(folder)) {
    detail::fail("render", out.string(), "folder {} does not exist", folder.string());
  }
  const std::filesystem::path dot_file = temp_name(out);
  const std::filesystem::path image_file = temp_name(out);
  write_file_atomic(dot_file, dot);
  const std::string type = format == ImageFormat::Svg ? "-Tsvg" : "-Tpng";
  const std::string output_arg = "-o" + image_file.string();
  const std::string input_arg = dot_file.string();

  int err_pipe[2];
  if (::pipe(err_pipe) != 0) {
    std::filesystem::remove(dot_file);
    detail::fail("render", out.string(), "pipe failed: {}", std::strerror(errno));
  }
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
  int status = 0;
  const bool waited = pid > 0 && ::waitpid(pid, &status, 0) == pid;
  std::error_code ignored;
  std::filesystem::remove(dot_file, ignored);
  if (!waited || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::filesystem::remove(image_file, ignored);
    const std::string first_line = errors.substr(0, errors.find('\n'));
    if (pid < 0) detail::fail("render", out.string(), "cannot start dot: {}", std::strerror(errno));
    detail::fail("render", out.string(), "dot failed (exit status {}){}{}",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1, first_line.empty() ? "" : ": ",
                 first_line);
  }
  std::error_code ec;
  std::filesystem::rename(image_file, out, ec);
  if (ec) {
    std::filesystem::remove(image_file, ignored);
    detail::fail("render", out.string(), "cannot rename the temporary file: {}", ec.message());
  }
}

}  // namespace tapegrad
