// Browser libraries inlined into report.html (generated at build time from reports/web).
#pragma once

namespace brokersim::reports {

char const* uplot_js();
char const* uplot_css();

}  // namespace brokersim::reports
