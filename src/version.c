/*
 * version.c - nd_version(): the version CMake's project() sets, compiled into this file
 * only.
 */
#include "neardup/neardup.h"

const char *nd_version(void)
{
    return NEARDUP_VERSION;
}
