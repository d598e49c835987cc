# csv.sh - CSV and TSV with a header row, written the way pandas writes them (Python's csv
# module, QUOTE_MINIMAL, an unnamed index column): quoted fields with commas, doubled
# quotes and line breaks. The text column is "text", else the only column of long text
# (a warning names it), or --text-field; the id column "id", then "url", or --id-field.
# A bad quote costs its row only; messages give the line where the row starts.
. "$(dirname "$0")/lib.sh"
need python3

cd "$TMP" || die "cannot cd to $TMP"
edit_words <"$ND_SEED" >edited.txt
# seeds.csv: index, url, title, content (no "text" column), one row per seed plus the
# near-copy; the articles hold line breaks, commas and quotes.
python3 - "$ND_SEEDS" edited.txt <<'PY' || die "cannot write the CSV files"
import csv, glob, io, os, sys
seeds = sorted(glob.glob(os.path.join(sys.argv[1], '*.txt')))
rows = [(f'http://news.example/{os.path.basename(p)}', 'Judul "berita"', open(p, encoding='utf-8').read()) for p in seeds]
rows.append(('http://news.example/edited', 'Judul, lagi', open(sys.argv[2], encoding='utf-8').read()))
for name, lt, delim in (('seeds.csv', '\n', ','), ('seeds_crlf.csv', '\r\n', ','), ('seeds.tsv', '\n', '\t')):
    with open(name, 'w', newline='', encoding='utf-8') as f:
        w = csv.writer(f, quoting=csv.QUOTE_MINIMAL, lineterminator=lt, delimiter=delim)
        w.writerow(['', 'url', 'title', 'content'])
        for i, r in enumerate(rows):
            w.writerow([i, *r])
# The same with a "text" column and an "id" column, and one row with an unbalanced quote.
with open('named.csv', 'w', newline='', encoding='utf-8') as f:
    w = csv.writer(f, quoting=csv.QUOTE_MINIMAL, lineterminator='\n')
    w.writerow(['id', 'text'])
    for i, r in enumerate(rows):
        w.writerow([f'doc-{i}', r[2]])
    f.write('bad,"this quote never closes\n')
    w.writerow(['after', 'a row after the bad one'])
PY
seed=http://news.example/$(basename "$ND_SEED")
T='	'

# No "text" column: the content column is taken, a warning says so.
nd scan -f tsv seeds.csv
expect_status 0
expect_stderr_text 'neardup: warning: seeds.csv: no "text" column: the text is column 4, "content" (the only column of long text; --text-field names another)'
expect_pairs "$seed${T}http://news.example/edited"
save pairs.csv
for f in seeds_crlf.csv seeds.tsv; do
    nd scan -q -f tsv "$f"
    expect_status 0
    expect_file_same "$TMP/pairs.csv" "$ND_OUT" "the report of $f (vs seeds.csv)"
done
gzip -c seeds.csv >seeds.csv.gz
nd scan -q -f tsv seeds.csv.gz
expect_file_same "$TMP/pairs.csv" "$ND_OUT" "the report of seeds.csv.gz (vs seeds.csv)"
nd scan -q -f json --input-format csv - <seeds.csv
expect_json "assert s['documents'] == $(($(ls "$ND_SEEDS"/*.txt | wc -l) + 1)) and s['groups'] == 1, s"
expect_json "assert d['options']['input_format'] == 'csv', d['options']"

# The same articles by name; ids from --id-field; the text report points at the line where
# the row starts.
nd scan --text-field content --id-field title -f json seeds.csv
expect_status 0
expect_stderr_empty
expect_json "
m = d['groups'][0]['members']
assert {x['id'] for x in m} == {'Judul \"berita\"', 'Judul, lagi'}, m
assert all(x['line'] > 1 for x in m), m"
nd scan --text-field body seeds.csv
expect_status 2
expect_stderr_line 1 'neardup: seeds.csv:1: no "body" column (--text-field; columns: "", "url", "title", "content")'

# A bad quote: the row is reported with its line, every other row is read.
nd scan -f tsv named.csv
expect_status 2
bad=$(grep -n '^bad,' named.csv | cut -d: -f1)
expect_stderr_line 1 "neardup: named.csv:$bad: unbalanced quote: a quoted field that starts in this row never closes; row skipped, reading on at the next line"
expect_pairs "doc-0${T}doc-$(($(ls "$ND_SEEDS"/*.txt | wc -l)))"
nd scan -f json named.csv
expect_json "assert s['skipped'] == 1 and s['documents'] == $(($(ls "$ND_SEEDS"/*.txt | wc -l) + 2)), s"

finish
