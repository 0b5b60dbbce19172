package views

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"

	"github.com/wuplay/wuplay/engine"
	"github.com/wuplay/wuplay/engine/fleet"
	"github.com/wuplay/wuplay/resources"
)

func TestEscapeText(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"erase the line":            {"ok\x1b[2K", `ok\x1b[2K`},
		"overwrite the line above":  {"\x1b[1A\x1b[2K  # service.x: no change", `\x1b[1A\x1b[2K  # service.x: no change`},
		"carriage return":           {"delete C:\\x\rkeep everything", `delete C:\x\rkeep everything`},
		"fake step on a new line":   {"ok\n  # directory.x will delete", `ok\n  # directory.x will delete`},
		"backspace, bell, nul, tab": {"a\b\a\x00\t", `a\b\a\x00\t`},
		"DEL and C1 controls":       {"\x7f\u0085\u009b2K", `\x7f\u0085\u009b2K`},
		"bidi override":             {"\u202eeteled", `\u202eeteled`},
		"bidi isolates":             {"\u2066x\u2069\u202a\u202c", `\u2066x\u2069\u202a\u202c`},
		"zero-width characters":     {"de\u200blete\u200d\ufeff\u00ad", `de\u200blete\u200d\ufeff\u00ad`},
		"line and paragraph sep":    {"a\u2028b\u2029", `a\u2028b\u2029`},
		"tag characters":            {"x\U000e0041\U000e007f", `x\U000e0041\U000e007f`},
		"renders as nothing":        {"\u3164\ufe0f\u00a0", `\u3164\ufe0f\u00a0`},
		"invalid UTF-8":             {"a\xffb\xc3", `a\xffb\xc3`},
		"Windows path as written":   {`C:\Windows\SoftwareDistribution`, `C:\Windows\SoftwareDistribution`},
		"printable Unicode kept":    {"Mise à jour → réussie ✓ 更新 \ufffd", "Mise à jour → réussie ✓ 更新 \ufffd"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got := EscapeText(tt.in)
			if got != tt.want {
				t.Errorf("EscapeText(%q) = %q, want %q", tt.in, got, tt.want)
			}
			for _, r := range got {
				if !strconv.IsPrint(r) || r == '\t' {
					t.Errorf("EscapeText(%q) keeps %U", tt.in, r)
				}
			}
			if again := EscapeText(got); again != got {
				t.Errorf("escaping twice gives %q, not %q", again, got)
			}
		})
	}
}

