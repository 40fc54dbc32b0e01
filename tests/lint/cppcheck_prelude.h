/*
 * Included first in every file `make lint' gives cppcheck (--include).
 * cppcheck reads no system header (they are not on its include path, which
 * keeps it fast and quiet), so the macros our code uses from freeDiameter
 * (CHECK_FCT_DO, ...) and jansson (json_array_foreach, ...) would be
 * unknown and stop it with syntax errors: their headers come from here.
 */
#include "/usr/include/freeDiameter/freeDiameter-host.h"
#include "/usr/include/freeDiameter/libfdproto.h"
#include "/usr/include/jansson.h"
