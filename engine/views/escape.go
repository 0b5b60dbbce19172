package views

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// Every string that a playbook, a variable, a saved plan or a host gave
// (names, paths, descriptions, command output, event messages, host names)
// is untrusted: a reviewer must see it as it is, and it must not be able to
// move the cursor, erase a line, reverse text or start a new line, heading
// or link in what the reviewer reads. Each view has one function for it:
// EscapeText for the terminal and plain text, mdText and mdCode for
// Markdown, dotQuote for DOT.

// EscapeText returns s with everything that a terminal would not show as
// itself replaced by a visible escape in Go's style: control characters
// (C0, DEL, C1, so ESC, CR, BS and NEL) as \x1b, \r, \b, \u0085; newlines as
// \n, so that s stays on one line; format characters such as the bidi
// overrides and isolates and zero-width spaces, line and paragraph
// separators, other spaces than U+0020 and characters that render as
// nothing (Hangul fillers, variation selectors) as \u202e; bytes that are
// not UTF-8 as \xff. Backslashes are kept as they are, so that Windows
// paths read as an administrator writes them. The result holds only
// printable characters, so escaping it again changes nothing.
func EscapeText(s string) string {
	i := strings.IndexFunc(s, func(r rune) bool { return r == utf8.RuneError || hidden(r) })
	if i < 0 {
		return s
	}
	b := make([]byte, 0, len(s)+16)
	b = append(b, s[:i]...)
	for s = s[i:]; s != ""; {
		r, n := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && n == 1:
			b = fmt.Appendf(b, `\x%02x`, s[0])
		case hidden(r):
			// QuoteRune writes 'X' with X in Go's escapes: \n, \x1b, \u202e.
			q := strconv.QuoteRuneToASCII(r)
			b = append(b, q[1:len(q)-1]...)
		default:
			b = append(b, s[:n]...)
		}
		s = s[n:]
	}
	return string(b)
}

// hidden reports whether a terminal might show r as something other than
// one visible character of its own.
func hidden(r rune) bool {
	return !strconv.IsPrint(r) || r == '\t' ||
		unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) || unicode.Is(unicode.Variation_Selector, r)
}

// mdSpecial are the characters that can start Markdown (GitHub's dialect)
// inline syntax: escapes, code spans, emphasis, strikethrough, links and
// images, HTML and autolinks, entities, headings, table cells, math.
const mdSpecial = "\\`*_~[]<>!&#|$"

// asciiPunct are the characters that a backslash escapes in Markdown.
const asciiPunct = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

// mdText renders untrusted text as literal Markdown inline text: escaped
// as for a terminal, then each character that could begin Markdown syntax
// escaped with a backslash. A backslash is escaped only where Markdown
// would read it as an escape, before punctuation or at the end (what
// follows is wuplay's), so that Windows paths still read as written. It
// does not protect a line's first character (a list marker, "1."), so it
// goes after some text of wuplay's own.
func mdText(s string) string {
	s = EscapeText(s)
	if !strings.ContainsAny(s, mdSpecial) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '\\':
			if i+1 == len(s) || strings.IndexByte(asciiPunct, s[i+1]) >= 0 {
				b.WriteByte('\\')
			}
		case strings.ContainsRune(mdSpecial, r):
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// mdCode renders untrusted text as a Markdown code span, fenced by more
// backticks than its longest run of them, so that no value can close it.
// Nothing is interpreted inside a code span; a table cell still needs its
// pipes escaped (mdRow does that).
func mdCode(s string) markup {
	s = EscapeText(s)
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	// A span that begins or ends with a backtick needs a space between it
	// and the fence; Markdown removes one space at each end, so one that
	// begins or ends with a space needs one too, to keep its own.
	if s == "" || strings.ContainsAny(s[:1], "` ") || strings.ContainsAny(s[len(s)-1:], "` ") {
		s = " " + s + " "
	}
	return markup(fence + s + fence)
}

// mdRow writes one row of a Markdown table: strings escaped as text, markup
// and numbers as they are. GitHub's tables split cells at every pipe not
// escaped, even in a code span, and take one backslash off each escaped
// pipe before reading the cell: escaping every pipe here keeps each cell as
// it reads alone.
func (pw *printer) mdRow(cells ...any) {
	row := make([]string, len(cells))
	for i, c := range cells {
		switch c := c.(type) {
		case string:
			row[i] = mdText(c)
		default:
			row[i] = fmt.Sprint(c)
		}
		row[i] = strings.ReplaceAll(row[i], "|", `\|`)
	}
	pw.printf("| %s |\n", markup(strings.Join(row, " | ")))
}

// dotQuote renders untrusted text as a DOT quoted string: escaped as for a
// terminal (DOT would take a newline in a label as one), then with
// backslashes doubled, since Graphviz reads \n, \l and \N in a label as
// line breaks and names, and quotes escaped. Within quotes a DOT string
// is never an HTML-like label.
func dotQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(EscapeText(s)) + `"`
}

// WriteDiagnostics prints diagnostics as hcl's text writer does (file,
// line, the source lines underneath), with their summaries, details, file
// names and source lines escaped for a terminal: a playbook's text, and
// the names and values that diagnostics quote, are untrusted too.
func WriteDiagnostics(w io.Writer, files map[string]*hcl.File, diags hcl.Diagnostics, width uint, color bool) error {
	safe := make(map[string]*hcl.File, len(files))
	offsets := map[string]func(int) int{}
	for name, f := range files {
		src, at := escapeSource(f.Bytes)
		safe[EscapeText(name)] = &hcl.File{Bytes: src}
		offsets[EscapeText(name)] = at
	}
	escRange := func(r *hcl.Range) *hcl.Range {
		if r == nil {
			return nil
		}
		e := *r
		e.Filename = EscapeText(r.Filename)
		if at := offsets[e.Filename]; at != nil {
			e.Start.Byte, e.End.Byte = at(r.Start.Byte), at(r.End.Byte)
		}
		return &e
	}
	out := make(hcl.Diagnostics, len(diags))
	for i, d := range diags {
		e := *d
		e.Summary, e.Detail = EscapeText(d.Summary), EscapeText(d.Detail)
		e.Subject, e.Context = escRange(d.Subject), escRange(d.Context)
		out[i] = &e
	}
	return hcl.NewDiagnosticTextWriter(w, safe, width, color).WriteDiagnostics(out)
}

// escapeSource escapes each line of a source file as EscapeText does,
// keeping its line ends (LF or CRLF), and returns where each byte offset
// of src went.
func escapeSource(src []byte) ([]byte, func(int) int) {
	out := make([]byte, 0, len(src))
	at := make([]int, 0, len(src)+1) // at[i] is where src[i] went
	for line := range bytes.Lines(src) {
		body := bytes.TrimSuffix(line, []byte("\n"))
		if len(body) < len(line) {
			body = bytes.TrimSuffix(body, []byte("\r"))
		}
		for i := 0; i < len(body); {
			_, n := utf8.DecodeRune(body[i:])
			for range n {
				at = append(at, len(out))
			}
			out = append(out, EscapeText(string(body[i:i+n]))...)
			i += n
		}
		for _, c := range line[len(body):] {
			at = append(at, len(out))
			out = append(out, c)
		}
	}
	at = append(at, len(out))
	return out, func(i int) int { return at[min(max(i, 0), len(at)-1)] }
}
