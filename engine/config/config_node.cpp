#include "engine/config/config_node.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <unordered_map>
#include <utility>

#include "engine/config/config_error.hpp"

namespace sectorsim::config {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const SourcePos& pos, std::string_view path, std::string_view message) {
  throw ConfigError({format_message(pos, path, message)});
}

// ---------------------------------------------------------------------------
// Text checks. yaml-cpp guesses UTF-16/32 from leading zero bytes and passes
// invalid bytes through, so binary garbage would otherwise come out as odd
// strings; YAML allows only printable characters (YAML 1.2, c-printable).

bool is_printable(char32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0x7E) || c == 0x85 ||
         (c >= 0xA0 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
         (c >= 0x10000 && c <= 0x10FFFF);
}

// Decodes the UTF-8 sequence at s[i]; returns its length, or 0 if invalid
// (truncated, overlong, surrogate or beyond U+10FFFF).
std::size_t decode_utf8(std::string_view s, std::size_t i, char32_t* out) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  std::size_t len = 0;
  char32_t c = 0;
  char32_t min = 0;
  if (b0 < 0x80) {
    *out = b0;
    return 1;
  } else if ((b0 & 0xE0) == 0xC0) {
    len = 2, c = b0 & 0x1Fu, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, c = b0 & 0x0Fu, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, c = b0 & 0x07u, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    c = (c << 6) | (byte(i + k) & 0x3Fu);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
  *out = c;
  return len;
}

// Number of characters in a valid UTF-8 string (continuation bytes skipped).
int count_chars(std::string_view s) {
  return static_cast<int>(
      std::count_if(s.begin(), s.end(), [](char ch) { return (ch & 0xC0) != 0x80; }));
}

// 1-based line and character column of byte offset `offset`.
SourcePos position_of_offset(std::string_view text, std::size_t offset,
                             const std::shared_ptr<const std::string>& file) {
  const std::string_view before = text.substr(0, offset);
  const std::size_t line_start =
      before.rfind('\n') == std::string_view::npos ? 0 : before.rfind('\n') + 1;
  return {file, static_cast<int>(std::count(before.begin(), before.end(), '\n')) + 1,
          count_chars(before.substr(line_start)) + 1};
}

// Offset of the first byte of `s` that is not valid UTF-8 or not printable,
// or npos; `invalid` tells which, `c` holds the character in the second case.
std::size_t first_bad_character(std::string_view s, bool* invalid, char32_t* c) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = decode_utf8(s, i, c);
    if (len == 0 || !is_printable(*c)) {
      *invalid = len == 0;
      return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

std::string byte_hex(char ch) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", static_cast<unsigned>(static_cast<unsigned char>(ch)));
  return buf;
}

std::string code_point(char32_t c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(c));
  return buf;
}

// Editors that save "Unicode" write UTF-16 with a byte-order mark; without
// this check the file would be reported as an invalid byte or a NUL.
const char* utf16_or_32(std::string_view text) {
  using namespace std::string_view_literals;
  if (text.starts_with("\xFF\xFE\0\0"sv)) return "UTF-32LE";
  if (text.starts_with("\0\0\xFE\xFF"sv)) return "UTF-32BE";
  if (text.starts_with("\xFF\xFE"sv)) return "UTF-16LE";
  if (text.starts_with("\xFE\xFF"sv)) return "UTF-16BE";
  return nullptr;
}

void check_text(std::string_view text, const std::shared_ptr<const std::string>& file) {
  if (const char* encoding = utf16_or_32(text)) {
    fail({file, 1, 1}, "",
         std::string("file is ") + encoding +
             " text (it starts with a byte-order mark); save it as UTF-8");
  }
  bool invalid = false;
  char32_t c = 0;
  const std::size_t at = first_bad_character(text, &invalid, &c);
  if (at == std::string_view::npos) return;
  fail(position_of_offset(text, at, file), "",
       invalid ? "not UTF-8 text (invalid byte " + byte_hex(text[at]) + ")"
               : "not a text file (character " + code_point(c) + " is not allowed)");
}

