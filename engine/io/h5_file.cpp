#include "engine/io/h5_file.hpp"

#include <fcntl.h>
#include <hdf5_hl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <numeric>
#include <type_traits>
#include <utility>

namespace sectorsim::io::h5 {

namespace {

// Once, before HDF5 initialises itself. HDF5 prints its error stack to stderr
// by default; its errors are reported through IoError instead (the stack is
// still recorded). HDF5 1.10 cannot close a file after a failed flush (disk
// full) and then crashes in its exit handler, so that handler is not installed:
// every file is closed explicitly anyway.
// Debian's HDF5 is built thread-safe, which keeps the error-printing setting
// per thread: path chunks are written from the runner's worker threads, so
// each thread silences its own stack on first use.
void init_hdf5() {
  static const bool done = [] {
    H5dont_atexit();
    return true;
  }();
  (void)done;
  thread_local const bool silenced = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)silenced;
}

[[noreturn]] void fail(std::string_view call, std::string_view object) {
  std::string message = std::string(call) + " failed on " + std::string(object);
  const std::string detail = last_error_message();
  if (!detail.empty()) message += ": " + detail;
  throw IoError(message);
}

// HDF5's system-call errors read "file write failed: time = ..., errno = 28,
// error message = 'No space left on device', buf = ..."; keep the call and the
// system's message.
std::string shorten(std::string message) {
  const std::string key = "error message = '";
  const std::size_t at = message.find(key);
  const std::size_t colon = message.find(':');
  if (at != std::string::npos && colon != std::string::npos && colon < at) {
    const std::size_t start = at + key.size();
    const std::size_t end = message.find('\'', start);
    message = message.substr(0, colon) + ": " + message.substr(start, end - start);
  }
  std::replace(message.begin(), message.end(), '\n', ' ');
  return message;
}

herr_t first_error(unsigned n, const H5E_error2_t* error, void* client) {
  auto* message = static_cast<std::string*>(client);
  if (n == 0 && error != nullptr) {
    if (error->desc != nullptr && error->desc[0] != '\0') {
      *message = shorten(error->desc);
    } else {
      char text[256] = {};
      H5Eget_msg(error->min_num, nullptr, text, sizeof text);
      *message = text;
    }
  }
  return 0;
}

// In-memory types of the element types used in files.
template <typename T>
hid_t native_type();
template <>
hid_t native_type<double>() {
  return H5T_NATIVE_DOUBLE;
}
template <>
hid_t native_type<float>() {
  return H5T_NATIVE_FLOAT;
}
template <>
hid_t native_type<std::int32_t>() {
  return H5T_NATIVE_INT32;
}
template <>
hid_t native_type<std::int64_t>() {
  return H5T_NATIVE_INT64;
}
template <>
hid_t native_type<std::uint64_t>() {
  return H5T_NATIVE_UINT64;
}

// File storage types are fixed little-endian so files read the same anywhere.
template <typename T>
hid_t file_type();
template <>
hid_t file_type<double>() {
  return H5T_IEEE_F64LE;
}
template <>
hid_t file_type<float>() {
  return H5T_IEEE_F32LE;
}
template <>
hid_t file_type<std::int32_t>() {
  return H5T_STD_I32LE;
}
template <>
hid_t file_type<std::int64_t>() {
  return H5T_STD_I64LE;
}
template <>
hid_t file_type<std::uint64_t>() {
  return H5T_STD_U64LE;
}

Handle make(hid_t id, Handle::Closer closer, std::string_view call, std::string_view object) {
  return Handle(check_id(id, call, object), closer);
}

Handle property_list(hid_t cls, std::string_view object) {
  return make(H5Pcreate(cls), H5Pclose, "H5Pcreate", object);
}

Handle link_order_group_properties(std::string_view object) {
  Handle gcpl = property_list(H5P_GROUP_CREATE, object);
  check(H5Pset_link_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
        "H5Pset_link_creation_order", object);
  return gcpl;
}

hsize_t element_count(const std::vector<hsize_t>& shape) {
  return std::accumulate(shape.begin(), shape.end(), hsize_t{1}, std::multiplies<>());
}

// Reads `n` strings stored with `stored_type` (variable or fixed length) through
// `read(memory_type, buffer)`, which calls H5Aread or H5Dread.
template <typename Read>
std::vector<std::string> read_strings(hid_t stored_type, std::size_t n, std::string_view object,
                                      Read read) {
  std::vector<std::string> out(n);
  const htri_t variable = H5Tis_variable_str(stored_type);
  check(variable, "H5Tis_variable_str", object);
  if (variable > 0) {
    Handle memory = vlen_string_type();
    std::vector<char*> buffer(n, nullptr);
    read(memory.get(), buffer.data());
    for (std::size_t i = 0; i < n; ++i) {
      if (buffer[i] != nullptr) {
        out[i] = buffer[i];
        H5free_memory(buffer[i]);
      }
    }
    return out;
  }
  Handle memory = make(H5Tcopy(stored_type), H5Tclose, "H5Tcopy", object);
  const std::size_t size = H5Tget_size(stored_type);
  std::vector<char> buffer(n * size + 1, '\0');
  read(memory.get(), buffer.data());
  const bool space_padded = H5Tget_strpad(stored_type) == H5T_STR_SPACEPAD;
  for (std::size_t i = 0; i < n; ++i) {
    std::string text(buffer.data() + i * size, size);
    text.resize(std::min(text.find('\0'), text.size()));
    if (space_padded) text.erase(text.find_last_not_of(' ') + 1);
    out[i] = std::move(text);
  }
  return out;
}

// HDF5 1.10 trusts the global heap: a damaged variable-length string
// reference (heap address, object index) or heap collection makes H5Dread
// copy from wherever it points (H5HG_read), and crash. Before a
// variable-length string dataset is read, its references and the heap
// collections they point into are checked against the file's bytes
// (little-endian layout of HDF5's file format, section III.E and IV.A.2.i).
class RawFile {
 public:
  explicit RawFile(const std::string& name) : fd_(::open(name.c_str(), O_RDONLY | O_CLOEXEC)) {
    struct stat st {};
    if (fd_ >= 0 && ::fstat(fd_, &st) == 0) size_ = static_cast<std::uint64_t>(st.st_size);
  }
  ~RawFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawFile(const RawFile&) = delete;
  RawFile& operator=(const RawFile&) = delete;
  bool valid() const { return fd_ >= 0; }
  std::uint64_t size() const { return size_; }
  bool read(std::uint64_t at, std::size_t n, std::vector<unsigned char>& out) const {
    if (at > size_ || n > size_ - at) return false;
    out.resize(n);
    std::size_t done = 0;
    while (done < n) {
      const ssize_t got = ::pread(fd_, out.data() + done, n - done, static_cast<off_t>(at + done));
      if (got <= 0) return false;
      done += static_cast<std::size_t>(got);
    }
    return true;
  }

