# warc.sh - WARC / WET input: a WET file built here from the seed articles (and, when
# ../shared is there, a few articles of its corpora) with a mix of record types: warcinfo,
# request, response, metadata, conversion (the text), resource (text and not). conversion
# records and text resources are the articles, named by WARC-Target-URI; the other records
# are skipped silently. .warc, .warc.gz (one gzip member per record, as crawlers write it)
# and .warc.wet.gz give the same report. A record with a wrong Content-Length is reported
# with its byte offset and reading resynchronises at the next record (exit 2).
. "$(dirname "$0")/lib.sh"
need python3 gzip

cd "$TMP" || die "cannot cd to $TMP"
edit_words <"$ND_SEED" >edited.txt
shared=$ND_SHARED_DIR/data/detik_id/docs.jsonl
[ -f "$shared" ] || shared=
python3 - "$ND_SEEDS" edited.txt "$shared" <<'PY' || die "cannot write the WARC files"
import glob, gzip, json, os, sys, uuid
seeds = sorted(glob.glob(os.path.join(sys.argv[1], '*.txt')))
arts = [('http://news.example/' + os.path.basename(p), open(p, encoding='utf-8').read()) for p in seeds]
arts.append(('http://news.example/edited', open(sys.argv[2], encoding='utf-8').read()))
if sys.argv[3]:
    with open(sys.argv[3], encoding='utf-8') as f:
        for i, line in enumerate(f):
            if i >= 20: break
            d = json.loads(line)
            arts.append(('http://shared.example/' + str(d.get('id', i)), d['text']))
n = [0]
def rec(version, typ, block, uri=None, ctype=None, clen_delta=0):
    n[0] += 1
    h = [version, 'WARC-Type: ' + typ, 'WARC-Date: 2024-05-01T10:00:00Z',
         'WARC-Record-ID: <urn:uuid:%s>' % uuid.UUID(int=n[0])]
    if uri: h.append('WARC-Target-URI: ' + uri)
    if ctype: h.append('Content-Type: ' + ctype)
    b = block.encode('utf-8')
    h.append('Content-Length: %d' % (len(b) + clen_delta))
    return ('\r\n'.join(h) + '\r\n\r\n').encode() + b + b'\r\n\r\n'
def build(bad=False):
    out = [rec('WARC/1.0', 'warcinfo', 'software: neardup-test\r\nformat: WARC File Format 1.0\r\n', ctype='application/warc-fields')]
    for i, (uri, text) in enumerate(arts):
        v = 'WARC/1.1' if i % 2 else 'WARC/1.0'
        out.append(rec(v, 'request', 'GET / HTTP/1.1\r\nHost: news.example\r\n\r\n', uri, 'application/http; msgtype=request'))
        out.append(rec(v, 'response', 'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body>%s</body></html>' % text[:200], uri, 'application/http; msgtype=response'))
        out.append(rec(v, 'metadata', 'fetchTimeMs: 42\r\n', uri, 'application/warc-fields'))
        if bad and i == 1:
            out.append(rec(v, 'conversion', 'a record whose Content-Length is wrong', 'http://bad.example/', 'text/plain', clen_delta=7))
        out.append(rec(v, 'conversion', text, uri, 'text/plain'))
    out.append(rec('WARC/1.1', 'resource', 'A note kept as a text resource, not a news article.', 'file:///note.txt', 'text/plain'))
    out.append(rec('WARC/1.1', 'resource', '\x01\x02 binary-ish', 'file:///img.jpg', 'image/jpeg'))
    return out
good, bad = build(), build(True)
open('crawl.warc', 'wb').write(b''.join(good))
with open('crawl.warc.gz', 'wb') as f:
    for r in good: f.write(gzip.compress(r))
open('crawl.warc.wet.gz', 'wb').write(gzip.compress(b''.join(good)))
open('bad.warc', 'wb').write(b''.join(bad))
off = b''.join(bad).index(b'http://bad.example/')
start = b''.join(bad).rindex(b'WARC/1.', 0, off)
open('bad.offset', 'w').write(str(start))
PY
seed=http://news.example/$(basename "$ND_SEED")
T='	'
nd scan -f tsv crawl.warc
expect_status 0
expect_stderr_empty
expect_pairs "$seed${T}http://news.example/edited"
save warc.tsv
for f in crawl.warc.gz crawl.warc.wet.gz; do
    nd scan -f tsv "$f"
    expect_status 0
    expect_stderr_empty
    sed "s|$f|crawl.warc|g" "$ND_OUT" >"$TMP/renamed"
    expect_file_same "$TMP/warc.tsv" "$TMP/renamed" "the report of $f (vs crawl.warc)"
done
narts=$(($(ls "$ND_SEEDS"/*.txt | wc -l) + 2))
[ -n "$shared" ] && narts=$((narts + 20))
nd scan -f json crawl.warc.wet.gz
expect_json "
assert s['documents'] == $narts and s['skipped'] == 0, s
m = d['groups'][0]['members']
assert {x['id'] for x in m} == {'$seed', 'http://news.example/edited'}, m
assert all(x['source'] == 'crawl.warc.wet.gz' and x['line'] > 1 for x in m), m"
nd scan -f tsv --input-format warc - <crawl.warc.gz
expect_status 0
expect_pairs "$seed${T}http://news.example/edited"

# --stats counts the records skipped silently, by type.
nd scan -f tsv --stats crawl.warc
expect_status 0
expect_stderr_contains "neardup: stats: WARC records "
grep 'WARC records' "$ND_ERR" | grep -q ' skipped:.* [a-z]* [1-9]' ||
    fail "--stats names no skipped record type: $(grep 'WARC records' "$ND_ERR")"

# A wrong Content-Length: the message gives the record's byte offset; every other record is
# read (the pair is still found).
nd scan -f json bad.warc
expect_status 2
expect_stderr_line 1 "neardup: bad.warc: byte $(cat bad.offset): WARC record whose Content-Length (45) does not end it (no blank line and WARC/ after its block); skipped, reading on at the next WARC/ line"
expect_json "assert s['documents'] == $narts and s['skipped'] == 1 and s['groups'] == 1, s"

finish
