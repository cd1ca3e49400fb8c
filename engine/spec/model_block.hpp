// A model's own part of a scenario, opaque to the engine.
//
// The spec keeps what every model shares; what only one model reads (the
// sector-growth model's base-year data, priors, levers and shock correlations;
// the Ishigami function's coefficients and input priors) is a ModelBlock that
// the model's reader builds and the model itself casts back. ModelBlockValue
// gives it value semantics, so copying a spec copies its block (a variant made
// by copying a scenario and changing its levers leaves the original alone).
// Covered by tests/test_model.cpp (ModelBlock.*).
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "engine/spec/levers.hpp"
#include "engine/spec/series.hpp"

namespace sectorsim::core {

/// Base of every model's block. A block is immutable data plus clone().
class ModelBlock {
 public:
  virtual ~ModelBlock() = default;
  virtual std::unique_ptr<ModelBlock> clone() const = 0;

  /// Series the scenario adds after the model's declared ones, in output
  /// order (the sector-growth model's enterprise counts, one pair a kind the
  /// scenario names); targets and observations may name them. None by default.
  virtual std::vector<SeriesInfo> extra_series() const { return {}; }

  /// The scenario's setting of every lever the model declares
  /// (ModelDeclaration::levers), in declaration order; none by default.
  virtual std::vector<LeverSetting> lever_settings() const { return {}; }
  /// Replaces one lever's setting. Throws std::invalid_argument for a key
  /// the model does not declare, amounts of the wrong size, a negative or
  /// non-finite amount, or an allocation that is not shares summing to 1.
  virtual void set_lever(const LeverSetting& setting) {
    throw std::invalid_argument("the model has no lever '" + setting.key + "'");
  }

 protected:
  ModelBlock() = default;
  ModelBlock(const ModelBlock&) = default;
  ModelBlock& operator=(const ModelBlock&) = default;
};

/// A ModelBlock held by value: copies clone it; empty when a spec has none.
class ModelBlockValue {
 public:
  ModelBlockValue() = default;
  explicit ModelBlockValue(std::unique_ptr<ModelBlock> block) : block_(std::move(block)) {}
  ModelBlockValue(const ModelBlockValue& o) : block_(o.block_ ? o.block_->clone() : nullptr) {}
  ModelBlockValue& operator=(const ModelBlockValue& o) {
    if (this != &o) block_ = o.block_ ? o.block_->clone() : nullptr;
    return *this;
  }
  ModelBlockValue(ModelBlockValue&&) noexcept = default;
  ModelBlockValue& operator=(ModelBlockValue&&) noexcept = default;

  bool empty() const { return block_ == nullptr; }
  const ModelBlock* get() const { return block_.get(); }
  ModelBlock* get() { return block_.get(); }

  /// The block as a model's own type T; throws std::invalid_argument naming
  /// `model` when the spec holds no block or one of another model.
  template <class T>
  const T& as(const char* model) const {
    const T* t = dynamic_cast<const T*>(block_.get());
    if (t == nullptr)
      throw std::invalid_argument(std::string("the scenario has no ") + model + " model block");
    return *t;
  }
  template <class T>
  T& as(const char* model) {
    T* t = dynamic_cast<T*>(block_.get());
    if (t == nullptr)
      throw std::invalid_argument(std::string("the scenario has no ") + model + " model block");
    return *t;
  }

 private:
  std::unique_ptr<ModelBlock> block_;
};

}  // namespace sectorsim::core
