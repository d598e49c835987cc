# paragraphs.sh - the paragraph part of the report on the sample batch (data/): 001's
# doubled body (lines 7-16 again as 17-26), 002's fifteen doubled headlines with its
# "Global" widget line, the short line "A" in 001, and the two quotes 000 and 001 share;
# in the text, TSV (block, short, shared records) and JSON reports, byte-identical across
# thread counts. --parts selects what is looked for and printed; --fail-on-duplicates
# counts groups and doubled blocks only (cmd_scan.c's found_something): not short lines,
# not shared paragraphs. --paragraphs block on a hard-wrapped file.
. "$(dirname "$0")/lib.sh"

cd "$ND_SOURCE_DIR" || die "cannot cd to $ND_SOURCE_DIR"
S0=data/000_beebcc9d70568a44.txt
S1=data/001_038cac575548727a.txt
S2=data/002_a894bd07f7f79a4f.txt
S4=data/004_7112fbb0957666e0.txt

# expect_stdout_line TEXT: some line of stdout is exactly TEXT.
expect_stdout_line() {
    ND_CHECKS=$((ND_CHECKS + 1))
    if ! grep -q -x -F -e "$1" "$ND_OUT"; then
        fail "no line of stdout is exactly '$1'; it is:"
        show "$ND_OUT" 40
    fi
}

# expect_stdout_lacks TEXT: stdout does not contain TEXT.
expect_stdout_lacks() {
    ND_CHECKS=$((ND_CHECKS + 1))
    if grep -q -F -e "$1" "$ND_OUT"; then
        fail "stdout contains '$1'; it is:"
        show "$ND_OUT" 40
    fi
}

# expect_count PATTERN N: N lines of stdout match the basic regular expression PATTERN.
expect_count() {
    ND_CHECKS=$((ND_CHECKS + 1))
    n=$(grep -c -e "$1" "$ND_OUT")
    if [ "$n" -ne "$2" ]; then
        fail "$n lines of stdout match '$1', expected $2:"
        show "$ND_OUT" 40
    fi
}

# tsv_records KIND...: the TSV records of stdout whose type is one of KIND (types: pair,
# block, short, shared), in report order.
tsv_records() {
    awk -F '\t' -v kinds=" $* " 'index(kinds, " " $1 " ") > 0' "$ND_OUT"
}

# ---- text ------------------------------------------------------------------------------

nd scan data/
expect_status 0
expect_stderr_empty
save text
expect_stdout_line "doubled blocks:"
expect_stdout_line "  $S1: 47.4% of its words are repeats (doubled body)"
expect_stdout_line "    lines 7-16 repeat as lines 17-26 (10 paragraphs, identical)"
expect_stdout_line "      Desakan itu muncul ketika kedua negara sama-sama menuduh satu sama lain melakukan kampanye disinform..."
expect_stdout_line "  $S2: 21.7% of its words are repeats"
# The fifteen single-line doubles are one finding, with the "Global" label printed with
# each of them; the TSV and JSON reports keep every block (below).
expect_stdout_line "    15 headlines each printed twice (lines 43-115), with \"Global\" x15 among them"
expect_stdout_line "      Raja Malaysia Segera Adakan Konsultasi dengan Penguasa Kerajaan Lain Setelah Terima Proposal Keadaan..."
expect_stdout_lacks "line 48 repeats as line 50"
expect_count '^    lines* [0-9].* as line' 1  # 1 block in 001; 002's are folded
expect_stdout_line "repeated short lines:"
expect_stdout_line "  $S1: \"A\" x3 (line 3)"
expect_stdout_lacks "\"Global\" x15 (line 47)"  # said with the headlines
expect_stdout_line "shared paragraphs:"
expect_stdout_line "  passage in 2 articles (near-identical): $S0:7, $S1:11, $S1:21"
expect_stdout_line "  passage in 2 articles (near-identical): $S0:8, $S1:11, $S1:21"
expect_stdout_line "  passage in 2 articles (near-identical): $S0:18, $S1:15, $S1:25"
# The text of a shared paragraph is its first shared sentence from its first word: the
# opening quote is left out, the closing one kept.
# shellcheck disable=SC1111 # the curly quote is part of the text
expect_stdout_line "      Seperti yang telah kami katakan berulang kali, tidak ada dasar untuk pernyataan seperti itu,” tamb..."
expect_count '^  passage in\|^  boilerplate in' 3
expect_summary "4 documents read, 0 skipped; 0 groups of near-duplicates (0 documents could go); 2 with doubled blocks (1 doubled body); 2 with repeated short lines; 3 shared paragraphs (0 boilerplate)"
expect_stdout_contains "paragraphs by line, short below 4 words, paragraph jaccard >= 0.80)"
# The summary first, then the sections in order: blocks, short lines, shared paragraphs.
ND_CHECKS=$((ND_CHECKS + 1))
order=$(grep -n -e '^doubled blocks:$' -e '^repeated short lines:$' -e '^shared paragraphs:$' \
    -e '^4 documents read' "$ND_OUT" | cut -d: -f2 | tr '\n' '|')