 private:
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

std::uint64_t little_endian(const unsigned char* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = n; i-- > 0;)
    v = (v << 8) | p[i];
  return v;
}

// Parses the global heap collection at `address`: object index -> size.
// Returns false where it is not a well-formed collection inside the file.
bool parse_collection(const RawFile& raw, std::uint64_t address, std::size_t sizeof_size,
                      std::map<std::uint64_t, std::uint64_t>& objects) {
  std::vector<unsigned char> head;
  const std::size_t head_bytes = 8 + sizeof_size;
  if (!raw.read(address, head_bytes, head)) return false;
  if (std::memcmp(head.data(), "GCOL", 4) != 0 || head[4] != 1) return false;
  const std::uint64_t size = little_endian(head.data() + 8, sizeof_size);
  if (size < head_bytes || size > (std::uint64_t{1} << 32)) return false;
  std::vector<unsigned char> body;
  if (!raw.read(address, static_cast<std::size_t>(size), body)) return false;
  const std::size_t object_head = 8 + sizeof_size;
  std::size_t at = head_bytes;
  while (at + object_head <= body.size()) {
    const std::uint64_t index = little_endian(body.data() + at, 2);
    const std::uint64_t bytes = little_endian(body.data() + at + 8, sizeof_size);
    if (index == 0) break;  // free space: the rest of the collection
    if (bytes > body.size() - at - object_head) return false;
    if (!objects.emplace(index, bytes).second) return false;
    at += object_head + static_cast<std::size_t>((bytes + 7) / 8 * 8);
  }
  return true;
}

// Throws IoError where a variable-length string dataset of `n` elements holds
// a reference that does not name an object of its length in a well-formed
// heap collection. Datasets not stored contiguously are left to HDF5.
void check_vlen_references(hid_t dataset, std::size_t n, const std::string& file,
                           const std::string& where) {
  const std::string damaged = where + ": damaged file (a text's reference into the global heap ";
  const haddr_t offset = H5Dget_offset(dataset);
  if (offset == HADDR_UNDEF) {
    H5Eclear2(H5E_DEFAULT);
    return;
  }
  Handle file_id = make(H5Iget_file_id(dataset), H5Fclose, "H5Iget_file_id", where);
  Handle fcpl = make(H5Fget_create_plist(file_id.get()), H5Pclose, "H5Fget_create_plist", where);
  std::size_t sizeof_addr = 0, sizeof_size = 0;
  check(H5Pget_sizes(fcpl.get(), &sizeof_addr, &sizeof_size), "H5Pget_sizes", where);
  if (sizeof_addr < 2 || sizeof_addr > 8 || sizeof_size < 2 || sizeof_size > 8) return;
  const std::size_t ref_bytes = 4 + sizeof_addr + 4;
  const RawFile raw(file);
  if (!raw.valid()) return;  // HDF5 reports what it cannot read
  std::vector<unsigned char> refs;
  if (n > raw.size() / ref_bytes || !raw.read(offset, n * ref_bytes, refs)) {
    throw IoError(damaged + "table lies outside the file)");
  }
  std::map<std::uint64_t, std::map<std::uint64_t, std::uint64_t>> collections;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char* p = refs.data() + i * ref_bytes;
    const std::uint64_t length = little_endian(p, 4);
    const std::uint64_t address = little_endian(p + 4, sizeof_addr);
    const std::uint64_t index = little_endian(p + 4 + sizeof_addr, 4);
    if (address == 0 && index == 0) {
      if (length != 0) throw IoError(damaged + "is null but has a length)");
      continue;  // a null or empty string
    }
    auto found = collections.find(address);
    if (found == collections.end()) {
      std::map<std::uint64_t, std::uint64_t> objects;
      if (!parse_collection(raw, address, sizeof_size, objects)) {
        throw IoError(damaged + "points to a damaged heap collection at byte " +
                      std::to_string(address) + ")");
      }
      found = collections.emplace(address, std::move(objects)).first;
    }
    const auto object = found->second.find(index);
    if (object == found->second.end() || object->second != length) {
      throw IoError(damaged + std::to_string(i) + " names no heap object of its length)");
    }
  }
}