// ---------------------------------------------------------------------------
// yaml-cpp events -> ConfigNode tree. Building from parser events rather than
// from YAML::Load lets each alias be charged the size of the subtree it
// expands to before that subtree is copied, so expansion (a "billion laughs"
// file) stops at the node budget, and an alias inside the node it names is
// caught instead of recursing.

class EventBuilder : public YAML::EventHandler {
 public:
  EventBuilder(std::string_view text, std::shared_ptr<const std::string> file,
               const ParseLimits& limits, std::size_t* node_count)
      : text_(text), file_(std::move(file)), limits_(limits), node_count_(node_count) {}

  std::optional<ConfigNode> take_root() { return std::move(root_); }

  SourcePos pos_of(const YAML::Mark& mark) const {
    if (mark.is_null() || mark.pos < mark.column ||
        static_cast<std::size_t>(mark.pos) > text_.size()) {
      return {file_, std::max(mark.line, 0) + 1, std::max(mark.column, 0) + 1};
    }
    // yaml-cpp counts the column in bytes; editors count characters.
    const auto line_start = static_cast<std::size_t>(mark.pos - mark.column);
    const auto at = static_cast<std::size_t>(mark.pos);
    // Events arrive in text order: counting on from the previous mark of the
    // same line keeps a long one-line flow list linear instead of quadratic.
    if (line_start != column_line_start_ || at < column_pos_) {
      column_line_start_ = line_start;
      column_pos_ = line_start;
      column_chars_ = 0;
    }
    column_chars_ += count_chars(text_.substr(column_pos_, at - column_pos_));
    column_pos_ = at;
    return {file_, mark.line + 1, column_chars_ + 1};
  }

