#include "engine/spec/scenario_spec.hpp"

namespace sectorsim::core {

static_assert(RunSettings{}.replicates == DEFAULT_REPLICATES);

const char* op_symbol(Op op) {
  switch (op) {
    case Op::Greater:
      return ">";
    case Op::GreaterEqual:
      return ">=";
    case Op::Less:
      return "<";
    case Op::LessEqual:
      return "<=";
  }
  return "?";
}

}  // namespace sectorsim::core