// Every global heap collection of a file, found by its signature and
// version ("GCOL", 1, three zero bytes), must be well formed: attributes'
// texts are read from them too, and HDF5 does not check the objects' sizes.
// Throws IoError naming the first malformed one. A file checked once is not
// scanned again while its size and modification time stay the same.
void check_global_heaps(const std::string& file, hid_t file_id) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return;
  static std::mutex mutex;
  static std::map<std::string, std::pair<off_t, std::int64_t>> checked;
  const std::pair<off_t, std::int64_t> stamp{
      st.st_size, static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
  {
    const std::lock_guard<std::mutex> lock(mutex);
    const auto it = checked.find(file);
    if (it != checked.end() && it->second == stamp) return;
  }
  Handle fcpl = make(H5Fget_create_plist(file_id), H5Pclose, "H5Fget_create_plist", file);
  std::size_t sizeof_addr = 0, sizeof_size = 0;
  check(H5Pget_sizes(fcpl.get(), &sizeof_addr, &sizeof_size), "H5Pget_sizes", file);
  if (sizeof_size < 2 || sizeof_size > 8) return;
  const RawFile raw(file);
  if (!raw.valid()) return;
  static constexpr unsigned char SIGNATURE[8] = {'G', 'C', 'O', 'L', 1, 0, 0, 0};
  constexpr std::size_t BLOCK = std::size_t{1} << 22;
  std::vector<unsigned char> block;
  for (std::uint64_t at = 0; at < raw.size(); at += BLOCK) {
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(BLOCK + 7, raw.size() - at));
    if (!raw.read(at, n, block)) return;
    for (std::size_t i = 0; i + 8 <= n && i < BLOCK; ++i) {
      if (block[i] != 'G' || std::memcmp(block.data() + i, SIGNATURE, 8) != 0) continue;
      std::map<std::uint64_t, std::uint64_t> objects;
      if (!parse_collection(raw, at + i, sizeof_size, objects)) {
        throw IoError(file + ": damaged file (the global heap collection at byte " +
                      std::to_string(at + i) + ", which holds texts, is malformed)");
      }
    }
  }
  const std::lock_guard<std::mutex> lock(mutex);
  checked[file] = stamp;
}

