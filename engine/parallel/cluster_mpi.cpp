// The MPI build: ranks of MPI_COMM_WORLD share a run's chunks.
//
// Protocol on a communicator duplicated for each run (so no message of one
// run can match another's receive):
//   DATA  rank r -> 0   a chunk's values, rank r's chunks in increasing order
//                       (MPI keeps messages of one sender and tag in order, so
//                       rank 0's receiver for r takes them one after another)
//   END   rank r -> 0   {chunks sent, failed}, after r's last DATA
//   STOP  0 -> rank r   rank 0 is done (or stopping): r takes no new chunk;
//                       r's END always precedes its wait for STOP
// Rank 0 sends STOP to every rank at the end of the run, then receives and
// drops any DATA it did not take, until each rank's END: no rank waits
// forever when the run is interrupted or fails on any rank.
#include <mpi.h>

#include <chrono>
#include <climits>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "engine/parallel/cluster.hpp"

namespace sectorsim::parallel {

namespace {

constexpr int TAG_DATA = 1, TAG_END = 2, TAG_STOP = 3;

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) {
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, msg, &len);
    throw std::runtime_error(std::string(what) + ": " +
                             std::string(msg, static_cast<std::size_t>(len)));
  }
}

int count_of(std::size_t count) {
  if (count > static_cast<std::size_t>(INT_MAX)) {
    throw std::runtime_error("a chunk of " + std::to_string(count) +
                             " values is too large for one MPI message");
  }
  return static_cast<int>(count);
}

class MpiExchange : public core::ChunkExchange {
 public:
  MpiExchange(int rank, int size)
      : rank_(rank), size_(size), ended_(static_cast<std::size_t>(size)) {
    check(MPI_Comm_dup(MPI_COMM_WORLD, &comm_), "MPI_Comm_dup");
  }
  ~MpiExchange() override { MPI_Comm_free(&comm_); }

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void send_chunk(std::uint64_t /*chunk*/, const double* values, std::size_t count) override {
    check(MPI_Send(values, count_of(count), MPI_DOUBLE, 0, TAG_DATA, comm_), "MPI_Send");
  }

  bool stop_requested() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopped_) {
      int flag = 0;
      MPI_Status st;
      check(MPI_Iprobe(0, TAG_STOP, comm_, &flag, &st), "MPI_Iprobe");
      if (flag) {
        check(MPI_Recv(nullptr, 0, MPI_BYTE, 0, TAG_STOP, comm_, MPI_STATUS_IGNORE), "MPI_Recv");
        stopped_ = true;
      }
    }
    return stopped_;
  }

  void finish_worker(std::uint64_t sent, bool failed) override {
    const std::uint64_t end[2] = {sent, failed ? 1u : 0u};
    check(MPI_Send(end, 2, MPI_UINT64_T, 0, TAG_END, comm_), "MPI_Send");
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopped_) {
      check(MPI_Recv(nullptr, 0, MPI_BYTE, 0, TAG_STOP, comm_, MPI_STATUS_IGNORE), "MPI_Recv");
      stopped_ = true;
    }
  }

  bool receive_chunk(std::uint64_t chunk, double* values, std::size_t count,
                     const std::function<bool()>& abandon) override {
    const int from = owner(chunk);
    MPI_Request req;
    check(MPI_Irecv(values, count_of(count), MPI_DOUBLE, from, TAG_DATA, comm_, &req), "MPI_Irecv");
    for (;;) {
      int done = 0;
      check(MPI_Test(&req, &done, MPI_STATUS_IGNORE), "MPI_Test");
      if (done) return true;
      if (abandon() || take_end(from)) {
        // The sender may have sent the chunk just now: test once more.
        check(MPI_Test(&req, &done, MPI_STATUS_IGNORE), "MPI_Test");
        if (done) return true;
        check(MPI_Cancel(&req), "MPI_Cancel");
        check(MPI_Wait(&req, MPI_STATUS_IGNORE), "MPI_Wait");
        return false;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }

  std::vector<int> finish_root() override {
    for (int r = 1; r < size_; ++r) {
      check(MPI_Send(nullptr, 0, MPI_BYTE, r, TAG_STOP, comm_), "MPI_Send");
    }
    std::vector<double> scratch;
    for (int r = 1; r < size_; ++r) {
      while (!is_ended(r)) {
        MPI_Status st;
        check(MPI_Probe(r, MPI_ANY_TAG, comm_, &st), "MPI_Probe");
        if (st.MPI_TAG == TAG_END) {
          take_end(r);
          continue;
        }
        int n = 0;
        check(MPI_Get_count(&st, MPI_DOUBLE, &n), "MPI_Get_count");
        scratch.resize(static_cast<std::size_t>(n));
        check(MPI_Recv(scratch.data(), n, MPI_DOUBLE, r, st.MPI_TAG, comm_, MPI_STATUS_IGNORE),
              "MPI_Recv");
      }
    }
    std::vector<int> failed;
    for (int r = 1; r < size_; ++r) {
      if (ended_[static_cast<std::size_t>(r)].failed) failed.push_back(r);
    }
    return failed;
  }

 private:
  struct End {
    bool seen = false, failed = false;
  };

  bool is_ended(int r) {
    std::lock_guard<std::mutex> lock(mu_);
    return ended_[static_cast<std::size_t>(r)].seen;
  }

  // Receives rank r's END if it has arrived; whether r has ended.
  bool take_end(int r) {
    std::lock_guard<std::mutex> lock(mu_);
    End& e = ended_[static_cast<std::size_t>(r)];
    if (e.seen) return true;
    int flag = 0;
    MPI_Status st;
    check(MPI_Iprobe(r, TAG_END, comm_, &flag, &st), "MPI_Iprobe");
    if (!flag) return false;
    std::uint64_t end[2] = {0, 0};
    check(MPI_Recv(end, 2, MPI_UINT64_T, r, TAG_END, comm_, MPI_STATUS_IGNORE), "MPI_Recv");
    e.seen = true;
    e.failed = end[1] != 0;
    return true;
  }

  int rank_, size_;
  MPI_Comm comm_ = MPI_COMM_NULL;
  std::mutex mu_;
  bool stopped_ = false;
  std::vector<End> ended_;
};

}  // namespace

Cluster::Cluster(int& argc, char**& argv) {
  int provided = 0;
  check(MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided), "MPI_Init_thread");
  started_ = true;
  if (provided < MPI_THREAD_MULTIPLE) {
    MPI_Finalize();
    started_ = false;
    throw std::runtime_error(
        "the MPI library does not support MPI_THREAD_MULTIPLE, which sectorsim's worker "
        "threads need");
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

Cluster::~Cluster() {
  if (started_) MPI_Finalize();
}

bool Cluster::mpi_build() {
  return true;
}

std::vector<bool> Cluster::ready(bool ok) {
  int mine = ok ? 1 : 0;
  std::vector<int> all(static_cast<std::size_t>(size_));
  check(MPI_Allgather(&mine, 1, MPI_INT, all.data(), 1, MPI_INT, MPI_COMM_WORLD), "MPI_Allgather");
  std::vector<bool> out;
  for (int v : all)
    out.push_back(v != 0);
  return out;
}

void Cluster::broadcast(std::vector<std::uint64_t>& values) {
  check(MPI_Bcast(values.data(), count_of(values.size()), MPI_UINT64_T, 0, MPI_COMM_WORLD),
        "MPI_Bcast");
}

std::unique_ptr<core::ChunkExchange> Cluster::exchange() {
  if (size_ < 2) return nullptr;
  return std::make_unique<MpiExchange>(rank_, size_);
}

}  // namespace sectorsim::parallel