[ "$order" = "4 documents read, 0 skipped; 0 groups of near-duplicates (0 documents could go); 2 with doubled blocks (1 doubled body); 2 with repeated short lines; 3 shared paragraphs (0 boilerplate)|doubled blocks|repeated short lines|shared paragraphs|" ] ||
    fail "sections out of order: $order"

for t in 1 2 4; do
    nd scan --threads "$t" data/
    expect_status 0
    expect_file_same "$TMP/text" "$ND_OUT" "stdout with --threads $t"
done

# ---- TSV -------------------------------------------------------------------------------
# block ID A_FIRST-A_LAST B_FIRST-B_LAST PARAGRAPHS identical|near WORDS SHARE
# short ID FIRST_LINE COUNT TEXT
# shared N passage|boilerplate NDOCS ID LINE (one record per place)

nd scan -f tsv data/
expect_status 0
expect_stderr_empty
tr '|' '\t' >"$TMP/tsv.expected" <<EOF
block|$S1|7-16|17-26|10|identical|376|0.4736
short|$S1|3|3|A
block|$S2|43-43|45-45|1|identical|14|0.2173
block|$S2|48-48|50-50|1|identical|7|0.2173
block|$S2|53-53|55-55|1|identical|10|0.2173
block|$S2|58-58|60-60|1|identical|11|0.2173
block|$S2|63-63|65-65|1|identical|11|0.2173
block|$S2|68-68|70-70|1|identical|8|0.2173
block|$S2|73-73|75-75|1|identical|10|0.2173
block|$S2|78-78|80-80|1|identical|10|0.2173
block|$S2|83-83|85-85|1|identical|10|0.2173
block|$S2|88-88|90-90|1|identical|11|0.2173
block|$S2|93-93|95-95|1|identical|9|0.2173
block|$S2|98-98|100-100|1|identical|12|0.2173
block|$S2|103-103|105-105|1|identical|10|0.2173
block|$S2|108-108|110-110|1|identical|9|0.2173
block|$S2|113-113|115-115|1|identical|9|0.2173
short|$S2|47|15|Global
shared|1|passage|2|$S0|7
shared|1|passage|2|$S1|11
shared|1|passage|2|$S1|21
shared|2|passage|2|$S0|8
shared|2|passage|2|$S1|11
shared|2|passage|2|$S1|21
shared|3|passage|2|$S0|18
shared|3|passage|2|$S1|15
shared|3|passage|2|$S1|25
EOF
expect_stdout_file "$TMP/tsv.expected"
# Every record has the documented number of fields.
ND_CHECKS=$((ND_CHECKS + 1))
awk -F '\t' '($1 == "block" && NF != 8) || ($1 == "short" && NF != 5) ||
    ($1 == "shared" && NF != 6) || ($1 != "block" && $1 != "short" && $1 != "shared")' \
    "$ND_OUT" >"$TMP/bad"
if [ -s "$TMP/bad" ]; then
    fail "TSV records with the wrong type or number of fields:"
    show "$TMP/bad"
fi
save tsv
nd scan -f tsv --threads 1 data/
expect_file_same "$TMP/tsv" "$ND_OUT" "TSV with --threads 1"

# ---- JSON ------------------------------------------------------------------------------

nd scan -f json data/
expect_status 0
expect_stderr_empty
expect_json "
assert (s['documents'], s['groups'], s['doubled_block_articles'], s['doubled_bodies'],
        s['short_repeat_articles'], s['shared_paragraphs'], s['boilerplate_paragraphs']) == \
       (4, 0, 2, 1, 2, 3, 0), s
o = d['options']
assert (o['paragraphs'], o['short_words'], o['paragraph_threshold'], o['boilerplate_docs']) == \
       ('line', 4, 0.8, 5), o
