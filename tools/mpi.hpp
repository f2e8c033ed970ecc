// `tapegrad train` under mpirun (issue 16): the MPI job of one data-parallel training. mpi.cpp
// gives the library's Collective (parallel.hpp) MPI's operations; mpi_none.cpp, built instead
// when the tool is built without MPI (TAPEGRAD_MPI off), refuses to run under mpirun.
#pragma once

#include <cstddef>
#include <string>

#include <tapegrad/tapegrad.hpp>

namespace tapegrad::tool {

/// An MPI job: MPI_Init when made, MPI_Finalize when destroyed.
class MpiJob {
 public:
  /// Joins the job of `processes` processes; without MPI (mpi_none.cpp) throws Error
  /// ("train: mpirun: started as one of 3 processes, but this tapegrad trains in one process
  /// only (built without MPI); run it without mpirun").
  explicit MpiJob(std::size_t processes);
  MpiJob(const MpiJob&) = delete;
  MpiJob& operator=(const MpiJob&) = delete;
  ~MpiJob();

  /// What `tapegrad train --help` says about mpirun.
  [[nodiscard]] static const char* help() noexcept;

  /// This process's rank and the job's sum, max and gather over MPI_COMM_WORLD.
  [[nodiscard]] const Collective& collective() const noexcept { return collective_; }

  /// Prints `line` ("tapegrad: ...") on stderr and stops every process of the job with exit
  /// status `status` (MPI_Abort): for a failure on this process alone while the others may be
  /// waiting in a collective operation.
  [[noreturn]] void abort(const std::string& line, int status) const;

 private:
  Collective collective_;
};

}  // namespace tapegrad::tool
