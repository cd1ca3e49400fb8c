// A thin, typed RAII layer over the HDF5 C library: the only code in the
// project that calls HDF5. Every identifier is closed by its owner's
// destructor; every return code is checked and turned into an IoError that
// names the HDF5 call, the object (file:/path) and HDF5's own innermost
// message. HDF5's automatic error printing is switched off.
// Internal to engine/io (it includes hdf5.h); covered by tests/test_io.cpp.
#pragma once

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "engine/io/format.hpp"

namespace sectorsim::io::h5 {

/// Throws IoError "<call> failed on <object>: <HDF5 message>" when status < 0;
/// returns status otherwise.
herr_t check(herr_t status, std::string_view call, std::string_view object);
/// Same for calls that return an identifier.
hid_t check_id(hid_t id, std::string_view call, std::string_view object);
/// HDF5's innermost error message for the last failed call ("" if none); clears the stack.
std::string last_error_message();

/// Owns one HDF5 identifier and releases it with the matching H5?close.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) noexcept : id_(id), closer_(closer) {}
  Handle(Handle&& other) noexcept;
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  /// Releases now, ignoring failure (destructors, error paths).
  void reset() noexcept;
  /// Releases now and throws IoError if HDF5 fails (closing a file writes it).
  void close(std::string_view call, std::string_view object);

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

/// A variable-length UTF-8 string datatype (owned).
Handle vlen_string_type();

/// Anything that carries attributes: a file (its root group), a group, a dataset.
class Object {
 public:
  hid_t id() const { return handle_.get(); }
  /// "file.h5:/scenarios/base", used in every error message.
  const std::string& where() const { return where_; }
  /// Path inside the file ("/scenarios/base").
  const std::string& path() const { return path_; }

  bool has_attribute(const std::string& name) const;
  /// Writes a scalar attribute, replacing one of the same name.
  void set_attribute(const std::string& name, std::string_view value) const;
  void set_attribute(const std::string& name, const char* value) const {
    set_attribute(name, std::string_view(value));
  }
  template <typename T>
  requires std::is_arithmetic_v<T>
  void set_attribute(const std::string& name, T value) const;
  /// Reads a scalar attribute; a string attribute may be variable or fixed length.
  /// Throws IoError naming the attribute when it is missing or of another kind.
  template <typename T>
  T attribute(const std::string& name) const;

 protected:
  Object() = default;
  Object(Handle handle, std::string file, std::string path);
  std::string child_path(std::string_view name) const;

  Handle handle_;
  std::string file_;  // file name, for messages
  std::string path_;
  std::string where_;
};

class Dataset;

/// How a dataset is stored.
struct DatasetOptions {
  std::vector<hsize_t> chunk;         ///< chunk shape; empty: contiguous
  std::optional<double> fill;         ///< fill value for unwritten elements (numbers only)
  std::size_t chunk_cache_bytes = 0;  ///< raw-data chunk cache; 0: HDF5's default
  int deflate = 0;                    ///< gzip level 1-9 (chunked datasets); 0: none
  bool shuffle = false;               ///< byte-shuffle filter before deflate
  /// Fletcher32 checksum of every chunk (chunked datasets): a damaged chunk
  /// makes read() throw IoError instead of returning wrong values.
  bool checksum = false;
};

/// A group (or, through File, the root group).
class Group : public Object {
 public:
  /// Creates a child group that remembers the creation order of its links.
  Group create_group(const std::string& name) const;
  Group open_group(const std::string& name) const;
  bool has_link(const std::string& name) const;
  /// Names of the links in the group: creation order where it was tracked, else by name.
  std::vector<std::string> link_names() const;

  /// Creates a dataset of element type T (a number type or std::string) and
  /// the given shape (empty shape: a scalar).
  template <typename T>
  Dataset create_dataset(const std::string& name, const std::vector<hsize_t>& shape,
                         const DatasetOptions& options = {}) const;
  Dataset open_dataset(const std::string& name) const;

 protected:
  using Object::Object;
};

/// A dataset: whole or row-block writes, whole reads, dimension scales.
class Dataset : public Object {
 public:
  std::vector<hsize_t> shape() const;
  /// Writes the whole dataset from data (row-major, size = product of shape).
  template <typename T>
  void write(std::span<const T> data) const;
  void write(const std::vector<std::string>& data) const;
  /// Writes rows [first, first + rows) along the first dimension from a
  /// row-major block (a hyperslab write).
  void write_rows(hsize_t first, hsize_t rows, const double* data) const;
  /// Reads the whole dataset, row-major, converting to T.
  template <typename T>
  std::vector<T> read() const;

  /// Makes this 1-D dataset a dimension scale named `dimension`.
  void make_scale(const std::string& dimension) const;
  bool is_scale() const;
  /// Attaches `scale` to dimension `index` of this dataset.
  void attach_scale(const Dataset& scale, unsigned index) const;

 private:
  friend class Group;
  using Object::Object;
};

/// An HDF5 file. Its root group's links and attributes are those of the File.
class File : public Group {
 public:
  /// Creates (truncates) a file; open objects make close() fail rather than
  /// leave the file open behind the caller's back.
  static File create(const std::string& filename);
  /// Opens an existing file read-only.
  static File open_read_only(const std::string& filename);
  /// Writes buffered data to the file.
  void flush() const;
  /// Closes the file and throws IoError if the final writes fail. flush()
  /// first: HDF5 1.10 cannot recover from a close that fails to write.
  void close();
  /// Abandons a file being written: truncates it to nothing (so the closing
  /// metadata write cannot run out of space) and closes it, ignoring errors.
  /// Close every object in the file first.
  void discard() noexcept;

 private:
  using Group::Group;
};

}  // namespace sectorsim::io::h5