  static std::string depth_message(const ParseLimits& limits) {
    return "nesting too deep (more than " + std::to_string(limits.max_depth) + " levels)";
  }

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > 1) fail(pos_of(mark), "", "more than one YAML document in the file");
  }
  void OnDocumentEnd() override {}

  void OnAnchor(const YAML::Mark&, const std::string& name) override { anchor_name_ = name; }

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    const SourcePos pos = pos_of(mark);
    count(1, pos);
    finish(ConfigNode::null(pos), anchor, 1);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    const SourcePos pos = pos_of(mark);
    count(1, pos);
    check_value(value, pos);
    // yaml-cpp tags plain scalars "?" and quoted or block scalars "!".
    finish(ConfigNode::scalar(value, tag != "!", pos), anchor, 1);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    const SourcePos pos = pos_of(mark);
    if (anchor >= anchors_.size() || !anchors_[anchor].node) {
      const std::string name = anchor < anchors_.size() ? anchors_[anchor].name : "";
      fail(pos, "", "recursive alias: *" + name + " is inside the node it refers to");
    }
    const Anchor& a = anchors_[anchor];
    count(a.size, pos);
    finish(*a.node, YAML::NullAnchor, a.size);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(ConfigNode::Kind::Sequence, mark, anchor);
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(ConfigNode::Kind::Map, mark, anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    ConfigNode::Kind kind;
    SourcePos pos;
    YAML::anchor_t anchor;
    std::size_t nodes_before;  // node count when opened: the subtree's size for its anchor
    std::vector<ConfigNode> items;
    std::vector<ConfigEntry> entries;
    std::optional<std::pair<std::string, SourcePos>> key;  // a map's key awaiting its value
  };

  struct Anchor {
    std::string name;
    std::optional<ConfigNode> node;  // empty while the anchored node is still open
    std::size_t size = 0;
  };

  // The file's text was checked as a whole, but escapes in double-quoted
  // scalars ("\0", "\x1b", "\ud800") make characters it never held, and a
  // NUL or control character would reach names, messages and output files.
  static void check_value(std::string_view value, const SourcePos& pos) {
    bool invalid = false;
    char32_t c = 0;
    if (first_bad_character(value, &invalid, &c) == std::string_view::npos) return;
    fail(pos, "",
         invalid
             ? "an escape sequence gives invalid UTF-8 (a lone surrogate?)"
             : "an escape sequence gives character " + code_point(c) + ", which is not allowed");
  }

  void count(std::size_t nodes, const SourcePos& pos) {
    *node_count_ += nodes;
    if (*node_count_ > limits_.max_nodes) {
      fail(pos, "",
           "too many nodes (alias expansion?): more than " + std::to_string(limits_.max_nodes));
    }
  }

  void open(ConfigNode::Kind kind, const YAML::Mark& mark, YAML::anchor_t anchor) {
    const SourcePos pos = pos_of(mark);
    count(1, pos);
    if (static_cast<int>(stack_.size()) >= limits_.max_depth) fail(pos, "", depth_message(limits_));
    reserve_anchor(anchor);
    stack_.push_back({kind, pos, anchor, *node_count_ - 1, {}, {}, std::nullopt});
  }

  void close() {
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    ConfigNode node = frame.kind == ConfigNode::Kind::Map
                          ? ConfigNode::map(std::move(frame.entries), frame.pos)
                          : ConfigNode::sequence(std::move(frame.items), frame.pos);
    finish(std::move(node), frame.anchor, *node_count_ - frame.nodes_before);
  }

  void reserve_anchor(YAML::anchor_t anchor) {
    if (anchor == YAML::NullAnchor) return;
    if (anchors_.size() <= anchor) anchors_.resize(anchor + 1);
    anchors_[anchor] = Anchor{anchor_name_, std::nullopt, 0};
  }

  // Stores a completed node under its anchor and hands it to its parent.
  void finish(ConfigNode node, YAML::anchor_t anchor, std::size_t size) {
    if (anchor != YAML::NullAnchor) {
      if (anchors_.size() <= anchor) reserve_anchor(anchor);
      anchors_[anchor].node = node;
      anchors_[anchor].size = size;
    }
    if (stack_.empty()) {
      root_ = std::move(node);
      return;
    }
    Frame& parent = stack_.back();
    if (parent.kind == ConfigNode::Kind::Sequence) {
      parent.items.push_back(std::move(node));
    } else if (!parent.key) {
      if (!node.is_scalar()) fail(node.pos(), "", "keys must be plain names");
      if (node.text().size() > limits_.max_key_bytes) {
        fail(node.pos(), "",
             "key too long (" + std::to_string(node.text().size()) + " bytes, at most " +
                 std::to_string(limits_.max_key_bytes) + ")");
      }
      parent.key.emplace(node.text(), node.pos());
    } else {
      auto [key, key_pos] = std::move(*parent.key);
      parent.key.reset();
      // An empty value's mark is where the next token starts, often on a
      // later line; the key is where the reader should look.
      if (node.is_null()) node = ConfigNode::null(key_pos);
      parent.entries.push_back({std::move(key), std::move(key_pos), std::move(node)});
    }
  }

  std::string_view text_;
  std::shared_ptr<const std::string> file_;
  const ParseLimits& limits_;
  std::size_t* node_count_;
  std::vector<Frame> stack_;
  std::vector<Anchor> anchors_;  // by yaml-cpp anchor id
  std::string anchor_name_;
  std::optional<ConfigNode> root_;
  int documents_ = 0;
  // Character count of the last mark's line up to column_pos_ (see pos_of).
  mutable std::size_t column_line_start_ = std::string_view::npos;
  mutable std::size_t column_pos_ = 0;
  mutable int column_chars_ = 0;
};

