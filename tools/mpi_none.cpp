// MpiJob for a tool built without MPI (see mpi.hpp): it refuses to run under mpirun, since the
// copies would each train on all the rows and write the same files.
#include <cstdio>
#include <cstdlib>

#include "mpi.hpp"

namespace tapegrad::tool {

MpiJob::MpiJob(std::size_t processes) {
  detail::fail("train", "mpirun",
               "started as one of {} processes, but this tapegrad trains in one process only "
               "(built without MPI); run it without mpirun",
               processes);
}

MpiJob::~MpiJob() = default;

const char* MpiJob::help() noexcept {
  return "built without MPI, so it refuses to run under mpirun with several processes";
}

void MpiJob::abort(const std::string& line, int status) const {
  std::fputs(line.c_str(), stderr);
  std::exit(status);
}

}  // namespace tapegrad::tool
