/*
 * clean_priv.h - nd_clean with a hook between the scan and the writing, for tests that
 * change an input there (an input changed during the run must stop it). Private to
 * neardup_core and its tests.
 */
#ifndef NEARDUP_CLEAN_PRIV_H
#define NEARDUP_CLEAN_PRIV_H

#include "neardup/clean.h"

/* nd_clean, calling after_scan(hook_ud) (when not NULL) once the scan has read everything
 * and before anything is written. */
nd_status nd_clean_run(const nd_scan_opts *scan_opts, const nd_clean_opts *opts, const char *outdir,
                       const char *const *paths, size_t npaths, nd_scan_result **out,
                       void (*after_scan)(void *), void *hook_ud);

#endif