void require_class(hid_t type, bool want_string, std::string_view object) {
  const H5T_class_t cls = H5Tget_class(type);
  const bool is_string = cls == H5T_STRING;
  const bool is_number = cls == H5T_INTEGER || cls == H5T_FLOAT;
  if (want_string && !is_string) throw IoError(std::string(object) + ": expected text");
  if (!want_string && !is_number) throw IoError(std::string(object) + ": expected numbers");
}

}  // namespace

std::string last_error_message() {
  std::string message;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, first_error, &message);
  H5Eclear2(H5E_DEFAULT);
  return message;
}

herr_t check(herr_t status, std::string_view call, std::string_view object) {
  if (status < 0) fail(call, object);
  return status;
}

hid_t check_id(hid_t id, std::string_view call, std::string_view object) {
  if (id < 0) fail(call, object);
  return id;
}

Handle::Handle(Handle&& other) noexcept
    : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    reset();
    id_ = std::exchange(other.id_, H5I_INVALID_HID);
    closer_ = other.closer_;
  }
  return *this;
}

void Handle::reset() noexcept {
  if (id_ >= 0 && closer_ != nullptr) {
    if (closer_(id_) < 0) H5Eclear2(H5E_DEFAULT);
  }
  id_ = H5I_INVALID_HID;
}

void Handle::close(std::string_view call, std::string_view object) {
  const hid_t id = std::exchange(id_, H5I_INVALID_HID);
  if (id >= 0 && closer_ != nullptr) check(closer_(id), call, object);
}

Handle vlen_string_type() {
  Handle type = make(H5Tcopy(H5T_C_S1), H5Tclose, "H5Tcopy", "string type");
  check(H5Tset_size(type.get(), H5T_VARIABLE), "H5Tset_size", "string type");
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "H5Tset_cset", "string type");
  return type;
}

// ---------------------------------------------------------------- Object

Object::Object(Handle handle, std::string file, std::string path)
    : handle_(std::move(handle)),
      file_(std::move(file)),
      path_(std::move(path)),
      where_(file_ + ":" + path_) {}

std::string Object::child_path(std::string_view name) const {
  return (path_ == "/" ? "/" : path_ + "/") + std::string(name);
}

bool Object::has_attribute(const std::string& name) const {
  return check(H5Aexists(id(), name.c_str()), "H5Aexists", where_ + " @" + name) > 0;
}

