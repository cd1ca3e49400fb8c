// Mapping in fresh memory before it is written.
//
// The exact-quantile store is a large stretch of memory never touched
// before. Touched page by page, it costs a page fault per page (on a shared
// virtual machine the kernel's zeroing of a fresh page is most of it), a
// noticeable share of a summary-only run. Asking the kernel to map a range
// in one system call does the same work for less, and the draw phase of such
// a run is shorter for it (figures in docs/performance.md).
#pragma once

#include <cstddef>

namespace sectorsim::core {

/// Below this a range is left to fault in: a system call costs more than
/// the one or two page faults it would save.
inline constexpr std::size_t POPULATE_MIN_BYTES = 16384;

/// Maps in the pages spanning [p, p + bytes) as if each were written, without
/// changing any byte (Linux 5.14 and later: madvise(MADV_POPULATE_WRITE)).
/// Returns false, having done nothing, where the system offers no such call
/// or refuses it; the memory then faults in on first touch as usual. The
/// range need not be page-aligned. Test: Pages.* in tests/test_summary.cpp.
bool populate_for_write(void* p, std::size_t bytes) noexcept;

}  // namespace sectorsim::core
