package resources

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/wuplay/wuplay/resources/host"
)

// maxRegFile bounds the .reg file that ImportReg reads: a backup made by
// a registry_key step is a few kilobytes.
const maxRegFile = 64 << 20

// ImportReg writes the keys and values of a .reg file (as ExportReg and
// regedit write it: UTF-16 with a byte-order mark, or plain text) into
// the registry, as reg import does. Every key of the file must be key or
// lie under it: a backup names only the key it was taken of, and a file
// that reaches elsewhere is refused before anything is written. Deletions
// ([-KEY], "name"=-) are refused too: a backup holds none.
func ImportReg(h host.Host, key string, data []byte) error {
	type value struct {
		key, name string
		v         host.RegValue
	}
	if len(data) > maxRegFile {
		return fmt.Errorf("%d bytes is too large for a .reg file", len(data))
	}
	id, err := host.RegKeyID(key)
	if err != nil {
		return err
	}
	lines := regLines(data)
	if len(lines) == 0 || lines[0] != "Windows Registry Editor Version 5.00" {
		return fmt.Errorf("line 1: not a .reg file (no \"Windows Registry Editor Version 5.00\")")
	}
	var keys []string
	var values []value
	for n := 1; n < len(lines); n++ {
		line, at := lines[n], n+1
		// A long value goes on over lines that end in a backslash.
		for strings.HasSuffix(line, `\`) && !strings.HasPrefix(line, "[") && n+1 < len(lines) {
			n++
			line = line[:len(line)-1] + strings.TrimSpace(lines[n])
		}
		switch {
		case line == "" || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[-"):
			return fmt.Errorf("line %d: a key deletion, which a backup never holds", at)
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			k := line[1 : len(line)-1]
			kid, err := host.RegKeyID(k)
			if err != nil {
				return fmt.Errorf("line %d: %w", at, err)
			}
			if kid != id && !strings.HasPrefix(kid, id+`\`) {
				return fmt.Errorf("line %d: key %s is not %s or under it", at, k, key)
			}
			keys = append(keys, k)
		case len(keys) == 0:
			return fmt.Errorf("line %d: a value before any [key]", at)
		default:
			name, v, err := regValueLine(line)
			if err != nil {
				return fmt.Errorf("line %d: %w", at, err)
			}
			values = append(values, value{keys[len(keys)-1], name, v})
		}
	}
	for _, k := range keys {
		if err := h.CreateRegistryKey(k); err != nil {
			return err
		}
	}
	for _, v := range values {
		if err := h.SetRegistryValue(v.key, v.name, v.v); err != nil {
			return err
		}
	}
	return nil
}

// regLines decodes a .reg file into lines without their ends.
func regLines(data []byte) []string {
	text := string(data)
	if len(data) >= 2 && data[0] == 0xff && data[1] == 0xfe {
		u := make([]uint16, (len(data)-2)/2)
		for i := range u {
			u[i] = binary.LittleEndian.Uint16(data[2+2*i:])
		}
		text = string(utf16.Decode(u))
	}
	text = strings.TrimPrefix(text, "\ufeff")
	return strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
}

// regValueLine parses "name"=data or @=data into a value in the words
// playbooks use (RegValue's canonical text).
func regValueLine(line string) (string, host.RegValue, error) {
	var name, rest string
	switch {
	case strings.HasPrefix(line, "@="):
		rest = line[2:]
	case strings.HasPrefix(line, `"`):
		s, n, err := regQuoted(line)
		if err != nil {
			return "", host.RegValue{}, err
		}
		if !strings.HasPrefix(line[n:], "=") {
			return "", host.RegValue{}, fmt.Errorf("no = after the value's name")
		}
		name, rest = s, line[n+1:]
	default:
		return "", host.RegValue{}, fmt.Errorf("neither a [key] nor a \"name\"=value line")
	}
	v := host.RegValue{Exists: true}
	var err error
	switch {
	case rest == "-":
		return "", v, fmt.Errorf("a value deletion, which a backup never holds")
	case strings.HasPrefix(rest, `"`):
		var n int
		v.Type = "string"
		v.Data, n, err = regQuoted(rest)
		if err == nil && n != len(rest) {
			err = fmt.Errorf("text after the string")
		}
	case strings.HasPrefix(rest, "dword:"):
		var n uint64
		v.Type = "dword"
		n, err = strconv.ParseUint(rest[6:], 16, 32)
		v.Data = strconv.FormatUint(n, 10)
	default:
		typ, list, ok := strings.Cut(rest, ":")
		var b []byte
		if ok {
			b, err = hex.DecodeString(strings.ReplaceAll(strings.ReplaceAll(list, ",", ""), " ", ""))
		}
		switch {
		case !ok:
			err = fmt.Errorf("unknown data %q", rest)
		case err != nil:
		case typ == "hex":
			v.Type, v.Data = "binary", hex.EncodeToString(b)
		case typ == "hex(b)" && len(b) == 8:
			v.Type, v.Data = "qword", strconv.FormatUint(binary.LittleEndian.Uint64(b), 10)
		case typ == "hex(2)":
			v.Type = "expand_string"
			v.Data = strings.TrimSuffix(utf16le(b), "\x00")
		case typ == "hex(7)":
			v.Type = "multi_string"
			v.Data = strings.ReplaceAll(strings.TrimSuffix(strings.TrimSuffix(utf16le(b), "\x00"), "\x00"), "\x00", "\n")
		default:
			err = fmt.Errorf("data of type %s, which wuplay does not write", typ)
		}
	}
	return name, v, err
}

// regQuoted reads the quoted string s starts with, with \\ and \"
// escapes, and returns it and how many bytes it took.
func regQuoted(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return b.String(), i + 1, nil
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, fmt.Errorf("a string without its closing quote")
}

func utf16le(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}
