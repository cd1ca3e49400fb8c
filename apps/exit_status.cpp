#include "apps/exit_status.hpp"

#include <exception>
#include <new>
#include <stdexcept>
#include <utility>

#include "engine/config/config_error.hpp"
#include "engine/io/format.hpp"
#include "engine/io/output_target.hpp"
#include "engine/run/errors.hpp"

namespace sectorsim::cli {

Failure current_failure() {
  const auto one = [](int status, std::string line) {
    return Failure{status, {std::move(line)}, true};
  };
  try {
    throw;
  } catch (const config::ConfigError& e) {
    return Failure{EXIT_INPUT, e.messages(), false};
  } catch (const run::InputError& e) {  // run::ResourceError included
    return one(EXIT_INPUT, e.what());
  } catch (const run::Interrupted& e) {
    return one(EXIT_INTERRUPTED, e.what());
  } catch (const run::NonFinite& e) {
    return Failure{EXIT_NONFINITE, e.lines(), true};
  } catch (const io::Refused& e) {  // an unsafe output path, an input that is no results file
    return one(EXIT_INPUT, e.what());
  } catch (const std::invalid_argument& e) {
    return one(EXIT_INPUT, e.what());
  } catch (const io::IoError& e) {
    return one(EXIT_RUNTIME, e.what());
  } catch (const std::bad_alloc&) {
    return one(EXIT_RUNTIME, "out of memory");
  } catch (const std::exception& e) {
    return one(EXIT_RUNTIME, e.what());
  } catch (...) {
    return one(EXIT_RUNTIME, "unknown failure");
  }
}

}  // namespace sectorsim::cli
