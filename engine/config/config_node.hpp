// A scenario file as a tree of nodes that remember where they were written.
//
// yaml-cpp's own nodes lose their file once several files are merged, share
// aliased subtrees (so one edit changes many places) and offer no bound on the
// size of an alias expansion. The loader therefore copies every document into
// this tree first: each node keeps file, line and column, aliases are expanded
// under a node budget, and `extends:` chains are merged here, so that the
// validator only ever sees one plain tree and every error can point at the
// file a value came from. Covered by tests/test_config.cpp.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/spec/scenario_spec.hpp"

namespace sectorsim::config {

/// Where a node was written. Line and column are 1-based; the column counts
/// characters, not bytes, so it matches what an editor shows on a line with
/// Chinese text.
struct SourcePos {
  std::shared_ptr<const std::string> file;
  int line = 0;
  int col = 0;

  /// "file:line:col".
  std::string str() const;
};

/// One error line: "file:line:col: key.path: message" (no key path when empty).
std::string format_message(const SourcePos& pos, std::string_view path, std::string_view message);

/// Key path of a mapping value: "region" + "area_km2" -> "region.area_km2".
std::string child_path(std::string_view parent, std::string_view key);
/// Key path of a list item: by its id when it has one ("sectors.finance"),
/// otherwise by index ("sectors[3]").
std::string item_path(std::string_view parent, std::size_t index, std::string_view id);

struct ConfigEntry;

/// A node of a scenario file: null, scalar (text as written), list or mapping
/// (entries in file order).
class ConfigNode {
 public:
  /// What the node holds.
  enum class Kind { Null, Scalar, Sequence, Map };

  /// A null node with no position.
  ConfigNode() = default;
  /// Factories: a node of each kind written at `pos`.
  static ConfigNode null(SourcePos pos);
  /// `plain` is false for quoted and block scalars: only plain scalars may be
  /// numbers or booleans, so that "1.5" in quotes stays a string.
  static ConfigNode scalar(std::string text, bool plain, SourcePos pos);
  static ConfigNode sequence(std::vector<ConfigNode> items, SourcePos pos);
  static ConfigNode map(std::vector<ConfigEntry> entries, SourcePos pos);

  /// Kind and position (for a map: its first key; for an empty value: its key).
  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::Null; }
  bool is_scalar() const { return kind_ == Kind::Scalar; }
  bool is_sequence() const { return kind_ == Kind::Sequence; }
  bool is_map() const { return kind_ == Kind::Map; }
  const SourcePos& pos() const { return pos_; }

  /// Scalar text as written, without quotes (empty for other kinds).
  const std::string& text() const { return text_; }
  /// Whether the scalar was written without quotes (see scalar()).
  bool plain() const { return plain_; }
  /// Items of a list (empty for other kinds).
  const std::vector<ConfigNode>& items() const { return items_; }
  /// Entries of a mapping, in file order (empty for other kinds); mutable for merging.
  const std::vector<ConfigEntry>& entries() const { return entries_; }
  std::vector<ConfigEntry>& entries() { return entries_; }

  /// The entry with this key, or nullptr (also for non-mappings).
  const ConfigEntry* find(std::string_view key) const;
  ConfigEntry* find(std::string_view key);
  /// The value under this key, or nullptr.
  const ConfigNode* get(std::string_view key) const;
  /// Removes the entry with this key, if any.
  void erase(std::string_view key);

  /// The node as it reads in "got ..." of an error: 'text', a mapping, a list, null.
  std::string describe() const;

 private:
  Kind kind_ = Kind::Null;
  SourcePos pos_;
  std::string text_;
  bool plain_ = true;
  std::vector<ConfigNode> items_;
  std::vector<ConfigEntry> entries_;
};

/// A key of a mapping with its position and value.
struct ConfigEntry {
  std::string key;
  SourcePos key_pos;
  ConfigNode value;
};

/// Bounds that keep a broken or hostile file from exhausting memory or stack.
struct ParseLimits {
  /// Nodes built over the scenario and all its bases, aliases expanded.
  std::size_t max_nodes = 1'000'000;
  /// Nesting of lists and mappings; scenario files need fewer than 10 levels.
  int max_depth = 64;
  /// Largest file read.
  std::size_t max_file_bytes = std::size_t{16} << 20;
  /// Most `extends:` levels above the scenario file.
  int max_extends = 16;
  /// Longest mapping key in bytes: keys are schema names, years and ids, and
  /// a bound keeps messages one readable line and suggestions cheap.
  std::size_t max_key_bytes = 256;
};

/// Parses one file's text: exactly one YAML document whose top level is a
/// mapping, valid UTF-8 text, within the limits. `node_count` is the running
/// total of nodes across files. Throws ConfigError.
ConfigNode parse_yaml(std::string_view text, const std::string& file, const ParseLimits& limits,
                      std::size_t* node_count);

/// Deep merge for `extends:`: mappings merge key by key, lists, scalars and
/// single values written as mappings ({dist: ...}, {value: ...}) of `over`
/// replace those of `base`. Every node keeps the position where it was
/// written; a merged mapping takes the position of `over`.
ConfigNode merge(ConfigNode base, const ConfigNode& over);

/// A scenario file with its `extends:` chain read and merged.
struct MergedDocument {
  ConfigNode root;                      ///< merged tree, without `extends` keys
  std::vector<core::SourceFile> files;  ///< the scenario file first, then each base
};

/// Reads `path` and, recursively, the file it extends (relative to its own
/// directory), then merges each file over its base. Refuses cycles, chains of
/// more than limits.max_extends bases, and anything but regular files (a FIFO
/// or device would block or never end). Throws ConfigError.
MergedDocument load_document(const std::string& path, const ParseLimits& limits = {});

/// load_document() for a scenario held in memory: `text` is reported as file
/// `name`, and its `extends:` is resolved relative to the current directory
/// (bases further up the chain relative to their own directories).
MergedDocument load_document_text(std::string text, const std::string& name,
                                  const ParseLimits& limits = {});

}  // namespace sectorsim::config