r = d['repeats']
assert [x['id'] for x in r] == ['$S1', '$S2'], r
a, b = r
assert (a['source'], a['line'], a['words'], a['repeated_words'], a['repeated_share'],
        a['doubled']) == ('$S1', 1, 794, 376, 0.4736, True), a
assert len(a['blocks']) == 1, a['blocks']
k = a['blocks'][0]
assert (k['lines'], k['repeated_as'], k['paragraphs'], k['identical'], k['words']) == \
       ([7, 16], [17, 26], 10, True, 376), k
assert k['text'].startswith('Desakan itu muncul ketika kedua negara'), k
assert a['short_lines'] == [{'line': 3, 'count': 3, 'text': 'A'}], a['short_lines']
assert (b['doubled'], b['words'], b['repeated_words']) == (False, 695, 151), b
assert [(x['lines'], x['repeated_as'], x['paragraphs'], x['identical']) for x in b['blocks']] == \
       [([n, n], [n + 2, n + 2], 1, True) for n in range(43, 114, 5)], b['blocks']
assert sum(x['words'] for x in b['blocks']) == b['repeated_words'], b['blocks']
assert b['blocks'][1]['text'] == 'Erdogan Sindir Presiden Perancis untuk Periksa Mental', \
    b['blocks'][1]
assert b['short_lines'] == [{'line': 47, 'count': 15, 'text': 'Global'}], b['short_lines']
sh = d['shared']
assert len(sh) == 3, sh
assert [(x['kind'], x['documents'], x['identical']) for x in sh] == [('passage', 2, False)] * 3, sh
assert [[(p['id'], p['line']) for p in x['places']] for x in sh] == [
    [('$S0', 7), ('$S1', 11), ('$S1', 21)], [('$S0', 8), ('$S1', 11), ('$S1', 21)],
    [('$S0', 18), ('$S1', 15), ('$S1', 25)]], sh
assert sh[0]['text'].startswith('Salah satu tantangan strategis terbesar'), sh[0]
assert sh[1]['text'].startswith('Tanggung jawab khusus untuk pencegahannya'), sh[1]
assert sh[2]['text'].startswith('Seperti yang telah kami katakan berulang kali'), sh[2]"
save json
nd scan -f json --threads 1 data/
expect_file_same "$TMP/json" "$ND_OUT" "JSON with --threads 1"
nd scan -f json --threads 3 data/
expect_file_same "$TMP/json" "$ND_OUT" "JSON with --threads 3"

# ---- --parts ---------------------------------------------------------------------------

# groups only: no paragraph record, section or count.
nd scan --parts groups -f tsv data/
expect_status 0
expect_stderr_empty
expect_stdout_empty
nd scan --parts groups data/
expect_status 0
expect_stdout_lacks "doubled blocks:"
expect_stdout_lacks "repeated short lines:"
expect_stdout_lacks "shared paragraphs:"
expect_stdout_line "4 documents read, 0 skipped; 0 groups of near-duplicates (0 documents could go)"
nd scan --parts groups -f json data/
expect_status 0
# Parts not asked for are null (not computed), not 0 or [] (computed, nothing found).
expect_json "
assert d['repeats'] is None and d['shared'] is None, (d['repeats'], d['shared'])
assert (s['doubled_block_articles'], s['doubled_bodies'], s['short_repeat_articles'],
        s['shared_paragraphs'], s['boilerplate_paragraphs']) == (None,) * 5, s
assert (s['groups'], s['pairs']) == (0, 0) and d['groups'] == [] and d['pairs'] == [], s"

# Each part alone gives exactly its records of the full report.
nd scan -f tsv data/
for part in block short shared; do
    tsv_records "$part" >"$TMP/want.$part"
done
for part in block short shared; do
    case $part in block) parts=blocks ;; *) parts=$part ;; esac
    nd scan --parts "$parts" -f tsv data/
    expect_status 0
    expect_stderr_empty
    expect_stdout_file "$TMP/want.$part"
done
nd scan --parts blocks data/
expect_summary "4 documents read, 0 skipped; 2 with doubled blocks (1 doubled body)"
expect_stdout_lacks "repeated short lines:"
nd scan --parts short,shared data/
expect_stdout_line "4 documents read, 0 skipped; 2 with repeated short lines; 3 shared paragraphs (0 boilerplate)"
expect_stdout_lacks "doubled blocks:"
nd scan --parts blocks,bogus data/
expect_status 2

# ---- --fail-on-duplicates ----------------------------------------------------------------
# 1 when a group or a doubled block is found (with those parts asked for); short lines
# and shared paragraphs do not count.

