// How a model reads its own part of a scenario file.
//
// The loader reads what every model shares (scenario, model, horizon, the
// region's and sectors' ids and labels, targets, run) and hands the rest to
// the model's ModelReader, with a BlockContext: the merged document, the
// shared spec read so far and the reading toolkit, so that a model's errors
// point at file:line:col exactly as the loader's do. A model's reader lives in
// its folder under models/ and is listed in models/registry.cpp.
// Covered by tests/test_config.cpp and tests/test_ishigami.cpp.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/config/config_node.hpp"
#include "engine/config/value_reader.hpp"
#include "engine/spec/model.hpp"
#include "engine/spec/scenario_spec.hpp"

namespace sectorsim::config {

/// One list item of `sectors` as the loader opened it.
struct SectorItem {
  std::string path;                  ///< "sectors[2] (finance)"
  const ConfigNode* node;            ///< the item (a mapping when doc is set)
  std::optional<Documentation> doc;  ///< documentation in force inside it; unset if not a mapping
};

/// What a model's reader gets: the document, the shared spec as read so far,
/// and helpers that report through the loader's ValueReader.
class BlockContext {
 public:
  BlockContext(const ConfigNode& root, const Documentation& root_doc, ValueReader& reader,
               const core::ScenarioSpec& shared, bool horizon_ok, bool sector_ids_complete,
               std::vector<SectorItem> sectors, const ConfigNode* region,
               std::optional<Documentation> region_doc)
      : root_(root),
        root_doc_(root_doc),
        r_(reader),
        shared_(shared),
        horizon_ok_(horizon_ok),
        sector_ids_complete_(sector_ids_complete),
        sectors_(std::move(sectors)),
        region_(region),
        region_doc_(std::move(region_doc)) {
    for (const auto& s : shared_.sectors)
      sector_ids_.push_back(s.id);
  }

  const ConfigNode& root() const { return root_; }
  const Documentation& root_doc() const { return root_doc_; }
  ValueReader& reader() const { return r_; }
  /// Name, horizon, sectors' ids (invalid ones "") and labels, run settings.
  const core::ScenarioSpec& shared() const { return shared_; }
  /// Whether base_year and end_year are valid (years can be checked).
  bool horizon_ok() const { return horizon_ok_; }
  /// Years of the horizon, base year included; 0 when the horizon is broken.
  std::size_t n_years() const {
    return horizon_ok_ ? static_cast<std::size_t>(shared_.n_years()) : 0;
  }
  /// Whether every sector has a valid, unique id (sector keys can be checked).
  bool sector_ids_complete() const { return sector_ids_complete_; }
  const std::vector<std::string>& sector_ids() const { return sector_ids_; }
  /// The `sectors` items, in spec order (empty when the file has none).
  const std::vector<SectorItem>& sectors() const { return sectors_; }
  /// The `region` mapping and its documentation (null / unset when absent or broken).
  const ConfigNode* region() const { return region_; }
  const std::optional<Documentation>& region_doc() const { return region_doc_; }

  /// The section `key` of the document: required (an error when missing) or not.
  const ConfigNode* section(std::string_view key, bool required) const;

  // ---- helpers shared with the loader ----
  /// A bilingual label {en, zh} (or a plain string, taken as English).
  void read_label(const ConfigNode& parent, const std::string& parent_path, const char* key,
                  std::string* en, std::string* zh) const;
  /// A required documented number under `key`, within `range`.
  void read_quantity(const ConfigNode& map, const std::string& path, const char* key,
                     const Documentation& doc, const Range& range, double* out) const;
  /// The same, optional: *out keeps its value when the key is absent.
  void read_optional_quantity(const ConfigNode& map, const std::string& path, const char* key,
                              const Documentation& doc, const Range& range, double* out) const;
  /// An optional boolean under `key`.
  void read_flag(const ConfigNode& map, const std::string& path, const char* key, bool* out) const;
  /// A year within [first, last]; the message names the interval.
  std::optional<int> year_in(const ConfigNode& node, const std::string& path, int first,
                             int last) const;
  /// A year of the horizon from `first` on; silent when the horizon itself is
  /// broken, since that error is already reported.
  std::optional<int> horizon_year(const ConfigNode& node, const std::string& path, int first) const;
  /// Keys that are years of the horizon from `first_year` on, as year indices.
  ValueReader::KeyIndex year_key(int first_year) const;
  /// Keys that are sector ids, as sector indices ("unknown sector" otherwise).
  ValueReader::KeyIndex sector_key() const;
  /// "unknown sector 'x' (did you mean 'y'?)".
  void report_unknown_sector(const SourcePos& pos, const std::string& path,
                             const std::string& id) const;

 private:
  const ConfigNode& root_;
  const Documentation& root_doc_;
  ValueReader& r_;
  const core::ScenarioSpec& shared_;
  bool horizon_ok_;
  bool sector_ids_complete_;
  std::vector<std::string> sector_ids_;
  std::vector<SectorItem> sectors_;
  const ConfigNode* region_;
  std::optional<Documentation> region_doc_;
};

/// A model's reader: which keys of the file are the model's, and how to read
/// them into its ModelBlock.
class ModelReader {
 public:
  virtual ~ModelReader() = default;
  /// What the model declares (its name is the `model:` value).
  virtual const core::ModelDeclaration& declaration() const = 0;
  /// Top-level sections the model reads, in reading order, and whether each
  /// is required.
  virtual std::vector<std::pair<std::string, bool>> sections() const = 0;
  /// Whether the model needs a `region` and a `sectors` list.
  virtual bool needs_sectors() const = 0;
  /// Keys a `sectors` item may hold besides id and name.
  virtual std::vector<std::string> sector_keys() const = 0;
  /// Keys `region` may hold besides id and name.
  virtual std::vector<std::string> region_keys() const = 0;
  /// Reads the model's block, reporting every problem through
  /// context.reader(); the block is used only when no error was reported.
  virtual std::unique_ptr<core::ModelBlock> read(const BlockContext& context) const = 0;
};

/// The models a loader knows (models/registry.cpp lists them).
struct ModelCatalogue {
  std::vector<const ModelReader*> readers;
  /// The reader of `name`, or nullptr.
  const ModelReader* find(std::string_view name) const {
    for (const ModelReader* r : readers)
      if (r->declaration().name == name) return r;
    return nullptr;
  }
};

}  // namespace sectorsim::config