namespace {

// Creates scalar attribute `name` of `stored_type` on `object`, replacing an old one.
Handle create_scalar_attribute(const Object& object, const std::string& name, hid_t stored_type) {
  const std::string what = object.where() + " @" + name;
  if (object.has_attribute(name)) check(H5Adelete(object.id(), name.c_str()), "H5Adelete", what);
  Handle space = make(H5Screate(H5S_SCALAR), H5Sclose, "H5Screate", what);
  return make(
      H5Acreate2(object.id(), name.c_str(), stored_type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
      H5Aclose, "H5Acreate2", what);
}

// Opens attribute `name`, checking that it exists and holds one value.
Handle open_scalar_attribute(const Object& object, const std::string& name) {
  const std::string what = object.where() + " @" + name;
  if (!object.has_attribute(name))
    throw IoError(object.where() + ": missing attribute '" + name + "'");
  Handle attribute =
      make(H5Aopen(object.id(), name.c_str(), H5P_DEFAULT), H5Aclose, "H5Aopen", what);
  Handle space = make(H5Aget_space(attribute.get()), H5Sclose, "H5Aget_space", what);
  if (H5Sget_simple_extent_npoints(space.get()) != 1) {
    throw IoError(what + ": expected a single value");
  }
  return attribute;
}

}  // namespace

void Object::set_attribute(const std::string& name, std::string_view value) const {
  const std::string what = where_ + " @" + name;
  Handle type = vlen_string_type();
  Handle attribute = create_scalar_attribute(*this, name, type.get());
  const std::string text(value);
  const char* pointer = text.c_str();
  check(H5Awrite(attribute.get(), type.get(), &pointer), "H5Awrite", what);
  attribute.close("H5Aclose", what);
}

template <typename T>
requires std::is_arithmetic_v<T>
void Object::set_attribute(const std::string& name, T value) const {
  const std::string what = where_ + " @" + name;
  Handle attribute = create_scalar_attribute(*this, name, file_type<T>());
  check(H5Awrite(attribute.get(), native_type<T>(), &value), "H5Awrite", what);
  attribute.close("H5Aclose", what);
}

template <typename T>
T Object::attribute(const std::string& name) const {
  const std::string what = where_ + " @" + name;
  Handle attribute = open_scalar_attribute(*this, name);
  Handle type = make(H5Aget_type(attribute.get()), H5Tclose, "H5Aget_type", what);
  if constexpr (std::is_same_v<T, std::string>) {
    require_class(type.get(), true, what);
    return read_strings(type.get(), 1, what, [&](hid_t memory, void* buffer) {
      check(H5Aread(attribute.get(), memory, buffer), "H5Aread", what);
    })[0];
  } else {
    require_class(type.get(), false, what);
    T value{};
    check(H5Aread(attribute.get(), native_type<T>(), &value), "H5Aread", what);
    return value;
  }
}

template void Object::set_attribute<double>(const std::string&, double) const;
template void Object::set_attribute<std::int32_t>(const std::string&, std::int32_t) const;
template void Object::set_attribute<std::int64_t>(const std::string&, std::int64_t) const;
template void Object::set_attribute<std::uint64_t>(const std::string&, std::uint64_t) const;
template double Object::attribute<double>(const std::string&) const;
template std::int32_t Object::attribute<std::int32_t>(const std::string&) const;
template std::int64_t Object::attribute<std::int64_t>(const std::string&) const;
template std::uint64_t Object::attribute<std::uint64_t>(const std::string&) const;
template std::string Object::attribute<std::string>(const std::string&) const;

// ---------------------------------------------------------------- Group

Group Group::create_group(const std::string& name) const {
  const std::string path = child_path(name);
  const std::string what = file_ + ":" + path;
  Handle gcpl = link_order_group_properties(what);
  return Group(make(H5Gcreate2(id(), name.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), H5Gclose,
                    "H5Gcreate2", what),
               file_, path);
}

Group Group::open_group(const std::string& name) const {
  const std::string path = child_path(name);
  const std::string what = file_ + ":" + path;
  if (!has_link(name)) throw IoError(what + ": no such group");
  return Group(make(H5Gopen2(id(), name.c_str(), H5P_DEFAULT), H5Gclose, "H5Gopen2", what), file_,
               path);
}

bool Group::has_link(const std::string& name) const {
  return check(H5Lexists(id(), name.c_str(), H5P_DEFAULT), "H5Lexists", child_path(name)) > 0;
}

std::vector<std::string> Group::link_names() const {
  H5G_info_t info{};
  check(H5Gget_info(id(), &info), "H5Gget_info", where_);
  // Groups written here track creation order; other files may only index names.
  for (const H5_index_t index : {H5_INDEX_CRT_ORDER, H5_INDEX_NAME}) {
    std::vector<std::string> names;
    for (hsize_t i = 0; i < info.nlinks; ++i) {
      const ssize_t size =
          H5Lget_name_by_idx(id(), ".", index, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
      if (size < 0) break;
      std::string name(static_cast<std::size_t>(size) + 1, '\0');
      check(static_cast<herr_t>(H5Lget_name_by_idx(id(), ".", index, H5_ITER_INC, i, name.data(),
                                                   name.size(), H5P_DEFAULT)),
            "H5Lget_name_by_idx", where_);
      name.resize(static_cast<std::size_t>(size));
      names.push_back(std::move(name));
    }
    if (names.size() == info.nlinks) return names;
    last_error_message();  // discard the failed creation-order lookup
  }
  throw IoError(where_ + ": cannot list the group's links");
}

template <typename T>
Dataset Group::create_dataset(const std::string& name, const std::vector<hsize_t>& shape,
                              const DatasetOptions& options) const {
  const std::string path = child_path(name);
  const std::string what = file_ + ":" + path;
  Handle space = shape.empty()
                     ? make(H5Screate(H5S_SCALAR), H5Sclose, "H5Screate", what)
                     : make(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr),
                            H5Sclose, "H5Screate_simple", what);
  Handle dcpl = property_list(H5P_DATASET_CREATE, what);
  if (!options.chunk.empty()) {
    check(H5Pset_chunk(dcpl.get(), static_cast<int>(options.chunk.size()), options.chunk.data()),
          "H5Pset_chunk", what);
  }
  if (options.fill) {
    const double fill = *options.fill;
    check(H5Pset_fill_value(dcpl.get(), H5T_NATIVE_DOUBLE, &fill), "H5Pset_fill_value", what);
  }
  if (options.shuffle && !options.chunk.empty()) {
    check(H5Pset_shuffle(dcpl.get()), "H5Pset_shuffle", what);
  }
  if (options.deflate > 0 && !options.chunk.empty()) {
    check(H5Pset_deflate(dcpl.get(), static_cast<unsigned>(options.deflate)), "H5Pset_deflate",
          what);
  }
  if (options.checksum && !options.chunk.empty()) {
    check(H5Pset_fletcher32(dcpl.get()), "H5Pset_fletcher32", what);
  }
  Handle dapl = property_list(H5P_DATASET_ACCESS, what);
  if (options.chunk_cache_bytes > 0) {
    check(H5Pset_chunk_cache(dapl.get(), H5D_CHUNK_CACHE_NSLOTS_DEFAULT, options.chunk_cache_bytes,
                             H5D_CHUNK_CACHE_W0_DEFAULT),
          "H5Pset_chunk_cache", what);
  }
  Handle string_type;
  hid_t type = H5I_INVALID_HID;
  if constexpr (std::is_same_v<T, std::string>) {
    string_type = vlen_string_type();
    type = string_type.get();
  } else {
    type = file_type<T>();
  }
  return Dataset(
      make(H5Dcreate2(id(), name.c_str(), type, space.get(), H5P_DEFAULT, dcpl.get(), dapl.get()),
           H5Dclose, "H5Dcreate2", what),
      file_, path);
}

template Dataset Group::create_dataset<double>(const std::string&, const std::vector<hsize_t>&,
                                               const DatasetOptions&) const;
template Dataset Group::create_dataset<float>(const std::string&, const std::vector<hsize_t>&,
                                              const DatasetOptions&) const;
template Dataset Group::create_dataset<std::int32_t>(const std::string&,
                                                     const std::vector<hsize_t>&,
                                                     const DatasetOptions&) const;
template Dataset Group::create_dataset<std::uint64_t>(const std::string&,
                                                      const std::vector<hsize_t>&,
                                                      const DatasetOptions&) const;
template Dataset Group::create_dataset<std::string>(const std::string&, const std::vector<hsize_t>&,
                                                    const DatasetOptions&) const;

Dataset Group::open_dataset(const std::string& name) const {
  const std::string path = child_path(name);
  const std::string what = file_ + ":" + path;
  if (!has_link(name)) throw IoError(what + ": no such dataset");
  return Dataset(make(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), H5Dclose, "H5Dopen2", what), file_,
                 path);
}

