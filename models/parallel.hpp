// Data-parallel reading and training across processes (an MPI job's ranks, say) without knowing
// how they talk: a Collective carries the three operations the processes need (sum, max and
// gather), so that this library never links MPI and the functions can be tested with threads
// standing for processes (tests/models/parallel_test.cpp). tools/mpi.cpp gives them MPI.
//
// read_csv_shared: every process reads its own byte range of one CSV file (plan_csv_share:
// ranges of about equal size split at line starts outside quotes, the header read by all), and
// the processes agree on what read_csv decides from the whole file: which text columns there are
// and their categories (the union, in byte order), a text target's classes (the union, in byte
// order, y renumbered). A column numeric on one process and text on an earlier one (in file
// order) becomes text everywhere, as read_csv's first value decides; numeric before text fails.
// MissingPolicy::mean fills with the whole file's means, as read_csv computes them (bit for bit:
// the processes sum present values and counts, a numeric column's sum taken in row order), and
// a missing target fails as in one process, counting every process's. Not supported: a text
// column refused as an identifier (checked per share, not over the whole file).
//
// encode_target_shared: encode_target's decision from the target's distinct values over every
// process's rows.
//
// Failures: a function that fails on some processes only would leave the others waiting in a
// collective operation. run_collectively runs a step on every process and then agrees: if any
// failed, every process throws SharedError, the lowest-numbered failing process's carrying its
// message and report() true, the others report() false (so that one line is printed).
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tapegrad/engine/error.hpp"
#include "tapegrad/models/columns.hpp"
#include "tapegrad/models/dataset.hpp"

namespace tapegrad {

/// What the processes of one data-parallel job do together. Every process must make the same
/// calls in the same order.
struct Collective {
  std::size_t rank = 0;  ///< this process, 0..size-1
  std::size_t size = 1;  ///< number of processes
  Reducer sum;           ///< element-wise sums over the processes, in place
  Reducer max;           ///< element-wise maxima over the processes, in place
  /// Every process's `bytes`, in rank order.
  std::function<std::vector<std::string>(const std::string& bytes)> gather;
};

/// Thrown on every process alike when a step of a data-parallel job failed on one of them.
class SharedError : public Error {
 public:
  SharedError(const std::string& what, bool report) : Error(what), report_(report) {}
  /// True on the one process that should print the message (the lowest-numbered that failed).
  [[nodiscard]] bool report() const noexcept { return report_; }

 private:
  bool report_;
};

/// Runs `step` on every process, then agrees (one `sum`): when it threw on any, throws
/// SharedError on every process (see the top of this file).
void run_collectively(const Collective& c, const std::function<void()>& step);

/// The rows of this process's share of CSV file `path` (see the top of this file), and where
/// they lie among all processes' rows.
struct SharedDataset {
  Dataset data;                ///< this process's rows, encoded as every process encodes them
  std::size_t row_offset = 0;  ///< kept rows of the processes before this one
  std::size_t total_rows = 0;  ///< kept rows over all processes
};

/// Reads this process's share of `path` (see the top of this file). Fails on every process
/// (SharedError) when one fails, and when a share holds no rows ("N processes for M data rows").
SharedDataset read_csv_shared(const std::filesystem::path& path, const CsvOptions& options,
                              const Collective& c);

/// encode_target on `data`, this process's rows, deciding from the target's values over every
/// process's rows (read_csv_shared makes the text classes agree already).
TargetEncoding encode_target_shared(Dataset& data, TaskChoice choice, std::string_view file,
                                    const Collective& c);

}  // namespace tapegrad
