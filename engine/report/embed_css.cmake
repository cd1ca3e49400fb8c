# cmake -DIN=report.css -DOUT=report_css.hpp -P embed_css.cmake
# Writes OUT, a C++ header holding the text of IN as one raw string literal
# (engine/report/CMakeLists.txt), which runs this whenever IN changes.
if(NOT DEFINED IN OR NOT DEFINED OUT)
  message(FATAL_ERROR "usage: cmake -DIN=<css> -DOUT=<header> -P embed_css.cmake")
endif()
file(READ "${IN}" css)
set(delimiter "sectorsim_css")
string(FIND "${css}" ")${delimiter}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains ')${delimiter}\"', which would end the raw string")
endif()
set(text "// Generated from engine/report/report.css by engine/report/embed_css.cmake: edit the CSS.
#pragma once

namespace sectorsim::report {

/// The report's style sheet, inlined in every page's <style> element.
inline constexpr char STYLE[] = R\"${delimiter}(${css})${delimiter}\";

}  // namespace sectorsim::report
")
file(WRITE "${OUT}" "${text}")