// ---------------------------------------------------------------- Dataset

std::vector<hsize_t> Dataset::shape() const {
  Handle space = make(H5Dget_space(id()), H5Sclose, "H5Dget_space", where_);
  const int rank =
      check(H5Sget_simple_extent_ndims(space.get()), "H5Sget_simple_extent_ndims", where_);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0) {
    check(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr), "H5Sget_simple_extent_dims",
          where_);
  }
  return dims;
}

template <typename T>
void Dataset::write(std::span<const T> data) const {
  const hsize_t count = element_count(shape());
  if (data.size() != count) {
    throw IoError(where_ + ": " + std::to_string(data.size()) + " values for " +
                  std::to_string(count) + " elements");
  }
  if (count == 0) return;
  check(H5Dwrite(id(), native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()), "H5Dwrite",
        where_);
}

template void Dataset::write<double>(std::span<const double>) const;
template void Dataset::write<float>(std::span<const float>) const;
template void Dataset::write<std::int32_t>(std::span<const std::int32_t>) const;
template void Dataset::write<std::uint64_t>(std::span<const std::uint64_t>) const;

void Dataset::write(const std::vector<std::string>& data) const {
  const hsize_t count = element_count(shape());
  if (data.size() != count) {
    throw IoError(where_ + ": " + std::to_string(data.size()) + " strings for " +
                  std::to_string(count) + " elements");
  }
  if (count == 0) return;
  std::vector<const char*> pointers;
  pointers.reserve(data.size());
  for (const std::string& text : data) {
    if (text.find('\0') != std::string::npos) {
      throw IoError(where_ + ": text contains a NUL byte, which HDF5 strings cannot hold");
    }
    pointers.push_back(text.c_str());
  }
  Handle type = vlen_string_type();
  check(H5Dwrite(id(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()), "H5Dwrite",
        where_);
}

void Dataset::write_rows(hsize_t first, hsize_t rows, const double* data) const {
  init_hdf5();  // may run on a worker thread
  const std::vector<hsize_t> dims = shape();
  if (dims.empty() || first + rows > dims[0]) {
    throw IoError(where_ + ": rows [" + std::to_string(first) + ", " +
                  std::to_string(first + rows) + ") outside the dataset");
  }
  if (rows == 0) return;
  std::vector<hsize_t> start(dims.size(), 0), count = dims;
  start[0] = first;
  count[0] = rows;
  Handle file_space = make(H5Dget_space(id()), H5Sclose, "H5Dget_space", where_);
  check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                            nullptr),
        "H5Sselect_hyperslab", where_);
  Handle memory_space =
      make(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr), H5Sclose,
           "H5Screate_simple", where_);
  check(H5Dwrite(id(), H5T_NATIVE_DOUBLE, memory_space.get(), file_space.get(), H5P_DEFAULT, data),
        "H5Dwrite", where_);
}

