#pragma once

#include <string>

namespace bench {

/// liner-bench --child SPEC_JSON: runs one measurement (see child.cpp).
int child_main(const std::string& spec_json);

} // namespace bench
