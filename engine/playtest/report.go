package playtest

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/wuplay/wuplay/engine"
	"github.com/wuplay/wuplay/engine/views"
)

// Summary counts results.
func Summary(results []Result) (passed, failed int) {
	for _, r := range results {
		if r.Passed() {
			passed++
		} else {
			failed++
		}
	}
	return passed, failed
}

// WriteText writes one test file's results as go test does: a line per
// test with its time, each failure under its test with the file and line
// of the expectation, what was expected and what was found, then what
// the runs printed; a last line for the file. What came from the test
// file or the host is escaped: it cannot pass for wuplay's own lines.
func WriteText(w io.Writer, file string, results []Result, took time.Duration) {
	e := views.EscapeText
	for _, r := range results {
		verdict := "PASS"
		if !r.Passed() {
			verdict = "FAIL"
		}
		fmt.Fprintf(w, "--- %s: %s (%.2fs)\n", verdict, e(r.Name), r.Duration.Seconds())
		for _, f := range r.Failures {
			fmt.Fprintf(w, "    %s: %s\n", e(position(f)), e(f.headline()))
			if f.Want != "" || f.Got != "" {
				fmt.Fprintf(w, "        want: %s\n        got:  %s\n", e(f.Want), e(f.Got))
			}
		}
		if !r.Passed() && r.Log != "" {
			for _, l := range strings.Split(strings.TrimRight(r.Log, "\n"), "\n") {
				fmt.Fprintf(w, "        | %s\n", e(l))
			}
		}
	}
	passed, failed := Summary(results)
	if failed > 0 {
		fmt.Fprintf(w, "FAIL\t%s\t%d of %d failed\t%.2fs\n", e(file), failed, passed+failed, took.Seconds())
	} else {
		fmt.Fprintf(w, "ok  \t%s\t%d passed\t%.2fs\n", e(file), passed, took.Seconds())
	}
}

// headline is the failure's first line: what was checked, and a message.
func (f Failure) headline() string {
	switch {
	case f.What == "":
		return f.Message
	case f.Message == "":
		return f.What
	}
	return f.What + ": " + f.Message
}

func position(f Failure) string {
	return fmt.Sprintf("%s:%d:%d", f.Range.Filename, f.Range.Start.Line, f.Range.Start.Column)
}

// Lines of wuplay test -json, after the plan and apply stream's fashion.
const (
	LineTestResult  = "test_result"
	LineTestSummary = "test_summary"
)

// TestResultLine is one test's result.
type TestResultLine struct {
	engine.LineHeader
	File       string        `json:"file"`
	Test       string        `json:"test"`
	Result     string        `json:"result" jsonschema:"enum=pass,enum=fail"`
	DurationMS int64         `json:"duration_ms"`
	Failures   []FailureLine `json:"failures,omitempty"`
	Log        string        `json:"log,omitempty"`
}

// FailureLine is one check of a test that failed, where it is written.
type FailureLine struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	What    string `json:"what,omitempty"`
	Want    string `json:"want,omitempty"`
	Got     string `json:"got,omitempty"`
	Message string `json:"message,omitempty"`
}

// TestSummaryLine ends the run.
type TestSummaryLine struct {
	engine.LineHeader
	Passed     int   `json:"passed"`
	Failed     int   `json:"failed"`
	DurationMS int64 `json:"duration_ms"`
}

// WriteJSON writes one test_result line per test and, last, a
// test_summary line.
func WriteJSON(w io.Writer, results []Result, took time.Duration) {
	emit := func(v any) {
		data, err := json.Marshal(v)
		if err != nil {
			panic(err) // plain values
		}
		w.Write(append(data, '\n'))
	}
	for _, r := range results {
		out := TestResultLine{LineHeader: engine.Header(LineTestResult), File: r.File, Test: r.Name, Result: "pass", DurationMS: r.Duration.Milliseconds()}
		if !r.Passed() {
			out.Result, out.Log = "fail", r.Log
		}
		for _, f := range r.Failures {
			out.Failures = append(out.Failures, FailureLine{File: f.Range.Filename, Line: f.Range.Start.Line, Column: f.Range.Start.Column,
				What: f.What, Want: f.Want, Got: f.Got, Message: f.Message})
		}
		emit(out)
	}
	passed, failed := Summary(results)
	emit(TestSummaryLine{LineHeader: engine.Header(LineTestSummary), Passed: passed, Failed: failed, DurationMS: took.Milliseconds()})
}

// WriteJUnit writes a JUnit XML report, as Azure DevOps, GitLab and
// Jenkins read it: a test suite per test file, a test case per test.
func WriteJUnit(w io.Writer, results []Result, took time.Duration) error {
	type failure struct {
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	}
	type testcase struct {
		Name      string   `xml:"name,attr"`
		Classname string   `xml:"classname,attr"`
		Time      string   `xml:"time,attr"`
		Failure   *failure `xml:"failure,omitempty"`
		SystemOut string   `xml:"system-out,omitempty"`
	}
	type testsuite struct {
		Name      string     `xml:"name,attr"`
		Tests     int        `xml:"tests,attr"`
		Failures  int        `xml:"failures,attr"`
		Time      string     `xml:"time,attr"`
		TestCases []testcase `xml:"testcase"`
	}
	doc := struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Time     string       `xml:"time,attr"`
		Suites   []*testsuite `xml:"testsuite"`
	}{Time: seconds(took)}
	suites := map[string]*testsuite{}
	spent := map[string]time.Duration{}
	for _, r := range results {
		s := suites[r.File]
		if s == nil {
			s = &testsuite{Name: r.File}
			suites[r.File] = s
			doc.Suites = append(doc.Suites, s)
		}
		tc := testcase{Name: r.Name, Classname: r.File, Time: seconds(r.Duration)}
		if !r.Passed() {
			var text strings.Builder
			for _, f := range r.Failures {
				fmt.Fprintf(&text, "%s: %s\n", position(f), f.headline())
				if f.Want != "" || f.Got != "" {
					fmt.Fprintf(&text, "    want: %s\n    got:  %s\n", f.Want, f.Got)
				}
			}
			first := r.Failures[0]
			tc.Failure = &failure{Message: position(first) + ": " + first.headline(), Text: text.String()}
			tc.SystemOut = r.Log
			s.Failures++
			doc.Failures++
		}
		s.Tests++
		doc.Tests++
		spent[r.File] += r.Duration
		s.TestCases = append(s.TestCases, tc)
	}
	for _, s := range doc.Suites {
		s.Time = seconds(spent[s.Name])
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }
