// `mpirun -np N tapegrad train` against one process (issue 16): runs the tool through a shell,
// once without mpirun and once under it, and checks what came out. Usage:
//   tapegrad_mpi_train TOOL MPIEXEC DATA WORKDIR RANKS SCENARIO
// Scenarios: lbfgs, gd, early_stopping (full batch: the final loss and the test loss agree with
// one process's to 1e-9 relative, the same number of epochs, rank 0 alone prints and writes),
// minibatch (two runs under mpirun give the same history and model, bit for bit), missing_mean
// (--missing mean: the final loss agrees with one process's to 1e-9 relative, and the note on
// the values filled is one process's, printed once), and the
// faults too_many_ranks, bad_row, tiny_batches, missing_file, rank_fails_training (a non-zero exit,
// one line "tapegrad: ..." on stderr naming the cause, no model file). mpirun runs with -q, without
// which Open MPI adds its own notice of a process's non-zero exit. Exit 0 when every check passes;
// one line per check.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  fmt::print("{}: {}\n", ok ? "ok" : "FAILED", what);
  failures += ok ? 0 : 1;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Run {
  int status = -1;
  std::string out, err;
};

/// Runs `command` through the shell, standard output and error into files of `dir`.
Run run(const std::string& command, const fs::path& dir, const std::string& name) {
  const fs::path out = dir / (name + ".out"), err = dir / (name + ".err");
  const std::string line = fmt::format("{} > '{}' 2> '{}'", command, out.string(), err.string());
  const int raw = std::system(line.c_str());
  Run r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128;
  r.out = read_file(out);
  r.err = read_file(err);
  fmt::print("ran ({}): {}\n", r.status, command);
  return r;
}

