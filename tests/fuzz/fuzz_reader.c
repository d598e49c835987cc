/*
 * fuzz_reader.c - the reader and the decoder on arbitrary bytes (input.h).
 *
 * The input is written as a `.jsonl` file and as a `.txt` file, and each is read with
 * nd_reader_next to its end, with a size limit chosen from the input's length (the default,
 * 100 or 17 bytes, so the over-limit paths run on small inputs). Every record is decoded
 * (default fields, and "body"/"url"), fetched again with nd_reader_fetch and decoded again.
 *
 * Invariants: every call returns a documented status (no ND_ENOMEM: nothing fails to
 * allocate here); a document record's bytes are the file's bytes at its offset, within the
 * file and the limit, with no NUL; a JSON Lines record holds no newline, its line number
 * counts the newlines before it, and records come in file order without overlapping; a
 * text file gives exactly one record, the whole file; fetch gives back the same bytes and
 * decoding them gives the same document; a decoded document has an id and a text of the
 * lengths it states; error records carry a message and an offset within the file.
 * An input that starts with a gzip or zstd magic number is read decompressed (by magic, not
 * by name), so its records' offsets and lines are the decompressed stream's: for it the
 * checks against the file's bytes give way to checks against the first read's bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "neardup/input.h"

typedef struct decoded {
    nd_status st;
    char *id, *text;
    size_t id_len, len;
} decoded;

static void decode_one(nd_decoder *d, const nd_record *rec, decoded *out)
{
    nd_doc doc = {0};
    const char *msg = NULL;
    out->st = nd_decode(d, rec, &doc, &msg);
    FZ_CHECK(out->st == ND_OK || out->st == ND_EJSON || out->st == ND_EFIELD ||
                 out->st == ND_EEMPTY,
             "nd_decode returned %d", (int)out->st);
    FZ_CHECK(msg != NULL, "no message");
    FZ_CHECK(strlen(msg) < 4096, "message too long");
    out->id = out->text = NULL;
    out->id_len = out->len = 0;
    if (out->st != ND_OK) {
        FZ_CHECK(msg[0] != '\0', "status %d without a message", (int)out->st);
        return;
    }
    FZ_CHECK(doc.id != NULL && doc.text != NULL, "a document without id or text");
    FZ_CHECK(doc.id_len == strlen(doc.id), "id_len %zu, strlen %zu", doc.id_len, strlen(doc.id));
    FZ_CHECK(doc.id_len > 0, "empty id");
    FZ_CHECK(doc.len > 0, "ND_OK for an empty text");
    if (!rec->json) {
        FZ_CHECK(doc.text == rec->data && doc.len == rec->len, "a text file's document is not "
                                                               "its record");
    } else {
        FZ_CHECK(memchr(doc.text, '\0', doc.len) == NULL, "NUL inside the decoded text");
    }
    /* Copies: what the decoder hands out lives only until its next call. */
    out->id = malloc(doc.id_len + 1);
    out->text = malloc(doc.len);
    if (!out->id || !out->text) abort();
    memcpy(out->id, doc.id, doc.id_len + 1);
    memcpy(out->text, doc.text, doc.len);
    out->id_len = doc.id_len;
    out->len = doc.len;
}

static void decoded_free(decoded *d)
{
    free(d->id);
    free(d->text);
}

static void same_decoded(const decoded *a, const decoded *b)
{
    FZ_CHECK(a->st == b->st, "decoding the fetched record: status %d, first %d", (int)b->st,
             (int)a->st);
    if (a->st != ND_OK) return;
    FZ_CHECK(a->len == b->len && memcmp(a->text, b->text, a->len) == 0,
             "the fetched record decodes to another text");
    /* The id of a line without an id field names the line: equal too. */
    FZ_CHECK(a->id_len == b->id_len && memcmp(a->id, b->id, a->id_len) == 0,
             "the fetched record decodes to another id ('%s' vs '%s')", a->id, b->id);
}

/* Whether the reader decompresses these bytes (stream.c: by magic number). */
static int compressed(const uint8_t *data, size_t size)
{
    return (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) ||
           (size >= 4 && memcmp(data, "\x28\xb5\x2f\xfd", 4) == 0);
}