// Duplicate keys are reported after building, when list items can be named
// by their ids. yaml-cpp keeps both entries; the scenario would silently use one.
void find_duplicate_keys(const ConfigNode& node, const std::string& path,
                         std::vector<std::string>* errors) {
  if (node.is_sequence()) {
    for (std::size_t i = 0; i < node.items().size(); ++i) {
      const ConfigNode& item = node.items()[i];
      const ConfigNode* id = item.get("id");
      find_duplicate_keys(item, item_path(path, i, id && id->is_scalar() ? id->text() : ""),
                          errors);
    }
    return;
  }
  std::unordered_map<std::string_view, int> first_line;
  for (const ConfigEntry& e : node.entries()) {
    const std::string entry_path = child_path(path, e.key);
    const auto [it, inserted] = first_line.emplace(e.key, e.key_pos.line);
    if (!inserted && errors->size() < MAX_ERRORS) {
      errors->push_back(format_message(
          e.key_pos, entry_path,
          "duplicate key '" + e.key + "' (first at line " + std::to_string(it->second) + ")"));
    }
    find_duplicate_keys(e.value, entry_path, errors);
  }
}

// ---------------------------------------------------------------------------
// Files and extends.

struct ReadResult {
  std::string text;
  std::string error;  // strerror text, or a size complaint
  bool hdf5 = false;  // the file is HDF5 (a results file?), not YAML
};

std::string too_large(std::size_t max_bytes) {
  return "larger than " + std::to_string(max_bytes >> 20) + " MiB";
}

// Reads a regular file of at most max_bytes. O_NONBLOCK keeps open() of a
// FIFO from waiting for a writer; fstat() on the opened descriptor then
// refuses FIFOs, devices (/dev/zero never ends) and sockets without a race.
ReadResult read_file(const std::string& path, std::size_t max_bytes) {
  ReadResult result;
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    result.error = std::strerror(errno);
    return result;
  }
  const std::unique_ptr<const int, void (*)(const int*)> closer(&fd,
                                                                [](const int* f) { ::close(*f); });
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    result.error = std::strerror(errno);
    return result;
  }
  if (S_ISDIR(st.st_mode)) {
    result.error = std::strerror(EISDIR);
    return result;
  }
  if (!S_ISREG(st.st_mode)) {
    result.error = "not a regular file";
    return result;
  }
  // HDF5's signature at offset 0: a results file given where a scenario
  // belongs, whatever its size.
  static constexpr char HDF5_SIGNATURE[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
  char head[sizeof HDF5_SIGNATURE] = {};
  if (::pread(fd, head, sizeof head, 0) == static_cast<ssize_t>(sizeof head) &&
      std::memcmp(head, HDF5_SIGNATURE, sizeof head) == 0) {
    result.hdf5 = true;
    result.error = "an HDF5 file, not a YAML scenario";
    return result;
  }
  if (static_cast<std::uintmax_t>(st.st_size) > max_bytes) {
    result.error = too_large(max_bytes);
    return result;
  }
  // The size is only a hint (files in /proc report 0, a file may grow), so
  // the read itself is bounded too.
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      result.error = std::strerror(errno);
      return result;
    }
    if (n == 0) return result;
    result.text.append(buffer, static_cast<std::size_t>(n));
    if (result.text.size() > max_bytes) {
      result.error = too_large(max_bytes);
      return result;
    }
  }
}

class DocumentLoader {
 public:
  explicit DocumentLoader(const ParseLimits& limits) : limits_(limits) {}

  // Loads `path` and its bases; `from` is the extends value that named it.
  ConfigNode load(const std::string& path, const ConfigNode* from) {
    std::error_code ec;
    const std::string canonical = fs::weakly_canonical(path, ec).string();
    check_chain(path, canonical, from);

    ReadResult read = read_file(path, limits_.max_file_bytes);
    if (read.hdf5) {
      const std::string what = "is an HDF5 file (a results file?), not a YAML scenario";
      if (from == nullptr) throw ConfigError({path + ": " + what});
      fail(from->pos(), "extends", "'" + path + "' " + what);
    }
    if (!read.error.empty()) {
      if (from == nullptr) throw ConfigError({path + ": cannot read file (" + read.error + ")"});
      fail(from->pos(), "extends", "cannot read '" + path + "' (" + read.error + ")");
    }
    return parse_and_extend(std::move(read.text), path, canonical, fs::path(path).parent_path());
  }

  // The scenario itself from memory; its base is found from the current directory.
  ConfigNode load_text(std::string text, const std::string& name) {
    std::error_code ec;
    const std::string canonical = fs::weakly_canonical(name, ec).string();
    return parse_and_extend(std::move(text), name, canonical, fs::path());
  }