nd scan --fail-on-duplicates data/
expect_status 1
expect_file_same "$TMP/text" "$ND_OUT" "stdout with --fail-on-duplicates"
expect_stderr_empty
nd scan --fail-on-duplicates --parts groups,shared data/
expect_status 0
expect_stdout_line "shared paragraphs:"  # found and printed, but not "duplicates"
nd scan --fail-on-duplicates --parts groups,short,shared data/
expect_status 0
expect_stdout_line "  $S2: \"Global\" x15 (line 47)"  # no blocks asked for: nothing folds it
nd scan --fail-on-duplicates --parts blocks data/
expect_status 1
# Doubled blocks that are not a doubled body count too (002: 21.7% repeated).
nd scan --fail-on-duplicates "$S2"
expect_status 1
expect_summary "1 document read, 0 skipped; 0 groups of near-duplicates (0 documents could go); 1 with doubled blocks (0 doubled bodies)"
nd scan --fail-on-duplicates -f tsv "$S0" "$S4"
expect_status 0
expect_stdout_empty

# ---- --short-words ---------------------------------------------------------------------

# Nothing is short below 1 word: "Global" is a paragraph like any other.
nd scan --short-words 1 --parts short -f tsv data/
expect_status 0
expect_stdout_empty
nd scan --short-words 1 --parts blocks -f tsv "$S2"
expect_status 0
ND_CHECKS=$((ND_CHECKS + 1))
grep -q "^block	$S2	47-47	52-52	1	identical	1	" "$ND_OUT" ||
    fail "with --short-words 1, 'Global' (line 47) is not a repeated paragraph:"

# ---- --paragraphs block ----------------------------------------------------------------
# A hard-wrapped file: 004's third line (76 words) wrapped at 8 words a line (10 lines),
# a blank line, its ninth line (47 words, 6 lines), a blank line, the first paragraph again.

wrap8() {
    awk '{ for (i = 1; i <= NF; i++) printf "%s%s", $i, (i % 8 == 0 || i == NF) ? "\n" : " " }'
}
[ "$(awk 'NR == 3 { print NF }' "$S4")" = 76 ] || die "line 3 of $S4 is not 76 words"
{
    sed -n 3p "$S4" | wrap8
    echo
    sed -n 9p "$S4" | wrap8
    echo
    sed -n 3p "$S4" | wrap8
} >"$TMP/wrapped.txt"
[ "$(awk 'END { print NR }' "$TMP/wrapped.txt")" = 28 ] || die "the wrapped file is not 28 lines"
cd "$TMP" || die "cannot cd to $TMP"

nd scan --paragraphs block --parts blocks,short wrapped.txt
expect_status 0
expect_stderr_empty
expect_stdout_line "    lines 1-10 repeat as lines 19-28 (1 paragraph, identical)"
expect_stdout_line "  wrapped.txt: 37.5% of its words are repeats"  # 78 of 208: not a doubled body
expect_stdout_line "      MANAJEMEN-TI.COM – Suhu keamanan Venezuela kembali menghangat. Setelah sebelumnya Pemilu sah yang..."
expect_count '^    line' 1
expect_stdout_contains "paragraphs by blank-line block, short below 4 words"
nd scan --paragraphs block -f json wrapped.txt
expect_status 0
expect_json "
assert d['options']['paragraphs'] == 'block', d['options']
r = d['repeats']
assert len(r) == 1 and len(r[0]['blocks']) == 1, r
k = r[0]['blocks'][0]
assert (k['lines'], k['repeated_as'], k['paragraphs'], k['identical']) == \
       ([1, 10], [19, 28], 1, True), k
assert (r[0]['words'], r[0]['repeated_words'], k['words'], r[0]['doubled']) == \
       (208, 78, 78, False), r"
# CRLF line ends and blank lines of spaces: the same blocks.
sed -e 's/$/\r/' -e 's/^\r$/  \r/' wrapped.txt >crlf.txt
nd scan --paragraphs block --parts blocks -f tsv crlf.txt
expect_status 0
ND_CHECKS=$((ND_CHECKS + 1))
[ "$(cut -f 3-6 "$ND_OUT")" = "1-10	19-28	1	identical" ] || {
    fail "CRLF blocks differ:"
    show "$ND_OUT"
}
# By line, the same file repeats as ten one-line paragraphs.
nd scan --parts blocks wrapped.txt
expect_status 0
expect_stdout_line "    lines 1-10 repeat as lines 19-28 (10 paragraphs, identical)"
expect_count '^    line' 1

finish
