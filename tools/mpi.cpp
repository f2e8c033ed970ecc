// MpiJob over Open MPI (see mpi.hpp): the C API on MPI_COMM_WORLD.
#include <mpi.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "mpi.hpp"

namespace tapegrad::tool {
namespace {

int as_int(std::size_t n) {
  if (n > static_cast<std::size_t>(INT_MAX)) {
    detail::fail("mpi", "message", "{} values are more than one MPI call carries", n);
  }
  return static_cast<int>(n);
}

void all_reduce(std::span<double> values, MPI_Op op) {
  MPI_Allreduce(MPI_IN_PLACE, values.data(), as_int(values.size()), MPI_DOUBLE, op, MPI_COMM_WORLD);
}

}  // namespace

MpiJob::MpiJob(std::size_t /*processes*/) {
  MPI_Init(nullptr, nullptr);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  collective_.rank = static_cast<std::size_t>(rank);
  collective_.size = static_cast<std::size_t>(size);
  collective_.sum = [](std::span<double> values) { all_reduce(values, MPI_SUM); };
  collective_.max = [](std::span<double> values) { all_reduce(values, MPI_MAX); };
  collective_.gather = [size](const std::string& bytes) {
    const int mine = as_int(bytes.size());
    std::vector<int> sizes(static_cast<std::size_t>(size)), offsets(sizes.size());
    MPI_Allgather(&mine, 1, MPI_INT, sizes.data(), 1, MPI_INT, MPI_COMM_WORLD);
    std::size_t total = 0;
    for (std::size_t r = 0; r < sizes.size(); ++r) {
      offsets[r] = as_int(total);
      total += static_cast<std::size_t>(sizes[r]);
    }
    std::vector<char> all(total + 1);
    MPI_Allgatherv(bytes.data(), mine, MPI_CHAR, all.data(), sizes.data(), offsets.data(), MPI_CHAR,
                   MPI_COMM_WORLD);
    std::vector<std::string> out;
    for (std::size_t r = 0; r < sizes.size(); ++r) {
      out.emplace_back(all.data() + offsets[r], static_cast<std::size_t>(sizes[r]));
    }
    return out;
  };
}

MpiJob::~MpiJob() { MPI_Finalize(); }

const char* MpiJob::help() noexcept {
  return "under mpirun -np N, one model on N processes, each reading its share of the rows";
}

void MpiJob::abort(const std::string& line, int status) const {
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, status);
  std::_Exit(status);  // MPI_Abort does not return; should it, stop this process at least
}

}  // namespace tapegrad::tool