func TestMarkdownEscape(t *testing.T) {
	text := map[string]struct{ in, want string }{
		"fake heading":          {"\n## Approved", `\n\#\# Approved`},
		"link":                  {"[CHG-1234 approved](http://x)", `\[CHG-1234 approved\](http://x)`},
		"image and HTML":        {"<img src=x onerror=alert(1)>", `\<img src=x onerror=alert(1)\>`},
		"entity of a bidi char": {"&#x202e;", `\&\#x202e;`},
		"table pipe":            {"a|b", `a\|b`},
		"code span":             {"`rm -rf`", "\\`rm -rf\\`"},
		"emphasis, strike":      {"**ok** _ok_ ~~delete~~", `\*\*ok\*\* \_ok\_ \~\~delete\~\~`},
		"math":                  {"$\\color{white}x$", `\$\color{white}x\$`},
		"control characters":    {"a\x1b[2K\u202e", `a\x1b\[2K\u202e`},
		"Windows path":          {`C:\Windows\SoftwareDistribution`, `C:\Windows\SoftwareDistribution`},
		"backslash before [":    {`C:\[x]`, `C:\\\[x\]`},
		"backslash at the end":  {`C:\`, `C:\\`},
	}
	for name, tt := range text {
		t.Run("text/"+name, func(t *testing.T) {
			if got := mdText(tt.in); got != tt.want {
				t.Errorf("mdText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	code := map[string]struct{ in, want string }{
		"plain":                 {"wuauserv", "`wuauserv`"},
		"backtick inside":       {"a`b", "``a`b``"},
		"fence inside":          {"```\n## Approved", "```` ```\\n## Approved ````"},
		"backtick at the start": {"`x", "`` `x ``"},
		"space at the ends":     {" x ", "`  x  `"},
		"empty":                 {"", "`  `"},
		"control characters":    {"\x1b[1A\u202e", "`\\x1b[1A\\u202e`"},
	}
	for name, tt := range code {
		t.Run("code/"+name, func(t *testing.T) {
			if got := string(mdCode(tt.in)); got != tt.want {
				t.Errorf("mdCode(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	t.Run("row", func(t *testing.T) {
		var b strings.Builder
		pw := &printer{w: &b, escape: mdText}
		pw.mdRow(1, mdCode("a|b"), "c|d", markup("e"))
		if want := "| 1 | `a\\|b` | c\\\\|d | e |\n"; b.String() != want {
			t.Errorf("mdRow = %q, want %q", b.String(), want)
		}
	})
}

func TestDOTEscape(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"plain":                {"service.stop", `"service.stop"`},
		"quote":                {`a"; evil [label="x`, `"a\"; evil [label=\"x"`},
		"backslash":            {`C:\Windows\`, `"C:\\Windows\\"`},
		"newline":              {"a\nb", `"a\\nb"`},
		"label escapes":        {`\N\G\l`, `"\\N\\G\\l"`},
		"HTML-like label":      {"<<b>x</b>>", `"<<b>x</b>>"`},
		"control and bidi":     {"\x1b[2K\u202e", `"\\x1b[2K\\u202e"`},
		"invalid UTF-8 byte":   {"a\xff", `"a\\xff"`},
		"printable non-ASCII":  {"mise à jour", `"mise à jour"`},
		"quote after a escape": {`a\"b`, `"a\\\"b"`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := dotQuote(tt.in); got != tt.want {
				t.Errorf("dotQuote(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

// hostile are values that try to hide a step from a reviewer, or to fake
// one: by moving the cursor and erasing lines, by starting new lines,
// headings, links, HTML, table cells and code spans, by reversing text.
var hostile = []string{
	"wuauserv\x1b[1A\x1b[2K",
	"C:\\Windows\\x\r  # directory.sd: no change (already absent)",
	"ok\n  - directory \"C:\\Windows\"\n\n## Approved by the CAB\n",
	"[CHG-1234 approved](http://x) <img src=x onerror=alert(1)>",
	"a|b` ``` ~~delete~~ **fine** &#x202e; $x$",
	"\u202eeteled\u2066 \u200b\xff\u0085\u2028\t\\",
}

// hostileDoc is a saved plan whose every string is v(i), i counting the
// strings: a reviewer's plan of every kind of step.
func hostileDoc(v func() string) *engine.PlanDocument {
	d := &engine.PlanDocument{FormatVersion: engine.FormatVersion, Host: v()}
	d.Playbook.Name, d.Playbook.Title, d.Playbook.Source, d.Playbook.Filename = v(), v(), v(), v()
	d.Playbook.SHA256 = strings.Repeat("ab", 32)
	d.Variables = map[string]json.RawMessage{v(): json.RawMessage(strconv.Quote(v()))}
	d.Facts = map[string]json.RawMessage{v(): json.RawMessage(strconv.Quote(v()))}
	d.Steps = []engine.DocStep{
		{Address: v(), Action: "stop", Description: v(), MaxWaitSeconds: 60,
			Changes: []engine.DocChange{{Kind: v(), Name: v(), Before: resources.State{"state": v()}, After: resources.State{"state": v()}}}},
		{Address: v(), Action: "delete", Description: v(),
			Changes: []engine.DocChange{{Kind: v(), Name: v(), Before: resources.State{"exists": "true"}, After: resources.State{"exists": "false"}}}},
		{Address: v(), Action: "rename", Target: v(), Forced: true,
			Changes: []engine.DocChange{{Kind: v(), Name: v()}, {Kind: v(), Name: v(), Before: resources.State{"exists": "true"}}}},
		{Address: v(), Action: "no-op", Reason: v()},
		{Address: v(), Action: "run", Reason: v()},
		{Address: v(), Action: "create",
			Changes: []engine.DocChange{{Kind: v(), Name: v(), Before: resources.State{"exists": "false"}, After: resources.State{"exists": "true", v(): v()}}}},
		{Address: v(), Action: "update",
			Changes: []engine.DocChange{{Kind: v(), Name: v(), Before: resources.State{"matches": v() + "\n" + v()}, After: resources.State{"matches": v()}}}},
	}
	d.Summary = engine.DocSummary{Changes: 6, Unchanged: 1}
	d.Backout = &engine.Backout{Steps: []engine.BackoutStep{
		{Action: engine.BackoutStop, Kind: resources.KindService, Name: v(), StopDependents: true},
		{Action: engine.BackoutRenameBack, Undoes: []string{v()}, Kind: resources.KindPath, Name: v(), To: v()},
		{Action: engine.BackoutImport, Undoes: []string{v()}, Kind: resources.KindRegistryExport, Name: v(), To: v()},
		{Action: engine.BackoutRestore, Undoes: []string{v(), v()}, Kind: resources.KindService, Name: v(), Recorded: resources.State{"state": v(), "start_type": v()}},
		{Action: engine.BackoutRestore, Undoes: []string{v()}, Kind: resources.KindRegistryValue, Name: v(), Recorded: resources.State{"exists": "true", "type": v(), "data": v()}},
		{Action: engine.BackoutRestore, Undoes: []string{v()}, Kind: resources.KindRegistryValue, Name: v(), Recorded: resources.State{"exists": "false"}},
		{Action: engine.BackoutRestore, Undoes: []string{v()}, Kind: resources.KindPath, Name: v(), Recorded: resources.State{"exists": "false"}},
	}, CannotUndo: []string{v(), v()}}
	return d
}

// hostileFleet is a fleet report of hosts with hostile names, plans,
// failures and unreadable results.
func hostileFleet(v func() string) *fleet.Summary {
	return fleet.Summarize([]fleet.Input{
		{Host: v(), Plan: hostileDoc(v)},
		{Host: v(), Failure: v()},
		{Host: v(), Unreadable: v()},
	})
}

// values gives each hostile string in turn, or, benign, a plain one.
func values(benign bool) func() string {
	i := 0
	return func() string {
		i++
		if benign {
			return fmt.Sprintf("v%d", i)
		}
		return hostile[i%len(hostile)] + strconv.Itoa(i)
	}
}

// TestViewsKeepTheirShape renders plans and fleet reports whose every
// string is hostile, and the same with plain strings: escaped, the
// hostile ones must have the same lines, markers, headings, table cells
// and Markdown syntax as the plain ones, and nothing a terminal would not
// show as itself.
func TestViewsKeepTheirShape(t *testing.T) {
	views := map[string]struct {
		render func(v func() string) string
		shape  func(string) []string
	}{
		"text plan": {func(v func() string) string {
			var b strings.Builder
			if err := WritePlan(&b, hostileDoc(v), false); err != nil {
				t.Fatal(err)
			}
			return b.String()
		}, textShape},
		"text plan, colour": {func(v func() string) string {
			var b strings.Builder
			if err := WritePlan(&b, hostileDoc(v), true); err != nil {
				t.Fatal(err)
			}
			return strings.NewReplacer(green, "", red, "", yellow, "", cyan, "", bold, "", reset, "").Replace(b.String())
		}, textShape},
		"markdown plan": {func(v func() string) string {
			var b strings.Builder
			if err := WriteMarkdown(&b, hostileDoc(v)); err != nil {
				t.Fatal(err)
			}
			return b.String()
		}, mdShape},
		"text backout": {func(v func() string) string {
			var b strings.Builder
			if err := WriteBackout(&b, hostileDoc(v).Backout, false); err != nil {
				t.Fatal(err)
			}
			return b.String()
		}, textShape},
		"fleet text": {func(v func() string) string {
			var b strings.Builder
			if err := WriteFleetText(&b, hostileFleet(v), false); err != nil {
				t.Fatal(err)
			}
			return b.String()
		}, textShape},
		"fleet markdown": {func(v func() string) string {
			var b strings.Builder
			if err := WriteFleetMarkdown(&b, hostileFleet(v)); err != nil {
				t.Fatal(err)
			}
			return b.String()
		}, mdShape},
		"graph": {func(v func() string) string {
			pb := &engine.Playbook{Name: v()}
			for range 3 {
				pb.Steps = append(pb.Steps, &engine.Step{Type: v(), Name: v(), DependsOn: []string{v()}})
			}
			var b strings.Builder
			if err := WriteGraph(&b, engine.NewGraph(pb)); err != nil {
				t.Fatal(err)
			}
			return b.String()
		}, dotShape},
	}
	for name, view := range views {
		t.Run(name, func(t *testing.T) {
			got, plain := view.render(values(false)), view.render(values(true))
			for _, r := range strings.ReplaceAll(got, "\n", "") {
				if !strconv.IsPrint(r) || r == '\t' || r == '\u3164' {
					t.Errorf("%U reaches the output", r)
				}
			}
			if diff := cmp.Diff(view.shape(plain), view.shape(got)); diff != "" {
				t.Errorf("hostile strings change the view's shape (-plain +hostile):\n%s\n%s", diff, got)
			}
		})
	}
}

// textShape is each line's indentation and first character: what tells a
// step's header, its markers and its attributes apart.
func textShape(out string) []string {
	var shape []string
	for _, l := range strings.Split(out, "\n") {
		rest := strings.TrimLeft(l, " ")
		switch {
		case rest == "":
		case strings.ContainsAny(rest[:1], "#+-~>!{}()"):
			rest = rest[:1]
		default:
			rest = "x"
		}
		shape = append(shape, l[:len(l)-len(strings.TrimLeft(l, " "))]+rest)
	}
	return shape
}

// mdShape is each line's Markdown syntax, read as GitHub reads it: a
// table row's cells, split at each pipe with no backslash before it, then
// in each line or cell the characters of mdSpecial that are not escaped
// (a backslash before no punctuation is text), each code span as C.
func mdShape(out string) []string {
	var shape []string
	for _, l := range strings.Split(out, "\n") {
		if !strings.HasPrefix(l, "|") {
			shape = append(shape, inlineShape(l))
			continue
		}
		row, cell := "|", ""
		for i := 1; i < len(l); i++ {
			switch {
			case l[i] == '\\' && i+1 < len(l) && l[i+1] == '|':
				cell += "|"
				i++
			case l[i] == '|':
				row += inlineShape(cell) + "|"
				cell = ""
			default:
				cell += l[i : i+1]
			}
		}
		shape = append(shape, row+inlineShape(cell))
	}
	return shape
}

func inlineShape(l string) string {
	var s strings.Builder
	for i := 0; i < len(l); i++ {
		switch c := l[i]; {
		case c == '\\' && i+1 < len(l) && strings.IndexByte(asciiPunct, l[i+1]) >= 0:
			i++
		case c == '`':
			n := len(l[i:]) - len(strings.TrimLeft(l[i:], "`"))
			end := closingFence(l, i+n, n)
			if end < 0 {
				s.WriteString(l[i : i+n]) // no closing fence: backticks as text
				i += n - 1
				continue
			}
			s.WriteString("C")
			i = end + n - 1
		case c != '\\' && strings.IndexByte(mdSpecial, c) >= 0:
			s.WriteByte(c)
		}
	}
	return s.String()
}

// closingFence is where, from i on, a run of exactly n backticks begins;
// -1 if none does.
func closingFence(l string, i, n int) int {
	for i < len(l) {
		if l[i] != '`' {
			i++
			continue
		}
		run := len(l[i:]) - len(strings.TrimLeft(l[i:], "`"))
		if run == n {
			return i
		}
		i += run
	}
	return -1
}

// dotShape is each line of DOT with its quoted strings taken out.
func dotShape(out string) []string {
	var shape []string
	for _, l := range strings.Split(out, "\n") {
		var s strings.Builder
		quoted := false
		for i := 0; i < len(l); i++ {
			switch {
			case quoted && l[i] == '\\':
				i++
			case l[i] == '"':
				quoted = !quoted
				s.WriteByte('"')
			case !quoted:
				s.WriteByte(l[i])
			}
		}
		shape = append(shape, s.String())
	}
	return shape
}

// TestWriteDiagnostics: a playbook's source lines, the names that
// diagnostics quote and file names reach the terminal escaped, with the
// highlight still on the part of the line that the diagnostic names.
func TestWriteDiagnostics(t *testing.T) {
	tests := map[string]struct {
		filename, src string
		color         bool
		want          string
	}{
		"a step name that erases the line above": {
			filename: "kb.hcl",
			src:      "playbook \"p\" {}\nservice \"a\u202e\x1b[1A\" {\n  name = \"x\"\n}\nservice \"a\u202e\x1b[1A\" {\n  name = \"x\"\r\n}\n",
			want: "Error: Duplicate step\n\n  on kb.hcl line 5:\n   5: service \"a\\u202e\\x1b[1A\" {\n\n" +
				"service.a\\u202e\\x1b[1A is declared twice; the first is at kb.hcl:2,1-17.\n\n",
		},
		"a control character in the source, highlighted": {
			filename: "kb\x1b[2K.hcl",
			src:      "playbook \"p\" {}\nservice \"a\" {\n  bo\x1b[2Kgus = 1\n}\n",
			color:    true,
			want: "\x1b[31mError\x1b[0m: Invalid character\n\n  on kb\\x1b[2K.hcl line 3:\n   3:   bo\x1b[1;4m\\x1b\x1b[0m[2Kgus = 1\n\n" +
				"This character is not used within the language.\n\n",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, diags := engine.Load(tt.filename, []byte(tt.src))
			var b strings.Builder
			if err := WriteDiagnostics(&b, map[string]*hcl.File{tt.filename: {Bytes: []byte(tt.src)}}, diags[:1], 78, tt.color); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, b.String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzEscapeText: whatever the input, the text view's escape leaves only
// characters that show as themselves, and is its own fixed point.
func FuzzEscapeText(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := EscapeText(s)
		for _, r := range got {
			if hidden(r) || r == '\ufffd' && !strings.ContainsRune(s, '\ufffd') {
				t.Fatalf("EscapeText(%q) = %q keeps %U", s, got, r)
			}
		}
		if again := EscapeText(got); again != got {
			t.Fatalf("EscapeText(%q) = %q, and again %q", s, got, again)
		}
	})
}
