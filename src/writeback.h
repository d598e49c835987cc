/*
 * writeback.h - a thread that keeps the kernel writing a few files' dirty pages to disk
 * while the program goes on, so that a later fsync of those files finds most of their bytes
 * on disk already and the disk works while the processor does.
 *
 * On Linux it calls sync_file_range(SYNC_FILE_RANGE_WRITE) on each file every period: that
 * starts the writeback of the pages dirty then and waits for nothing (it is not an fsync:
 * it promises nothing about durability, which stays with the fsyncs of whoever writes the
 * files). Elsewhere it does nothing. It changes no byte of any file.
 *
 * An archive index runs one beside each write transaction (index.c): SQLite writes the
 * transaction's pages into the write-ahead log, then its checkpoint fsyncs the log, copies
 * the pages into the file and fsyncs the file; without it, those two fsyncs waited for all
 * of the bytes at the end.
 */
#ifndef NEARDUP_WRITEBACK_H
#define NEARDUP_WRITEBACK_H

#include <stddef.h>
#include <stdint.h>

typedef struct nd_writeback nd_writeback;

/* Starts the thread for the open files fds[0 .. n) (n <= 4; negative ones are skipped): a
 * round at once, then one every period_ms milliseconds. The caller keeps the descriptors
 * open until nd_writeback_stop and closes them itself; it must not close a database file's
 * descriptor while SQLite holds locks on that file (closing any descriptor of a file drops
 * the process's POSIX locks on it). NULL when there is nothing to do (not Linux) or it
 * cannot start: the caller goes on without it. */
nd_writeback *nd_writeback_start(const int *fds, size_t n, unsigned period_ms);

/* Stops and joins the thread (after its first round at least), frees w (NULL: nothing);
 * the descriptors stay open. Returns how many writebacks it started that the kernel
 * accepted. */
uint64_t nd_writeback_stop(nd_writeback *w);

#endif