  std::vector<core::SourceFile> take_files() { return std::move(files_); }

 private:
  // Parses one file's text, then loads the base it extends from `dir`.
  ConfigNode parse_and_extend(std::string text, const std::string& path,
                              const std::string& canonical, const fs::path& dir) {
    ConfigNode root = parse_yaml(text, path, limits_, &node_count_);
    files_.push_back({path, std::move(text)});

    const ConfigNode* extends = root.get("extends");
    if (extends == nullptr) {
      refuse_appends(root, "");
      return root;
    }
    // PATH_MAX bounds a path; a longer one would only come back in the
    // message of a failed open(), whole.
    if (!extends->is_scalar() || extends->text().empty() || extends->text().size() > 4096) {
      fail(extends->pos(), "extends", "expected a file name, got " + extends->describe());
    }
    const std::string base_path = (dir / extends->text()).lexically_normal().string();
    chain_.push_back({canonical, path});
    ConfigNode base = load(base_path, extends);
    chain_.pop_back();
    root.erase("extends");
    forget_stale_description(root, &base);
    return merge(std::move(base), root);
  }

  // `KEY+:` adds to a list of the base: a file extending nothing has none.
  static void refuse_appends(const ConfigNode& node, const std::string& path) {
    for (const ConfigEntry& e : node.entries()) {
      const std::string entry_path = child_path(path, e.key);
      if (e.key.size() > 1 && e.key.back() == '+') {
        fail(e.key_pos, entry_path,
             "adds to the list " + e.key.substr(0, e.key.size() - 1) +
                 " of the scenario this file extends, but it has no extends:");
      }
      refuse_appends(e.value, entry_path);
    }
  }

  // A description describes the scenario it was written for: a file that
  // renames or retitles the scenario without a description of its own does
  // not inherit the base's (it would mislabel the variant).
  static void forget_stale_description(const ConfigNode& root, ConfigNode* base) {
    const ConfigNode* over = root.get("scenario");
    ConfigEntry* under = base->find("scenario");
    if (over == nullptr || under == nullptr || !over->is_map() || over->get("description")) return;
    const auto changed = [&](std::string_view key) {
      const ConfigNode* mine = over->get(key);
      const ConfigNode* theirs = under->value.get(key);
      return mine != nullptr && (theirs == nullptr || !same(*mine, *theirs));
    };
    if (changed("name") || changed("title")) under->value.erase("description");
  }

  static bool same(const ConfigNode& a, const ConfigNode& b) {
    if (a.kind() != b.kind() || a.text() != b.text() || a.items().size() != b.items().size() ||
        a.entries().size() != b.entries().size()) {
      return false;
    }
    for (std::size_t i = 0; i < a.items().size(); ++i)
      if (!same(a.items()[i], b.items()[i])) return false;
    for (std::size_t i = 0; i < a.entries().size(); ++i) {
      if (a.entries()[i].key != b.entries()[i].key ||
          !same(a.entries()[i].value, b.entries()[i].value)) {
        return false;
      }
    }
    return true;
  }

  void check_chain(const std::string& path, const std::string& canonical, const ConfigNode* from) {
    if (from == nullptr) return;
    const auto seen = std::find_if(chain_.begin(), chain_.end(),
                                   [&](const auto& link) { return link.first == canonical; });
    if (seen != chain_.end()) {
      std::string cycle;
      for (auto it = seen; it != chain_.end(); ++it)
        cycle += it->second + " -> ";
      fail(from->pos(), "extends", "cycle: " + cycle + path);
    }
    if (static_cast<int>(chain_.size()) > limits_.max_extends) {
      fail(from->pos(), "extends",
           "more than " + std::to_string(limits_.max_extends) + " levels of extends");
    }
  }

  const ParseLimits& limits_;
  std::size_t node_count_ = 0;
  std::vector<core::SourceFile> files_;
  std::vector<std::pair<std::string, std::string>> chain_;  // (canonical, as shown)
};

}  // namespace

