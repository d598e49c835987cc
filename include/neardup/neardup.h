/*
 * neardup.h - the whole public API of libneardup in one include, and its version.
 *
 * libneardup finds near-duplicate articles and repeated paragraphs in scraped news text:
 * nd_scan() (scan.h) reads documents (input.h) and returns one result that the report
 * writers (report.h) and every command read. Functions return an nd_status (status.h).
 */
#ifndef NEARDUP_NEARDUP_H
#define NEARDUP_NEARDUP_H

#include "neardup/dist.h"
#include "neardup/index.h"
#include "neardup/input.h"
#include "neardup/report.h"
#include "neardup/scan.h"
#include "neardup/status.h"

/* The library's version, "MAJOR.MINOR.PATCH" (set once, in CMakeLists.txt). Static. */
ND_API const char *nd_version(void);

#endif
