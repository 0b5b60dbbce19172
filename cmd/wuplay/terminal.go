package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/term"
)

// screen is what wuplay's standard output can show.
type screen struct {
	// live: it is a terminal, so progress may rewrite its line in place.
	live bool
	// escapes: that terminal takes escape codes (not TERM=dumb; on
	// Windows, a console with virtual-terminal processing on).
	escapes bool
	// color: and colour is wanted (NO_COLOR not set).
	color bool
	// width is the terminal's in columns, 0 if unknown.
	width int
}

// detectTerminal says whether stdin and stdout are terminals (only then
// does apply ask), and what stdout can show. A character device that is
// no terminal, such as /dev/null, is none. On a Windows console it turns
// on virtual-terminal processing, and restore puts the console back as it
// was.
func detectTerminal(stdin, stdout *os.File, getenv func(string) string) (ask bool, s screen, restore func()) {
	restore = func() {}
	out := term.IsTerminal(int(stdout.Fd()))
	ask = out && term.IsTerminal(int(stdin.Fd()))
	if !out {
		return ask, s, restore
	}
	s.live = true
	if w, _, err := term.GetSize(int(stdout.Fd())); err == nil {
		s.width = w
	}
	if getenv("TERM") == "dumb" {
		return ask, s, restore
	}
	var ok bool
	if ok, restore = enableEscapes(stdout); ok {
		s.escapes = true
		// https://no-color.org: any value but the empty one.
		s.color = getenv("NO_COLOR") == ""
	}
	return ask, s, restore
}

// statusLine is the one line of a terminal that progress rewrites in place.
type statusLine struct {
	w       io.Writer
	escapes bool
	width   int // the terminal's, 0 if unknown
	shown   int // width of the line now shown; 0 if none
}

// show replaces the line with text, cut to the terminal's width: a line
// that wrapped could not be rewritten.
func (l *statusLine) show(text string) {
	if r := []rune(text); l.width > 1 && len(r) >= l.width {
		text = string(r[:l.width-1])
	}
	n := utf8.RuneCountInString(text)
	if l.escapes {
		fmt.Fprintf(l.w, "\r%s\x1b[K", text)
	} else {
		// No clear-to-end-of-line: blanks overwrite what was longer.
		fmt.Fprintf(l.w, "\r%s%s", text, strings.Repeat(" ", max(0, l.shown-n)))
	}
	l.shown = max(n, 1)
}

// clear removes the line, leaving the cursor where it began.
func (l *statusLine) clear() {
	if l.shown == 0 {
		return
	}
	if l.escapes {
		fmt.Fprint(l.w, "\r\x1b[K")
	} else {
		fmt.Fprintf(l.w, "\r%s\r", strings.Repeat(" ", l.shown))
	}
	l.shown = 0
}

// keep ends the line as it is, so that what follows starts on a new one.
func (l *statusLine) keep() {
	if l.shown != 0 {
		fmt.Fprintln(l.w)
		l.shown = 0
	}
}