template <typename T>
std::vector<T> Dataset::read() const {
  const std::size_t count = static_cast<std::size_t>(element_count(shape()));
  Handle type = make(H5Dget_type(id()), H5Tclose, "H5Dget_type", where_);
  if constexpr (std::is_same_v<T, std::string>) {
    require_class(type.get(), true, where_);
    if (count == 0) return {};
    const htri_t variable = H5Tis_variable_str(type.get());
    check(variable, "H5Tis_variable_str", where_);
    if (variable > 0) check_vlen_references(id(), count, file_, where_);
    return read_strings(type.get(), count, where_, [&](hid_t memory, void* buffer) {
      check(H5Dread(id(), memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer), "H5Dread", where_);
    });
  } else {
    require_class(type.get(), false, where_);
    std::vector<T> values(count);
    if (count == 0) return values;
    check(H5Dread(id(), native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), "H5Dread",
          where_);
    return values;
  }
}

template std::vector<double> Dataset::read<double>() const;
template std::vector<std::int32_t> Dataset::read<std::int32_t>() const;
template std::vector<std::uint64_t> Dataset::read<std::uint64_t>() const;
template std::vector<std::string> Dataset::read<std::string>() const;

void Dataset::make_scale(const std::string& dimension) const {
  check(H5DSset_scale(id(), dimension.c_str()), "H5DSset_scale", where_);
}

bool Dataset::is_scale() const {
  return check(H5DSis_scale(id()), "H5DSis_scale", where_) > 0;
}

void Dataset::attach_scale(const Dataset& scale, unsigned index) const {
  check(H5DSattach_scale(id(), scale.id(), index), "H5DSattach_scale",
        where_ + " <- " + scale.path());
}

// ---------------------------------------------------------------- File

File File::create(const std::string& filename) {
  init_hdf5();
  const std::string what = filename + ":/";
  Handle fcpl = property_list(H5P_FILE_CREATE, what);
  check(H5Pset_link_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
        "H5Pset_link_creation_order", what);
  Handle fapl = property_list(H5P_FILE_ACCESS, what);
  check(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_SEMI), "H5Pset_fclose_degree", what);
  return File(make(H5Fcreate(filename.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), H5Fclose,
                   "H5Fcreate", filename),
              filename, "/");
}

File File::open_read_only(const std::string& filename) {
  init_hdf5();
  File file(
      make(H5Fopen(filename.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "H5Fopen", filename),
      filename, "/");
  check_global_heaps(filename, file.id());
  return file;
}

void File::flush() const {
  check(H5Fflush(id(), H5F_SCOPE_GLOBAL), "H5Fflush", where_);
}

void File::close() {
  handle_.close("H5Fclose", where_);
}

void File::discard() noexcept {
  if (!handle_.valid()) return;
  ::truncate(file_.c_str(), 0);
  handle_.reset();
}

}  // namespace sectorsim::io::h5