static void read_file(const char *path, const uint8_t *data, size_t size, int json, size_t limit,
                      nd_decoder *const dec[2])
{
    const int z = compressed(data, size);
    unsigned char *copy = NULL; /* a compressed input's record, as first read */
    nd_reader_opts ro = {.max_doc_bytes = limit, .format = ND_INPUT_AUTO};
    size_t max = limit ? limit : ND_MAX_DOC_BYTES;
    nd_reader *r = NULL;
    const char *paths[] = {path};
    FZ_CHECK(nd_reader_create(&ro, paths, 1, &r) == ND_OK, "nd_reader_create");
    uint64_t next_offset = 0; /* records must start at or after it */
    size_t ndocs = 0, nrecs = 0;
    for (;;) {
        nd_record rec;
        nd_status st = nd_reader_next(r, &rec);
        if (st == ND_END) break;
        FZ_CHECK(st == ND_OK, "nd_reader_next returned %d", (int)st);
        ++nrecs;
        FZ_CHECK(z || nrecs <= size + 2, "more records (%zu) than bytes (%zu)", nrecs, size);
        FZ_CHECK(rec.path != NULL && strcmp(rec.path, path) == 0, "record path '%s'",
                 rec.path ? rec.path : "(null)");
        if (rec.kind != ND_REC_DOC) {
            FZ_CHECK(rec.kind == ND_REC_ERROR || rec.kind == ND_REC_NOTE, "kind %d", (int)rec.kind);
            FZ_CHECK(rec.message != NULL && rec.message[0] != '\0', "an error without message");
            FZ_CHECK(rec.kind == ND_REC_NOTE || rec.status != ND_OK, "an error with ND_OK");
            FZ_CHECK(z || rec.offset == ND_NO_OFFSET || rec.offset <= size,
                     "error offset %llu past the end (%zu)", (unsigned long long)rec.offset, size);
            continue;
        }
        ndocs++;
        FZ_CHECK(rec.json == json, "record json flag %d for a %s file", rec.json,
                 json ? ".jsonl" : ".txt");
        FZ_CHECK(rec.data != NULL && rec.len > 0, "an empty document record");
        FZ_CHECK(z || (rec.offset <= size && rec.len <= size - rec.offset),
                 "record [%llu, +%zu) outside the file (%zu bytes)", (unsigned long long)rec.offset,
                 rec.len, size);
        FZ_CHECK(rec.len <= max, "record of %zu bytes over the limit %zu", rec.len, max);
        FZ_CHECK(z || memcmp(rec.data, data + rec.offset, rec.len) == 0,
                 "record bytes differ from the file's at offset %llu",
                 (unsigned long long)rec.offset);
        FZ_CHECK(memchr(rec.data, '\0', rec.len) == NULL, "NUL byte in a document record");
        FZ_CHECK(rec.offset >= next_offset, "record at %llu overlaps the previous one (ends %llu)",
                 (unsigned long long)rec.offset, (unsigned long long)next_offset);
        next_offset = rec.offset + rec.len;
        if (json) {
            FZ_CHECK(memchr(rec.data, '\n', rec.len) == NULL, "newline inside a JSON line");
        }
        if (json && !z) {
            uint64_t line = 1;
            for (uint64_t i = 0; i < rec.offset; i++)
                line += data[i] == '\n';
            FZ_CHECK(rec.line == line, "record at %llu says line %llu, is line %llu",
                     (unsigned long long)rec.offset, (unsigned long long)rec.line,
                     (unsigned long long)line);
        } else if (!json) {
            FZ_CHECK(rec.offset == 0 && (z || rec.len == size) && rec.line == 1,
                     "a text file's record is not the whole file");
        }

        decoded first[2], again[2];
        for (int k = 0; k < 2; k++)
            decode_one(dec[k], &rec, &first[k]);
        uint32_t source = rec.source;
        uint64_t offset = rec.offset, line = rec.line;
        size_t len = rec.len;
        if (z) {
            free(copy);
            copy = malloc(len);
            FZ_CHECK(copy != NULL, "malloc");
            memcpy(copy, rec.data, len);
        }
        /* Fetch again (a call on the reader: rec.data is no longer valid after it). */
        nd_record again_rec;
        st = nd_reader_fetch(r, source, offset, len, line, &again_rec);
        FZ_CHECK(st == ND_OK, "nd_reader_fetch returned %d", (int)st);
        FZ_CHECK(again_rec.len == len && memcmp(again_rec.data, z ? copy : data + offset, len) == 0,
                 "fetch gave other bytes");
        FZ_CHECK(again_rec.json == json && again_rec.line == line && again_rec.offset == offset,
                 "fetch gave another place");
        for (int k = 0; k < 2; k++) {
            decode_one(dec[k], &again_rec, &again[k]);
            same_decoded(&first[k], &again[k]);
            decoded_free(&first[k]);
            decoded_free(&again[k]);
        }
    }
    if (!json) FZ_CHECK(z ? ndocs <= 1 : nrecs == 1, "a text file gave %zu records", nrecs);
    FZ_CHECK(nd_reader_next(r, &(nd_record){0}) == ND_END, "a record after ND_END");
    FZ_CHECK(nd_reader_nsources(r) <= 1, "%zu sources", nd_reader_nsources(r));
    (void)ndocs;
    free(copy);
    nd_reader_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t limits[] = {0, 100, 17};
    size_t limit = limits[size % 3];
    nd_decoder *dec[2] = {NULL, NULL};
    nd_decode_opts other = {.text_field = "body", .id_field = "url"};
    FZ_CHECK(nd_decoder_create(NULL, &dec[0]) == ND_OK, "nd_decoder_create");
    FZ_CHECK(nd_decoder_create(&other, &dec[1]) == ND_OK, "nd_decoder_create");

    const char *p = fz_write("in.jsonl", data, size);
    read_file(p, data, size, 1, limit, dec);
    p = fz_write("in.txt", data, size);
    read_file(p, data, size, 0, limit, dec);

    nd_decoder_free(dec[0]);
    nd_decoder_free(dec[1]);
    fz_clean();
    return 0;
}
