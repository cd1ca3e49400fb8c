#include "models/ishigami/ishigami_reader.hpp"

#include "models/ishigami/ishigami_model.hpp"

namespace sectorsim::models {

const core::ModelDeclaration& IshigamiReader::declaration() const {
  return ishigami_declaration();
}

std::unique_ptr<core::ModelBlock> IshigamiReader::read(const config::BlockContext& c) const {
  auto block = std::make_unique<IshigamiSpec>();
  const auto& decl = ishigami_declaration();
  for (const auto& p : decl.parameters)
    block->inputs.push_back(*p.default_prior);
  const config::ConfigNode* node = c.section("ishigami", true);
  if (node == nullptr) return block;
  const std::string path = "ishigami";
  std::vector<std::string> keys = {"a", "b"};
  for (const auto& p : decl.parameters)
    keys.push_back(p.name);
  const auto doc = c.reader().open_map(*node, path, keys, c.root_doc());
  if (!doc) return block;
  c.read_quantity(*node, path, "a", *doc, core::ANY_NUMBER, &block->a);
  c.read_quantity(*node, path, "b", *doc, core::ANY_NUMBER, &block->b);
  for (std::size_t i = 0; i < decl.parameters.size(); ++i) {
    const auto& p = decl.parameters[i];
    if (const config::ConfigNode* prior = config::ValueReader::optional(*node, p.name)) {
      const auto value = c.reader().prior(*prior, config::child_path(path, p.name), *doc, p.range);
      if (value) block->inputs[i] = *value;
    }
  }
  return block;
}

}  // namespace sectorsim::models
