// liner.h with its functions exported: the library is built with
// -fvisibility=hidden, and a function's visibility is fixed by its first
// declaration, so the public header is included under default visibility.
#pragma once

#pragma GCC visibility push(default)
#include <liner.h>
#pragma GCC visibility pop
