package engine

// quickNesting bounds from above, in one pass over the bytes, the depth
// that checkNesting finds in an HCL file's tokens, so that the common
// playbook is lexed once (by the parser) rather than twice: lexing is most
// of what loading a large playbook costs. It mirrors checkNesting's count
// and counts every operator byte, so a multi-byte operator counts more
// than once, never less. ok is false where a byte scan cannot follow the
// lexer (a byte that is not ASCII, a heredoc, a template directive, a
// block comment, a number with an exponent or of many digits, a newline
// in a quoted string, anything unbalanced): the tokens must be checked
// then.
func quickNesting(src []byte) (ok bool) {
	type level struct {
		open byte // 0 at the top; ( [ { for brackets, " for a quoted template, $ for ${
		ops  int
	}
	levels := []level{{}}
	depth := 1
	push := func(open byte) {
		levels = append(levels, level{open: open})
		depth++
	}
	// pop closes the innermost level; what closed is an operand of the
	// level around it, but for an interpolation, whose template's parts do
	// not nest.
	pop := func() {
		top := levels[len(levels)-1]
		depth -= 1 + top.ops
		levels = levels[:len(levels)-1]
		if top.open != '$' {
			levels[len(levels)-1].ops++
			depth++
		}
	}
	isDigit := func(c byte) bool { return '0' <= c && c <= '9' }
	isLetter := func(c byte) bool { return c == '_' || 'a' <= c|0x20 && c|0x20 <= 'z' }
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c >= 0x80 {
			// The lexer reads grapheme clusters: a combining mark joins
			// the quote or the # before it, which a byte scan cannot
			// follow.
			return false
		}
		top := &levels[len(levels)-1]
		if top.open == '"' {
			switch {
			case c == '\\':
				i++ // an escape: \" or \\ is no quote
			case c == '\n':
				return false
			case c == '"':
				pop()
			case (c == '$' || c == '%') && i+1 < len(src) && src[i+1] == c:
				i++ // $$ and %% are a literal $ and %
			case c == '$' && i+1 < len(src) && src[i+1] == '{':
				i++
				push('$')
			case c == '%' && i+1 < len(src) && src[i+1] == '{':
				return false
			}
		} else {
			switch {
			case c == '#' || c == '/' && i+1 < len(src) && src[i+1] == '/':
				for i+1 < len(src) && src[i+1] != '\n' {
					i++
				}
			case c == '/' && i+1 < len(src) && src[i+1] == '*', c == '<' && i+1 < len(src) && src[i+1] == '<':
				return false
			case c == '\n':
				if top.open == 0 || top.open == '{' {
					depth -= top.ops
					top.ops = 0
				}
			case c == ',':
				depth -= top.ops
				top.ops = 0
			case c == '(' || c == '[' || c == '{':
				push(c)
			case c == '"':
				push('"')
			case c == ')' || c == ']' || c == '}':
				want := byte('(')
				switch {
				case c == ']':
					want = '['
				case c == '}' && top.open == '$':
					want = '$'
				case c == '}':
					want = '{'
				}
				if top.open != want {
					return false
				}
				pop()
			case isDigit(c):
				// A number's point is followed by a digit; 0.b is 0, a dot
				// and b.
				j := i
				for j < len(src) && (isDigit(src[j]) || src[j] == '.' && j+1 < len(src) && isDigit(src[j+1])) {
					j++
				}
				if j-i > 15 || j < len(src) && src[j]|0x20 == 'e' {
					return false
				}
				i = j - 1
			case isLetter(c):
				// An identifier may hold dashes and digits: foo-bar is one.
				for i+1 < len(src) && (isLetter(src[i+1]) || isDigit(src[i+1]) || src[i+1] == '-') {
					i++
				}
			case c == '-' || c == '!' || c == '?' || c == '+' || c == '*' || c == '/' || c == '%' ||
				c == '&' || c == '|' || c == '=' || c == '<' || c == '>' || c == '.':
				top.ops++
				depth++
			}
		}
		if depth > maxNesting {
			return false
		}
	}
	return len(levels) == 1
}