double rel_error(double a, double b) {
  const double scale = std::max(std::abs(a), std::abs(b));
  return scale == 0.0 ? 0.0 : std::abs(a - b) / scale;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

/// `data` with the field `field` (0-based) of data line `line` (1-based after the header)
/// replaced by `value`.
void write_changed(const fs::path& data, const fs::path& to, std::size_t line, std::size_t field,
                   const std::string& value) {
  std::istringstream in(read_file(data));
  std::ofstream out(to, std::ios::binary);
  std::string text;
  for (std::size_t k = 0; std::getline(in, text); ++k) {
    if (k == line) {
      std::vector<std::string> fields;
      std::stringstream s(text);
      for (std::string f; std::getline(s, f, ',');) fields.push_back(f);
      fields.at(field) = value;
      text.clear();
      for (std::size_t i = 0; i < fields.size(); ++i) text += (i ? "," : "") + fields[i];
    }
    out << text << '\n';
  }
}

/// `data` with missing values in several feature columns spread over the file (never in the
/// last field, the target): "NA" in a column that moves with the line, and "" in the third.
void write_with_missing(const fs::path& data, const fs::path& to) {
  std::istringstream in(read_file(data));
  std::ofstream out(to, std::ios::binary);
  std::string text;
  for (std::size_t k = 0; std::getline(in, text); ++k) {
    if (k > 0 && (k % 11 == 3 || k % 13 == 5)) {
      std::vector<std::string> fields;
      std::stringstream s(text);
      for (std::string f; std::getline(s, f, ',');) fields.push_back(f);
      if (k % 11 == 3) fields.at(k % (fields.size() - 1)) = "NA";
      if (k % 13 == 5) fields.at(2) = "";
      text.clear();
      for (std::size_t i = 0; i < fields.size(); ++i) text += (i ? "," : "") + fields[i];
    }
    out << text << '\n';
  }
}

/// The line of `text` that contains `what`, or "".
std::string line_with(const std::string& text, const std::string& what) {
  const std::size_t at = text.find(what);
  if (at == std::string::npos) return "";
  const std::size_t begin = text.rfind('\n', at), end = text.find('\n', at);
  return text.substr(begin == std::string::npos ? 0 : begin + 1,
                     end == std::string::npos ? std::string::npos : end - begin - 1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fputs("usage: tapegrad_mpi_train TOOL MPIEXEC DATA WORKDIR RANKS SCENARIO\n", stderr);
    return 2;
  }
  const std::string tool = argv[1], mpiexec = argv[2];
  const fs::path data = argv[3], dir = argv[4];
  const std::string ranks = argv[5], scenario = argv[6];
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string mpirun =
      fmt::format("'{}' -q --oversubscribe --allow-run-as-root -np {} '{}'", mpiexec, ranks, tool);
  const auto train = [&](const std::string& launcher, const fs::path& file,
                         const std::string& options) {
    return fmt::format("{} train '{}' --target malignant --threads 1 {}", launcher, file.string(),
                       options);
  };

  std::string options;
  if (scenario == "lbfgs") options = "--optimizer lbfgs";
  if (scenario == "gd") options = "--optimizer gd --epochs 50";
  if (scenario == "early_stopping") {
    options =
        "--optimizer gd --lr 2 --epochs 300 --early-stopping --patience 3 "
        "--validation-fraction 0.3";
  }
  if (!options.empty()) {
    const std::string outputs = fmt::format(
        "--json --save '{0}/m.json' --history '{0}/h.csv' "
        "--plot '{0}/loss.svg'",
        dir.string());
    const Run one = run(train(fmt::format("'{}'", tool), data, options + " --json"), dir, "one");
    const Run many = run(train(mpirun, data, options + " " + outputs), dir, "many");
    check(one.status == 0 && many.status == 0, "both runs succeed");
    if (one.status != 0 || many.status != 0) {
      fmt::print("{}\n{}\n", one.err, many.err);
      return 1;
    }
    const Json a = Json::parse(one.out), b = Json::parse(many.out);  // one document: rank 0's
    const double loss_a = a["history"].back()["loss"], loss_b = b["history"].back()["loss"];
    check(a["epochs_run"] == b["epochs_run"],
          fmt::format("epochs run: {} with {} ranks, {} in one process", b["epochs_run"].dump(),
                      ranks, a["epochs_run"].dump()));
    check(a["best_epoch"] == b["best_epoch"], fmt::format("best epoch {}", b["best_epoch"].dump()));
    check(rel_error(loss_a, loss_b) <= 1e-9,
          fmt::format("final training loss {:.17g} with {} ranks, {:.17g} in one process "
                      "(relative difference {:.3g})",
                      loss_b, ranks, loss_a, rel_error(loss_a, loss_b)));
    const double test_a = a["test_loss"], test_b = b["test_loss"];
    check(rel_error(test_a, test_b) <= 1e-9,
          fmt::format("test loss {:.17g}, one process {:.17g}", test_b, test_a));
    check(a["test"]["confusion_matrix"] == b["test"]["confusion_matrix"],
          "the same test confusion matrix");
    check(count(many.err, " epoch 1/") == 1, "one progress line for epoch 1 (rank 0's)");
    check(fs::exists(dir / "m.json") && fs::exists(dir / "h.csv") && fs::exists(dir / "loss.svg"),
          "model, history and plot written");
    std::size_t temporaries = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
      temporaries += entry.path().filename().string().starts_with(".tapegrad-") ? 1 : 0;
    }
    check(temporaries == 0, "no temporary files left");
  } else if (scenario == "missing_mean") {
    // --missing mean: every rank fills with the whole file's means, as one process does.
    const fs::path file = dir / "missing.csv";
    write_with_missing(data, file);
    const std::string mean = "--optimizer lbfgs --missing mean --json";
    const Run one = run(train(fmt::format("'{}'", tool), file, mean), dir, "one");
    const Run many = run(train(mpirun, file, mean), dir, "many");
    check(one.status == 0 && many.status == 0, "both runs succeed");
    if (one.status != 0 || many.status != 0) {
      fmt::print("{}\n{}\n", one.err, many.err);
      return 1;
    }
    const Json a = Json::parse(one.out), b = Json::parse(many.out);
    const double loss_a = a["history"].back()["loss"], loss_b = b["history"].back()["loss"];
    check(a["epochs_run"] == b["epochs_run"], fmt::format("epochs run {}", b["epochs_run"].dump()));
    check(rel_error(loss_a, loss_b) <= 1e-9,
          fmt::format("final training loss {:.17g} with {} ranks, {:.17g} in one process "
                      "(relative difference {:.3g})",
                      loss_b, ranks, loss_a, rel_error(loss_a, loss_b)));
    const std::string filled = line_with(one.err, "tapegrad: train: filled ");
    check(!filled.empty() && count(many.err, "filled ") == 1 &&
              line_with(many.err, "tapegrad: train: filled ") == filled,
          fmt::format("one line '{}' with {} ranks: {}", filled, ranks, many.err));
  } else if (scenario == "minibatch") {
    const std::string mini = "--optimizer adam --batch 64 --epochs 20 --seed 3 --json";
    const Run first =
        run(train(mpirun, data, fmt::format("{} --save '{}/a.json'", mini, dir.string())), dir,
            "first");
    const Run second =
        run(train(mpirun, data, fmt::format("{} --save '{}/b.json'", mini, dir.string())), dir,
            "second");
    check(first.status == 0 && second.status == 0, "both runs succeed");
    check(!first.out.empty() && first.out == second.out,
          "the same summary and history, bit for bit");
    check(fs::exists(dir / "a.json") && read_file(dir / "a.json") == read_file(dir / "b.json"),
          "the same model file, bit for bit");
    if (first.status == 0) {
      const Json j = Json::parse(first.out);
      check(j["epochs_run"] == 20, "20 epochs");
    }
  } else if (scenario == "rank_killed") {
    // Rank 1 killed (SIGKILL) in the middle of a long training: mpirun stops the others.
    const std::string command =
        train(mpirun, data,
              fmt::format("--optimizer gd --epochs 1000000 --save '{0}/m.json' > "
                          "'{0}/killed.out' 2> '{0}/killed.err'",
                          dir.string()));
    const pid_t child = ::fork();
    if (child == 0) {
      ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
      std::_Exit(127);
    }
    pid_t victim = 0;
    for (int tries = 0; tries < 600 && victim == 0; ++tries) {  // up to a minute
      ::usleep(100000);
      if (read_file(dir / "killed.err").find(" epoch 1/") == std::string::npos) continue;
      for (const auto& entry : fs::directory_iterator("/proc")) {
        const std::string pid = entry.path().filename().string();
        if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
        const std::string variables = read_file(entry.path() / "environ");
        const std::string cmdline = read_file(entry.path() / "cmdline");
        if (variables.find(std::string("OMPI_COMM_WORLD_RANK=1") + '\0') != std::string::npos &&
            cmdline.find(dir.string()) != std::string::npos) {
          victim = static_cast<pid_t>(std::stol(pid));
        }
      }
    }
    check(victim != 0, "found rank 1 training");
    if (victim != 0) ::kill(victim, SIGKILL);
    int raw = 0;
    ::waitpid(child, &raw, 0);
    const int status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128;
    check(status != 0, fmt::format("exit status {}, not 0", status));
    check(!fs::exists(dir / "m.json"), "no model file");
  } else {
    fs::path file = data;
    std::string expected, fault_options;
    if (scenario == "too_many_ranks") {
      // One row fewer than processes.
      file = dir / "few.csv";
      const int rows = std::stoi(ranks) - 1;
      std::ofstream csv(file);
      csv << "x,malignant\n";
      for (int i = 0; i < rows; ++i) csv << i << ',' << i % 2 << '\n';
      csv.close();
      expected = fmt::format(
          "few.csv: {} processes for {} data row{}: each process needs rows of "
          "its own; use at most {}",
          ranks, rows, rows == 1 ? "" : "s", rows);
    } else if (scenario == "bad_row") {
      file = dir / "bad.csv";
      write_changed(data, file, 560, 2, "abc");  // in the last rank's share
      expected = "bad.csv:561:3: expected a number, found 'abc'";
    } else if (scenario == "rank_fails_training") {
      // A value so large that the last rank's forward pass overflows in epoch 2 while the others
      // stay finite: that rank stops the job (MPI_Abort) with its own line.
      file = dir / "huge.csv";
      write_changed(data, file, 565, 3, "1e300");
      fault_options = "--no-standardize --optimizer gd --epochs 5 --weight-decay 0";
      expected = "fit: epoch 2: forward: node 3 (dense 'Z'): value";
    } else if (scenario == "tiny_batches") {
      // 40 rows: 32 training rows make 32 steps of 1, more than each process holds.
      file = dir / "forty.csv";
      std::istringstream in(read_file(data));
      std::ofstream out(file, std::ios::binary);
      std::string text;
      for (int k = 0; k <= 40 && std::getline(in, text); ++k) out << text << '\n';
      fault_options = "--optimizer adam --batch 1 --epochs 2";
      expected =
          "fit: batch_size: 1 per batch makes 32 steps per epoch, more than a process has "
          "examples; use larger batches or fewer processes";
    } else if (scenario == "missing_file") {
      file = dir / "none.csv";
      expected = "none.csv: cannot open the file for reading";
    } else {
      fmt::print(stderr, "unknown scenario '{}'\n", scenario);
      return 2;
    }
    const Run r =
        run(train(mpirun, file, fmt::format("{} --save '{}/m.json'", fault_options, dir.string())),
            dir, "fault");
    check(r.status != 0, fmt::format("exit status {}, not 0", r.status));
    // Besides rank 0's progress lines (a fault in training), one line.
    check(
        count(r.err, "tapegrad: ") == 1 && count(r.err, "\n") == 1 + count(r.err, "logreg epoch "),
        fmt::format("one line on stderr: {}", r.err));
    check(r.err.find(expected) != std::string::npos, fmt::format("naming '{}'", expected));
    check(r.out.empty(), "nothing on stdout");
    check(!fs::exists(dir / "m.json"), "no model file");
  }
  return failures == 0 ? 0 : 1;
}
