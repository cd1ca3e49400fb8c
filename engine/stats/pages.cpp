#include "engine/stats/pages.hpp"

#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace sectorsim::core {

bool populate_for_write(void* p, std::size_t bytes) noexcept {
#if defined(__linux__)
  // The constant is missing from headers older than the kernel call (glibc
  // before 2.35); older kernels refuse it with EINVAL, which is harmless.
#ifndef MADV_POPULATE_WRITE
  constexpr int MADV_POPULATE_WRITE = 23;
#endif
  if (p == nullptr || bytes == 0) return false;
  static const long page_size = ::sysconf(_SC_PAGESIZE);  // once: called per cell and chunk
  if (page_size <= 0) return false;
  const auto page = static_cast<std::uintptr_t>(page_size);
  const auto begin = reinterpret_cast<std::uintptr_t>(p) & ~(page - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(p) + bytes + page - 1) & ~(page - 1);
  return ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE) == 0;
#else
  (void)p;
  (void)bytes;
  return false;
#endif
}

}  // namespace sectorsim::core
