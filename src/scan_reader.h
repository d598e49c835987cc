/*
 * scan_reader.h - nd_scan() that hands its reader back, for a command that reads the input
 * again after the scan (clean.h).
 *
 * The reader knows every source it read, and it alone holds the bytes of the streams
 * (standard input, pipes), spooled to an unlinked temporary file while pass 1 read them:
 * once it is freed they are gone. Private to neardup_core.
 */
#ifndef NEARDUP_SCAN_READER_H
#define NEARDUP_SCAN_READER_H

#include "neardup/index.h"
#include "neardup/input.h"
#include "neardup/scan.h"

/*
 * nd_scan(), and on ND_OK, when reader is not NULL, *reader receives the scan's reader
 * (its sources as in the result, its spools intact), to free with nd_reader_free after the
 * result's last use of it. On failure *reader is untouched.
 */
nd_status nd_scan_keep_reader(const nd_scan_opts *opts, const char *const *paths, size_t npaths,
                              nd_scan_result **out, nd_reader **reader);

/*
 * nd_check (index.h, only checking) that hands its reader back in the same way: the result
 * holds the batch's documents, then the archived ones it found (narchived of them). On
 * failure *reader is untouched (nd_index_errmsg(ix) says why).
 */
nd_status nd_check_keep_reader(nd_index *ix, const nd_scan_opts *opts, const char *const *paths,
                               size_t npaths, nd_scan_result **out, nd_reader **reader);

#endif
