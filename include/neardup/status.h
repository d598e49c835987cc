/*
 * status.h - result codes and diagnostics shared by every neardup module.
 *
 * Every function that can fail returns an nd_status (ND_OK == 0) and hands results back
 * through out-parameters. Problems with the *data* (a malformed JSON line, invalid UTF-8,
 * a binary file) are not failures of the run: the reader describes them in an nd_diag,
 * passes it to the caller's callback, counts the document as skipped and goes on.
 * The library never prints and never exits.
 */
#ifndef NEARDUP_STATUS_H
#define NEARDUP_STATUS_H

#include <stdint.h>

/* ND_API marks the library's public functions: the library is built with hidden
 * visibility, so only these are exported from the shared library. */
#if defined(__GNUC__) && !defined(ND_STATIC_ONLY)
#define ND_API __attribute__((visibility("default")))
#else
#define ND_API
#endif

typedef enum nd_status {
    ND_OK = 0,    /* success */
    ND_END,       /* no more items; not an error */
    ND_ENOMEM,    /* out of memory */
    ND_EIO,       /* a path could not be opened or read */
    ND_EINVAL,    /* an invalid argument or option value */
    ND_EUTF8,     /* text is not valid UTF-8 */
    ND_EJSON,     /* a JSON Lines line is not valid JSON */
    ND_EFIELD,    /* a JSON object lacks the text field, or it is not a string */
    ND_EEMPTY,    /* an empty document (no bytes) */
    ND_EBINARY,   /* a binary file (contains a NUL byte) */
    ND_ETOOBIG,   /* a document or line longer than the size limit */
    ND_ENOWORDS,  /* a document without a single word */
    ND_ECHANGED,  /* an input file changed while neardup was reading it */
    ND_ENOTINDEX, /* an archive file is not a neardup index (index.h) */
    ND_ECORRUPT,  /* an archive index is damaged (a bad page or a bad checksum) */
    ND_ENEWER,    /* an archive index was made by a newer neardup (schema version) */
    ND_ESETTINGS, /* the settings asked for differ from those an index was made with */
    ND_EBUSY,     /* an index is locked by another writer for longer than the timeout */
    ND_EEXIST,    /* something exists already (an index file; a document id) */
    ND_EINTERNAL, /* a broken invariant (a bug) */
    ND_EFORMAT,   /* a CSV row or WARC record that cannot be cut (bad quote, bad header) */
} nd_status;

/* A short, static, human-readable description of `s` ("out of memory"). Never NULL. */
ND_API const char *nd_status_str(nd_status s);

/* Severity of a diagnostic: an error means a document or path was skipped. */
typedef enum nd_diag_level { ND_DIAG_ERROR = 0, ND_DIAG_WARNING = 1 } nd_diag_level;

#define ND_NO_LINE 0u
#define ND_NO_OFFSET UINT64_MAX

/*
 * One diagnostic about the input. All pointers are borrowed and valid only for the duration
 * of the callback that receives it: copy what you keep.
 */
typedef struct nd_diag {
    nd_status code;      /* what went wrong */
    nd_diag_level level; /* ND_DIAG_ERROR: the document/path was skipped */
    const char *path;    /* the file ("<stdin>" for standard input) */
    uint64_t line;       /* 1-based line number, or ND_NO_LINE */
    uint64_t offset;     /* byte offset in the file, or ND_NO_OFFSET */
    const char *message; /* a full sentence fragment, e.g. "invalid UTF-8 at byte 17" */
} nd_diag;

/* Receives diagnostics, in input order, on the thread that called the library. */
typedef void (*nd_diag_fn)(const nd_diag *diag, void *userdata);

#endif
