// The page's inline CSS and script (src/render/report/), embedded at build
// time by cmake/embed_assets.cmake.
#pragma once

#include <string_view>

namespace heapdump {

extern const std::string_view kReportCss;       ///< report.css
extern const std::string_view kReportLayoutJs;  ///< layout.js: the pure layout functions
extern const std::string_view kReportJs;        ///< report.js: drawing and interaction

}  // namespace heapdump