std::string SourcePos::str() const {
  return (file ? *file : std::string("<input>")) + ":" + std::to_string(line) + ":" +
         std::to_string(col);
}

std::string format_message(const SourcePos& pos, std::string_view path, std::string_view message) {
  std::string out = pos.str();
  out += ": ";
  if (!path.empty()) {
    out += path;
    out += ": ";
  }
  out += message;
  return out;
}

std::string child_path(std::string_view parent, std::string_view key) {
  std::string out(parent);
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

std::string item_path(std::string_view parent, std::size_t index, std::string_view id) {
  if (!id.empty()) return child_path(parent, id);
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

ConfigNode ConfigNode::null(SourcePos pos) {
  ConfigNode node;
  node.pos_ = std::move(pos);
  return node;
}

ConfigNode ConfigNode::scalar(std::string text, bool plain, SourcePos pos) {
  ConfigNode node;
  node.kind_ = Kind::Scalar;
  node.text_ = std::move(text);
  node.plain_ = plain;
  node.pos_ = std::move(pos);
  return node;
}

ConfigNode ConfigNode::sequence(std::vector<ConfigNode> items, SourcePos pos) {
  ConfigNode node;
  node.kind_ = Kind::Sequence;
  node.items_ = std::move(items);
  node.pos_ = std::move(pos);
  return node;
}

ConfigNode ConfigNode::map(std::vector<ConfigEntry> entries, SourcePos pos) {
  ConfigNode node;
  node.kind_ = Kind::Map;
  node.entries_ = std::move(entries);
  node.pos_ = std::move(pos);
  return node;
}

const ConfigEntry* ConfigNode::find(std::string_view key) const {
  const auto it = std::find_if(entries_.begin(), entries_.end(),
                               [&](const ConfigEntry& e) { return e.key == key; });
  return it == entries_.end() ? nullptr : &*it;
}

ConfigEntry* ConfigNode::find(std::string_view key) {
  return const_cast<ConfigEntry*>(std::as_const(*this).find(key));
}

const ConfigNode* ConfigNode::get(std::string_view key) const {
  const ConfigEntry* entry = find(key);
  return entry == nullptr ? nullptr : &entry->value;
}

void ConfigNode::erase(std::string_view key) {
  std::erase_if(entries_, [&](const ConfigEntry& e) { return e.key == key; });
}

std::string ConfigNode::describe() const {
  switch (kind_) {
    case Kind::Map:
      return "a mapping";
    case Kind::Sequence:
      return "a list";
    case Kind::Scalar: {
      // A message stays one readable line however long the value.
      constexpr std::size_t MAX_SHOWN = 60;
      if (text_.size() <= MAX_SHOWN && text_.find('\n') == std::string::npos) {
        return "'" + text_ + "'";
      }
      std::size_t cut = std::min({text_.size(), MAX_SHOWN, text_.find('\n')});
      while (cut > 0 && (text_[cut] & 0xC0) == 0x80)
        --cut;  // not inside a UTF-8 sequence
      return "'" + text_.substr(0, cut) + "...' (" + std::to_string(count_chars(text_)) +
             " characters)";
    }
    default:
      return "null";
  }
}

ConfigNode parse_yaml(std::string_view text, const std::string& file, const ParseLimits& limits,
                      std::size_t* node_count) {
  const auto file_name = std::make_shared<const std::string>(file);
  check_text(text, file_name);
  // Positions are computed on the text yaml-cpp sees; a byte-order mark is
  // invisible in an editor, so it must not shift columns on line 1.
  constexpr std::string_view BOM = "\xEF\xBB\xBF";
  if (text.substr(0, BOM.size()) == BOM) text.remove_prefix(BOM.size());

  EventBuilder builder(text, file_name, limits, node_count);
  std::istringstream stream{std::string(text)};
  try {
    YAML::Parser parser(stream);
    if (parser.HandleNextDocument(builder)) parser.HandleNextDocument(builder);
  } catch (const YAML::DeepRecursion& e) {
    fail(builder.pos_of(e.mark), "", EventBuilder::depth_message(limits));
  } catch (const YAML::Exception& e) {
    fail(builder.pos_of(e.mark), "", "invalid YAML: " + e.msg);
  }
  std::optional<ConfigNode> root = builder.take_root();
  if (!root || root->is_null()) fail({file_name, 1, 1}, "", "empty file");
  if (!root->is_map()) {
    fail(root->pos(), "", "expected a mapping at the top level, got " + root->describe());
  }
  std::vector<std::string> duplicates;
  find_duplicate_keys(*root, "", &duplicates);
  if (!duplicates.empty()) throw ConfigError(std::move(duplicates));
  return std::move(*root);
}

ConfigNode merge(ConfigNode base, const ConfigNode& over) {
  // A mapping with `dist:` or `value:` is one number (a prior or quantity):
  // mixing the keys of two priors would make a third nobody wrote.
  const bool is_value = over.find("dist") != nullptr || over.find("value") != nullptr;
  if (!base.is_map() || !over.is_map() || is_value) return over;
  // Keys by index: a search per key would make merging two large mappings
  // quadratic.
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < base.entries().size(); ++i)
    index.emplace(base.entries()[i].key, i);
  for (const ConfigEntry& entry : over.entries()) {
    // `KEY+:` appends its list to the base's KEY list (`KEY:` replaces it).
    if (entry.key.size() > 1 && entry.key.back() == '+') {
      const std::string key = entry.key.substr(0, entry.key.size() - 1);
      if (over.find(key) != nullptr) {
        throw ConfigError({format_message(entry.key_pos, entry.key,
                                          "use either " + key + ": (replaces the base's list) or " +
                                              entry.key + ": (adds to it), not both")});
      }
      if (!entry.value.is_sequence()) {
        throw ConfigError({format_message(
            entry.key_pos, entry.key,
            "expected a list to add to the base's " + key + ", got " + entry.value.describe())});
      }
      const auto found = index.find(key);
      if (found == index.end()) {
        index.emplace(key, base.entries().size());
        base.entries().push_back({key, entry.key_pos, entry.value});
        continue;
      }
      ConfigEntry* existing = &base.entries()[found->second];
      if (!existing->value.is_sequence()) {
        throw ConfigError({format_message(
            entry.key_pos, entry.key,
            "the base's " + key + " is " + existing->value.describe() + ", not a list to add to")});
      }
      std::vector<ConfigNode> items = existing->value.items();
      items.insert(items.end(), entry.value.items().begin(), entry.value.items().end());
      existing->value = ConfigNode::sequence(std::move(items), existing->value.pos());
      continue;
    }
    const auto found = index.find(entry.key);
    if (found == index.end()) {
      index.emplace(entry.key, base.entries().size());
      base.entries().push_back(entry);
    } else {
      ConfigEntry* existing = &base.entries()[found->second];
      existing->key_pos = entry.key_pos;
      // A share map is one decision: a derived file that restates it means the
      // whole of it, never its keys mixed with the base's.
      const bool whole = entry.key == "by_year" || entry.key == "allocation" ||
                         entry.key == "amounts" || entry.key == "shares";
      existing->value = whole ? entry.value : merge(std::move(existing->value), entry.value);
    }
  }
  // The merged mapping is reported where it was last written: that is the
  // file being edited.
  return ConfigNode::map(std::move(base.entries()), over.pos());
}

MergedDocument load_document(const std::string& path, const ParseLimits& limits) {
  DocumentLoader loader(limits);
  MergedDocument doc;
  doc.root = loader.load(path, nullptr);
  doc.files = loader.take_files();
  return doc;
}

MergedDocument load_document_text(std::string text, const std::string& name,
                                  const ParseLimits& limits) {
  DocumentLoader loader(limits);
  MergedDocument doc;
  doc.root = loader.load_text(std::move(text), name);
  doc.files = loader.take_files();
  return doc;
}

}  // namespace sectorsim::config
