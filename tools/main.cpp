// tapegrad: the command-line tool. Builds the command line from the subcommands' own
// registrations (add_<command> in tools/<command>.cpp), parses it and runs one subcommand.
// Exit status: 0 success, 1 a failed check, 2 a usage or input error, or a run the machine cannot
// carry out (out of memory, standard output that cannot be written); errors are one line on
// stderr.
#include <cstdio>
#include <exception>
#include <filesystem>
#include <new>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>  // mallopt
#endif

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "output.hpp"

#ifndef TAPEGRAD_VERSION
#define TAPEGRAD_VERSION "unknown"
#endif

namespace tg = tapegrad;
namespace tool = tapegrad::tool;

namespace {

template <typename T>
bool is_a(const std::exception& e) {
  return dynamic_cast<const T*>(&e) != nullptr;
}

// The line for an exception that escaped a subcommand and is neither a tapegrad::Error nor a
// CLI11 error: what went wrong and the standard type, rather than a bare what() such as
// "vector::reserve" or "std::bad_alloc".
std::string describe_unexpected(const std::exception& e) {
  if (is_a<std::bad_alloc>(e)) return "out of memory (std::bad_alloc)";
  const char* type = is_a<std::filesystem::filesystem_error>(e)
                         ? "std::filesystem::filesystem_error"
                     : is_a<std::system_error>(e)  ? "std::system_error"
                     : is_a<std::length_error>(e)  ? "std::length_error"
                     : is_a<std::out_of_range>(e)  ? "std::out_of_range"
                     : is_a<std::logic_error>(e)   ? "std::logic_error"
                     : is_a<std::runtime_error>(e) ? "std::runtime_error"
                                                   : "std::exception";
  return fmt::format("{} ({}: {})",
                     is_a<std::length_error>(e) ? "too large to allocate" : "unexpected error",
                     type, e.what());
}

// One line on stderr, "tapegrad: <message>", whatever the message holds (a path with a line
// break, say, is escaped).
void report(std::string_view message) {
  fmt::print(stderr, "tapegrad: {}\n", tg::detail::shown(message, message.size()));
}

// Runs the subcommand that was given; its exit status, with the tool's error handling.
int run(const CLI::App& app, const std::vector<tool::Subcommand>& subcommands) {
  try {
    for (const tool::Subcommand& sub : subcommands) {
      if (*sub.app) {
        const int status = sub.run();
        tool::flush_stdout();  // a full disk or a closed stdout is an error, not success
        return status;
      }
    }
    fmt::print("{}", app.help());
    tool::flush_stdout();
    return 0;
  } catch (const tg::AnomalyError& e) {
    // Training diverged: a failed run (exit 1), not a usage error.
    report(fmt::format(
        "{}; hint: lower the learning rate (--lr), or keep the features standardized", e.what()));
    return 1;
  } catch (const tg::Error& e) {
    report(e.what());
    return 2;
  } catch (const std::exception& e) {
    if (std::ferror(stdout) != 0) {  // fmt::print found standard output unwritable mid-run
      try {
        tool::flush_stdout();
      } catch (const tg::Error& stdout_error) {
        report(stdout_error.what());
        return 2;
      }
    }
    // Out of memory, say, with absurd sizes the options' checks let through: still one line that
    // names the subcommand, and exit status 2 like any other input the tool cannot carry out.
    std::string where;
    for (const CLI::App* sub : app.get_subcommands()) where += sub->get_name() + ": ";
    report(where + describe_unexpected(e));
    return 2;
  }
}

// Every block of 256 KiB or more in a mapping of its own, given back to the system when it is
// freed. glibc's malloc otherwise raises that threshold to the size of each large block freed (up
// to 32 MiB), after which blocks of that size come from the heap and stay resident once freed:
// train's transient arrays of 8 bytes a row (the sorted copy of the labels that encode_target
// scans, the split's permutation) then stayed resident through training, 0.05 of the numbers'
// size (docs/performance.md, "Memory").
void give_back_large_blocks() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
}

}  // namespace

int main(int argc, char** argv) {
  give_back_large_blocks();
  tool::hold_standard_descriptors();
  CLI::App app{
      "tapegrad: tape-based reverse-mode automatic differentiation, explained.\n"
      "Run 'tapegrad SUBCOMMAND --help' for the options of one subcommand.",
      "tapegrad"};
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", "tapegrad " TAPEGRAD_VERSION, "Print the version and exit");
  const std::vector<tool::Subcommand> subcommands{
      tool::add_explain(app), tool::add_graph(app),     tool::add_gradcheck(app),
      tool::add_train(app),   tool::add_predict(app),   tool::add_eval(app),
      tool::add_demo(app),    tool::add_playground(app)};

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {  // --help, --version
      const int status = app.exit(e);
      try {
        tool::flush_stdout();
      } catch (const tg::Error& stdout_error) {
        report(stdout_error.what());
        return 2;
      }
      return status;
    }
    report(fmt::format("{} (see tapegrad --help)", e.what()));
    return 2;
  }
  return run(app, subcommands);
}
