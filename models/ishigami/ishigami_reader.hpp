// Reads the `ishigami:` section of a scenario: a, b and optional priors of
// x1..x3 (default uniform on [-π, π]). Covered by tests/test_ishigami.cpp.
#pragma once

#include "engine/config/model_reader.hpp"

namespace sectorsim::models {

class IshigamiReader : public config::ModelReader {
 public:
  const core::ModelDeclaration& declaration() const override;
  std::vector<std::pair<std::string, bool>> sections() const override {
    return {{"ishigami", true}};
  }
  bool needs_sectors() const override { return false; }
  std::vector<std::string> sector_keys() const override { return {}; }
  std::vector<std::string> region_keys() const override { return {}; }
  std::unique_ptr<core::ModelBlock> read(const config::BlockContext& context) const override;
};

}  // namespace sectorsim::models
