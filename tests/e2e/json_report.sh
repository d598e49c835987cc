# json_report.sh - what the JSON report holds beyond the findings: warnings (files of
# another type, symbolic links to directories not followed) in a "warnings" array and
# counted in the summary, even with -q; null for every count, array and field of a part
# not asked for (--parts); and in "options" everything that shaped the result (parts,
# boilerplate_share, max_bytes, input format, text and id field names).
. "$(dirname "$0")/lib.sh"

cd "$TMP" || die "cannot cd to $TMP"
mkdir -p tree/sub elsewhere
seed_pair tree/a.txt tree/sub/b.txt
echo '<p>x</p>' >tree/page.html
cp "$ND_SEED_OTHER" elsewhere/o.txt
ln -s ../elsewhere tree/link

for q in "" -q; do
    # shellcheck disable=SC2086 # $q is empty or one option
    nd scan $q -f json tree
    expect_status 0
    expect_json "
assert s['warnings'] == 2 and s['skipped'] == 0 and s['documents'] == 2, s
w = d['warnings']
assert [x['source'] for x in w] == ['tree/link', 'tree/page.html'], w
assert [x['line'] for x in w] == [None, None], w
assert w[0]['message'].startswith('symbolic link to a directory not followed'), w
assert w[1]['message'] == 'ignored: not a .txt, .jsonl, .csv, .tsv, .warc or .wet file (plain, .gz or .zst)', w
assert sorted(w[0]) == ['line', 'message', 'source'], w
assert d['skipped'] == [], d['skipped']"
done

# --parts: what was not asked for is null, what was asked for is a number or an array.
nd scan --parts groups -f json tree
expect_json "
assert (s['groups'], s['duplicates'], s['pairs']) == (1, 1, 1), s
for k in ('doubled_block_articles', 'doubled_bodies', 'short_repeat_articles',
          'shared_paragraphs', 'boilerplate_paragraphs'):
    assert s[k] is None, (k, s)
assert d['repeats'] is None and d['shared'] is None, d
assert d['options']['parts'] == ['groups'], d['options']"
nd scan --parts short,blocks -f json "$ND_SEEDS"
expect_json "
assert (s['groups'], s['duplicates'], s['pairs']) == (None, None, None), s
assert d['groups'] is None and d['pairs'] is None and d['shared'] is None, d
assert s['shared_paragraphs'] is None and s['boilerplate_paragraphs'] is None, s
assert s['doubled_block_articles'] == 2 and s['short_repeat_articles'] == 2, s
assert all(isinstance(r['blocks'], list) and isinstance(r['short_lines'], list)
           for r in d['repeats']), d['repeats']
assert d['options']['parts'] == ['blocks', 'short'], d['options']"
nd scan --parts short -f json "$ND_SEEDS"
expect_json "
assert s['doubled_block_articles'] is None and s['short_repeat_articles'] == 2, s
assert all(r['blocks'] is None and r['doubled'] is None and r['repeated_share'] is None
           for r in d['repeats']), d['repeats']"

# options: the defaults, then everything set.
nd scan -f json tree
expect_json "
o = d['options']
assert o['parts'] == ['groups', 'blocks', 'short', 'shared'], o
assert o['boilerplate_share'] is None and o['boilerplate_docs'] == 5, o
assert o['max_bytes'] == 16777216 and o['input_format'] == 'auto', o
assert o['text_field'] == 'text' and o['id_fields'] == ['id', 'url'], o
assert o['doubled_share'] == 0.4, o"
printf '{"name": "n1", "body": "one two three four five six"}\n' >docs.jsonl
nd scan -f json --text-field body --id-field name --input-format jsonl --max-bytes 2K \
    --boilerplate-share 0.25 --boilerplate-docs 7 docs.jsonl
expect_json "
o = d['options']
assert o['text_field'] == 'body' and o['id_fields'] == ['name'], o
assert o['input_format'] == 'jsonl' and o['max_bytes'] == 2048, o
assert o['boilerplate_share'] == 0.25 and o['boilerplate_docs'] == 7, o
assert s['documents'] == 1, s"

finish
