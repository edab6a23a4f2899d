package content

import (
	"fmt"
	"strings"
)

// Problem is one validation finding, reported as "file:line: message".
// A warning (Warn) is reported but does not stop the content from loading.
type Problem struct {
	File string
	Line int
	Msg  string
	Warn bool
}

func (p Problem) String() string {
	msg := p.Msg
	if p.Warn {
		msg = "warning: " + msg
	}
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, msg)
	}
	return fmt.Sprintf("%s: %s", p.File, msg)
}

// problems collects findings; errs counts those that are not warnings.
type problems struct {
	list []Problem
	errs int
}

func (ps *problems) add(file string, line int, format string, args ...any) {
	ps.list = append(ps.list, Problem{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
	ps.errs++
}

func (ps *problems) warn(file string, line int, format string, args ...any) {
	ps.list = append(ps.list, Problem{File: file, Line: line, Msg: fmt.Sprintf(format, args...), Warn: true})
}

// field is one front-matter value with the line it came from.
type field struct {
	val  string
	line int
}

// section is one "# heading" block of an article body.
type section struct {
	name  string
	line  int
	lines []bodyLine
}

type bodyLine struct {
	text string
	line int
}

// doc is a parsed file: front matter plus the body lines after it.
type doc struct {
	file   string
	front  map[string]field
	body   []bodyLine
	bodyAt int // line number of the first body line
}

// parseDoc splits a file into front matter and body. Front matter is
// "key: value" lines between two "---" lines at the top of the file.
func parseDoc(file, text string, ps *problems) (doc, bool) {
	d := doc{file: file, front: map[string]field{}}
	text = strings.TrimPrefix(text, "\ufeff")
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "---" {
		ps.add(file, 1, "missing front matter: the file must start with a line \"---\"")
		return d, false
	}
	end := -1
	for i := 1; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) == "---" {
			end = i
			break
		}
	}
	if end < 0 {
		ps.add(file, 1, "front matter is not closed: no second \"---\" line")
		return d, false
	}
	ok := true
	for i := 1; i < end; i++ {
		ln := strings.TrimSpace(lines[i])
		if ln == "" || strings.HasPrefix(ln, "#") {
			continue
		}
		k, v, found := strings.Cut(ln, ":")
		k = strings.TrimSpace(k)
		if !found || k == "" || strings.ContainsAny(k, " \t") {
			ps.add(file, i+1, "broken front matter line %q: want \"key: value\"", ln)
			ok = false
			continue
		}
		if prev, dup := d.front[k]; dup {
			ps.add(file, i+1, "front matter key %q repeated (first on line %d)", k, prev.line)
			ok = false
			continue
		}
		d.front[k] = field{val: unquote(strings.TrimSpace(v)), line: i + 1}
	}
	for i := end + 1; i < len(lines); i++ {
		d.body = append(d.body, bodyLine{text: lines[i], line: i + 1})
	}
	d.bodyAt = end + 2
	return d, ok
}

func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
		return v[1 : len(v)-1]
	}
	return v
}

// sections splits an article body on "# " headings. Text before the first
// heading is reported: it would silently be dropped otherwise.
func (d doc) sections(ps *problems) []section {
	var out []section
	for _, bl := range d.body {
		if name, ok := strings.CutPrefix(bl.text, "# "); ok {
			out = append(out, section{name: strings.ToLower(strings.TrimSpace(name)), line: bl.line})
			continue
		}
		if len(out) == 0 {
			if strings.TrimSpace(bl.text) != "" {
				ps.add(d.file, bl.line, "text before the first \"# section\" heading")
			}
			continue
		}
		out[len(out)-1].lines = append(out[len(out)-1].lines, bl)
	}
	return out
}

// text joins a section's lines, trimmed of leading and trailing blank lines.
func (s section) text() string {
	parts := make([]string, 0, len(s.lines))
	for _, l := range s.lines {
		parts = append(parts, strings.TrimRight(l.text, " \t"))
	}
	return strings.TrimSpace(strings.Join(parts, "\n"))
}

// list splits a comma-separated value into trimmed, non-empty items.
func list(v string) []string {
	var out []string
	for _, x := range strings.Split(v, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// placeholders returns the {names} used in text.
func placeholders(text string) []string {
	var out []string
	for {
		i := strings.IndexByte(text, '{')
		if i < 0 {
			return out
		}
		text = text[i+1:]
		j := strings.IndexByte(text, '}')
		if j < 0 {
			return out
		}
		name := text[:j]
		if name != "" && strings.Trim(name, "abcdefghijklmnopqrstuvwxyz_") == "" {
			out = append(out, name)
		}
		text = text[j+1:]
	}
}
