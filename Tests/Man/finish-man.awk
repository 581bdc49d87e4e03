# The transformations of finish-man.sh (read it first). Input: the generated mdoc, in
# which the discussions are raw text lines exactly as --help prints them.

BEGIN {
    sq = sprintf("%c", 39)
    # The end of a sentence followed by the next one on the same line.
    eos = "[^ ][.!?][)\"" sq "]* +[A-Z]"
    lit = 0; pending = 0; capture = 0; ncodes = 0; exit_done = 0; after_text = 0; sec = ""
}

# Prints a line; a paragraph break only where it separates text (mdoc skips, and
# mandoc warns about, one before a list item, a list, a display or a section).
function out(line) {
    if (line == ".Pp") { pending = 1; return }
    if (pending && line !~ /^\.(It|El|Bl|Bd|Sh|Ss)( |$)/) print ".Pp"
    pending = 0
    print line
}

# A text line that begins with "." or "'" would be read as a request.
function safe(line) {
    c = substr(line, 1, 1)
    return (c == "." || c == sq) ? "\\&" line : line
}

function end_literal() {
    if (lit) { out(".Ed"); lit = 0 }
}

# Filled text: one sentence per line; "e.g. X" keeps its single space.
function text(line,    done, k, piece) {
    done = ""
    while (match(line, eos)) {
        k = RSTART + RLENGTH - 1
        piece = substr(line, 1, k - 1)
        sub(/ +$/, "", piece)
        line = substr(line, k)
        if (piece ~ /(^|[ (])(e\.g|i\.e|etc|vs)\.$/) { done = done piece "\\& "; continue }
        out(safe(done piece))
        done = ""
    }
    out(safe(done line))
}

function sections_file(    line) {
    while ((getline line < sections) > 0) out(line)
    close(sections)
}

function exit_status(    i, entry, code, meaning, width) {
    out(".Sh \"EXIT STATUS\"")
    width = ""
    for (i = 1; i <= ncodes; i++) {
        entry = codes[i]; sub(/^[ \t]+/, "", entry)
        code = entry; sub(/  .*/, "", code)
        if (length(code) > length(width)) width = code
    }
    out(".Bl -tag -width \"" width "\"")
    for (i = 1; i <= ncodes; i++) {
        entry = codes[i]; sub(/^[ \t]+/, "", entry)
        code = entry; sub(/  .*/, "", code)
        meaning = substr(entry, length(code) + 1); sub(/^ +/, "", meaning)
        out(".It " (code ~ / / ? "\"" code "\"" : code))
        text(meaning)
    }
    out(".El")
}

/^\./ {
    end_literal(); capture = 0; after_text = 0
    if ($0 == ".Ex -std" && exit_done) next
    if ($0 ~ /^\.Sh /) { sec = substr($0, 5); gsub(/"/, "", sec) }
    if (sec == "EXIT STATUS") {
        if (!ncodes) { print "finish-man: no 'Exit codes:' list in DESCRIPTION" > "/dev/stderr"; failed = 1; exit 1 }
        sections_file(); exit_status(); exit_done = 1; sec = "EXIT STATUS (done)"
        next
    }
    out($0)
    next
}

/^[ \t]*$/ {
    end_literal(); capture = 0; after_text = 0
    out(".Pp")
    next
}

/^[ \t]/ {
    if (capture) {
        # A line that does not start with a code continues the meaning above it.
        if ($0 !~ /^[ \t]*[0-9]/ && ncodes) { line = $0; sub(/^[ \t]+/, "", line); codes[ncodes] = codes[ncodes] " " line; next }
        codes[++ncodes] = $0; next
    }
    if (!lit) {
        # Right below its introducing line ("Examples:"), as --help shows it.
        out(after_text ? ".Bd -literal -offset 2n -compact" : ".Bd -literal -offset 2n")
        lit = 1
    }
    line = $0
    sub(/^(  |\t| )/, "", line)
    out(safe(line))
    next
}

{
    end_literal()
    if (sec == "DESCRIPTION" && $0 == "Exit codes:" && !ncodes) { capture = 1; next }
    capture = 0
    text($0)
    after_text = 1
}

END {
    if (!exit_done && !failed) { print "finish-man: no EXIT STATUS section to fill" > "/dev/stderr"; exit 1 }
}
