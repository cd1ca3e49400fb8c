# cmake -DOUT=page_assets.hpp -DHTML=page.html -DJS=page.js -DCSS=page.css -P embed_assets.cmake
# Writes OUT, a C++ header holding the page of `sectorsim serve`, its script
# and its style sheet as raw string literals (engine/serve/CMakeLists.txt runs
# this whenever one of them changes), as engine/report/embed_css.cmake does
# for the report's CSS.
foreach(var OUT HTML JS CSS)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "usage: cmake -DOUT=<header> -DHTML=<html> -DJS=<js> -DCSS=<css> -P embed_assets.cmake")
  endif()
endforeach()
set(delimiter "sectorsim_page")
set(body "")
foreach(pair "PAGE_HTML;${HTML}" "PAGE_JS;${JS}" "PAGE_CSS;${CSS}")
  list(GET pair 0 name)
  list(GET pair 1 path)
  file(READ "${path}" text)
  string(FIND "${text}" ")${delimiter}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${path} contains ')${delimiter}\"', which would end the raw string")
  endif()
  string(APPEND body "inline constexpr char ${name}[] = R\"${delimiter}(${text})${delimiter}\";\n\n")
endforeach()
file(WRITE "${OUT}" "// Generated from engine/serve/page.{html,js,css} by engine/serve/embed_assets.cmake.
#pragma once

namespace sectorsim::serve {

${body}}  // namespace sectorsim::serve
")
