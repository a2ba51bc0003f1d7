package jsjson

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// The differential tests compare Canonical with the real thing: every
// document goes through one node process, which answers
// JSON.stringify(JSON.parse(doc)) for each, or the error's name. Documents
// and answers travel base64-encoded, one per line, so any byte survives.
const nodeScript = `
const out = [];
for (const line of require("fs").readFileSync(0, "latin1").split("\n")) {
	if (line === "") continue;
	const doc = Buffer.from(line.slice(1), "base64").toString("utf8");
	try {
		out.push("+" + Buffer.from(JSON.stringify(JSON.parse(doc)), "utf8").toString("base64"));
	} catch (e) {
		out.push("!" + e.name);
	}
}
process.stdout.write(out.join("\n") + "\n");
`

// nodeResult is node's answer for one document: the output, or the name of
// the error JSON.parse threw.
type nodeResult struct {
	out []byte
	err string
}

// mustNode returns node's path, skipping the test when there is none;
// with CI=true a missing node fails the test instead.
func mustNode(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("node not found (%v); CI=true requires the differential test against JSON.stringify(JSON.parse(x)) to run", err)
		}
		t.Skipf("node not found (%v): skipping the differential test against JSON.stringify(JSON.parse(x)); install Node.js to run it", err)
	}
	return path
}

// mustRunNode sends docs through one node process and returns its answers
// in order.
func mustRunNode(t *testing.T, docs [][]byte) []nodeResult {
	t.Helper()
	node := mustNode(t)
	var in bytes.Buffer
	for _, d := range docs {
		in.WriteByte('d')
		in.WriteString(base64.StdEncoding.EncodeToString(d))
		in.WriteByte('\n')
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "-e", nodeScript)
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.Bytes())
	}
	var results []nodeResult
	sc := bufio.NewScanner(bytes.NewReader(stdout))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "+"):
			out, err := base64.StdEncoding.DecodeString(line[1:])
			if err != nil {
				t.Fatalf("node answered bad base64 %q: %v", line, err)
			}
			results = append(results, nodeResult{out: out})
		case strings.HasPrefix(line, "!"):
			results = append(results, nodeResult{err: line[1:]})
		default:
			t.Fatalf("node answered %q", line)
		}
	}
	if len(results) != len(docs) {
		t.Fatalf("node answered %d documents, want %d", len(results), len(docs))
	}
	return results
}

// checkAgainstNode fails for each doc on which Canonical and node disagree:
// both must reject it, or both must give the same bytes.
func checkAgainstNode(t *testing.T, docs [][]byte, results []nodeResult) {
	t.Helper()
	failures := 0
	for i, doc := range docs {
		got, err := Canonical(doc)
		want := results[i]
		switch {
		case want.err != "" && err == nil:
			t.Errorf("doc %q: node threw %s, Canonical gave %q", doc, want.err, got)
		case want.err == "" && err != nil:
			t.Errorf("doc %q: node gave %q, Canonical failed: %v", doc, want.out, err)
		case want.err == "" && !bytes.Equal(got, want.out):
			t.Errorf("doc %q:\n   Canonical %q\n        node %q", doc, got, want.out)
		default:
			continue
		}
		if failures++; failures >= 20 {
			t.Fatal("too many disagreements")
		}
	}
}

func TestNodeAgreesWithTable(t *testing.T) {
	mustNode(t)
	var docs [][]byte
	for _, tc := range canonicalCases {
		docs = append(docs, []byte(tc.in))
	}
	for _, in := range invalidCases {
		if utf8.ValidString(in) { // node would replace invalid UTF-8 first
			docs = append(docs, []byte(in))
		}
	}
	results := mustRunNode(t, docs)
	for i, tc := range canonicalCases {
		if results[i].err != "" || string(results[i].out) != tc.want {
			t.Errorf("%s: the table wants %q, node gives %q (%s)", tc.name, tc.want, results[i].out, results[i].err)
		}
	}
	checkAgainstNode(t, docs, results)
}

// TestNodeDifferential runs thousands of random documents through Canonical
// and node: valid ones full of the edge cases (surrogates, controls, U+2028,
// array-index and repeated keys, extreme numbers), mutations of them, most
// invalid, and encoding/json's output for random Go values (what Marshal
// gets). JSJSON_SEED=n replays a run.
func TestNodeDifferential(t *testing.T) {
	mustNode(t)
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("JSJSON_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("JSJSON_SEED=%q: %v", s, err)
		}
	}
	t.Logf("JSJSON_SEED=%d", seed)
	g := &gen{r: rand.New(rand.NewPCG(seed, 0x6a736a736f6e))}
	n := 4000
	if testing.Short() {
		n = 500
	}
	var docs [][]byte
	for range n {
		docs = append(docs, g.doc())
	}
	for i := range n / 4 {
		if m := g.mutate(docs[i]); utf8.Valid(m) {
			docs = append(docs, m)
		}
	}
	for range n / 8 {
		b, err := json.Marshal(g.goValue(0))
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, b)
	}
	checkAgainstNode(t, docs, mustRunNode(t, docs))
}

// gen writes random JSON text biased towards what JavaScript treats
// specially.
type gen struct {
	r *rand.Rand
	b []byte
}

func (g *gen) doc() []byte {
	g.b = g.b[:0]
	g.ws()
	g.value(0)
	g.ws()
	return bytes.Clone(g.b)
}

func (g *gen) ws() {
	if g.r.IntN(4) != 0 {
		return
	}
	for range 1 + g.r.IntN(3) {
		g.b = append(g.b, " \t\n\r"[g.r.IntN(4)])
	}
}

func (g *gen) value(depth int) {
	k := g.r.IntN(10)
	if depth >= 6 {
		k = 4 + g.r.IntN(6)
	}
	switch {
	case k < 2:
		g.object(depth)
	case k < 4:
		g.array(depth)
	case k < 6:
		g.str()
	case k < 9:
		g.number()
	default:
		g.b = append(g.b, []string{"true", "false", "null"}[g.r.IntN(3)]...)
	}
}

func (g *gen) object(depth int) {
	g.b = append(g.b, '{')
	for i := range g.r.IntN(8) {
		if i > 0 {
			g.ws()
			g.b = append(g.b, ',')
		}
		g.ws()
		g.key()
		g.ws()
		g.b = append(g.b, ':')
		g.ws()
		g.value(depth + 1)
	}
	g.ws()
	g.b = append(g.b, '}')
}

func (g *gen) array(depth int) {
	g.b = append(g.b, '[')
	for i := range g.r.IntN(6) {
		if i > 0 {
			g.b = append(g.b, ',')
		}
		g.ws()
		g.value(depth + 1)
		g.ws()
	}
	g.b = append(g.b, ']')
}

// keyPool makes repeated keys common, and mixes array indices with keys
// that only look like one.
var keyPool = []string{
	`"a"`, `"b"`, `"c"`, `"\u0061"`, `"0"`, `"1"`, `"2"`, `"10"`, `"\u0031"`, `"01"`, `"00"`, `"-1"`, `"-0"`,
	`"4294967294"`, `"4294967295"`, `"4294967296"`, `"9007199254740993"`, `"1.0"`, `"1e3"`, `" 1"`,
	`""`, `"__proto__"`, `"constructor"`, `"toString"`, `"length"`,
}

func (g *gen) key() {
	if g.r.IntN(10) < 7 {
		g.b = append(g.b, keyPool[g.r.IntN(len(keyPool))]...)
		return
	}
	if g.r.IntN(3) == 0 {
		g.b = append(g.b, '"')
		g.b = strconv.AppendUint(g.b, g.r.Uint64N(1<<33), 10)
		g.b = append(g.b, '"')
		return
	}
	g.str()
}

// rawPieces are written into strings unescaped.
var rawPieces = []string{
	"a", "Z", " ", "<", ">", "&", "'", "\x7f", "é", "€", "\u2028", "\u2029", "\ufeff", "\uffff", "\ufffd",
	"\u0085", "\u00a0", "😀", "𝄞", "\U0010ffff", "\U00010000",
}

// escapePieces are escapes, including surrogates alone, in pairs and in
// the wrong order.
var escapePieces = []string{
	`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`, `\u0000`, `\u001f`, `\u001F`, `\u0020`, `\u007f`,
	`\u0022`, `\u005c`, `\u2028`, `\uD83D\uDE00`, `\ud83d\ude00`, `\ud800`, `\udbff`, `\udc00`, `\uDFFF`,
	`\udc00\ud800`, `\ud800\ud800\udc00`, `\uFEFF`, `\u00e9`,
}

func (g *gen) str() {
	g.b = append(g.b, '"')
	for range g.r.IntN(8) {
		switch g.r.IntN(5) {
		case 0, 1:
			g.b = append(g.b, rawPieces[g.r.IntN(len(rawPieces))]...)
		case 2:
			g.b = append(g.b, escapePieces[g.r.IntN(len(escapePieces))]...)
		case 3:
			g.b = fmt.Appendf(g.b, `\u%04x`, g.r.IntN(0x10000))
		default:
			r := rune(g.r.IntN(0x110000))
			if r >= 0xD800 && r <= 0xDFFF || r < 0x20 || r == '"' || r == '\\' {
				r = 'x'
			}
			g.b = utf8.AppendRune(g.b, r)
		}
	}
	g.b = append(g.b, '"')
}

// specialNumbers sit on the thresholds of Number::toString and of float64.
var specialNumbers = []string{
	"0", "-0", "0.0", "-0.0", "0e0", "1e21", "1e20", "999999999999999999999", "1e-6", "1e-7", "0.000001",
	"0.0000001", "1.5e-7", "1E400", "-1E400", "1e-400", "5e-324", "4.9406564584124654e-324",
	"2.4703282292062327e-324", "2.4703282292062328e-324", "1.7976931348623157e308", "1.7976931348623158e308",
	"1.7976931348623159e308", "2.2250738585072014e-308", "2.2250738585072011e-308", "9007199254740993",
	"123456789.125", "0.1", "0.30000000000000004", "3.0", "1E+2", "1e-0", "100", "123e18",
}

func (g *gen) number() {
	switch g.r.IntN(6) {
	case 0:
		g.b = append(g.b, specialNumbers[g.r.IntN(len(specialNumbers))]...)
	case 1:
		g.b = strconv.AppendInt(g.b, g.r.Int64N(2001)-1000, 10)
	case 2: // any finite float64, in one of strconv's spellings
		f := g.finite()
		fmts := []byte{'g', 'e', 'E', 'f'}
		ff := fmts[g.r.IntN(len(fmts))]
		if ff == 'f' && (f > 1e30 || f < -1e30) {
			ff = 'e'
		}
		g.b = strconv.AppendFloat(g.b, f, ff, g.r.IntN(25)-1, 64)
	default: // a decimal of up to 30 digits, fraction and exponent
		if g.r.IntN(2) == 0 {
			g.b = append(g.b, '-')
		}
		g.digits(true)
		if g.r.IntN(2) == 0 {
			g.b = append(g.b, '.')
			g.digits(false)
		}
		if g.r.IntN(2) == 0 {
			g.b = append(g.b, "eE"[g.r.IntN(2)])
			g.b = append(g.b, []string{"", "+", "-"}[g.r.IntN(3)]...)
			g.b = strconv.AppendInt(g.b, int64(g.r.IntN(420)), 10)
		}
	}
}

func (g *gen) finite() float64 {
	for {
		f := fromBits(g.r.Uint64())
		if f-f == 0 { // neither NaN nor ±Inf
			return f
		}
	}
}

func (g *gen) digits(integer bool) {
	n := 1 + g.r.IntN(30)
	if integer && g.r.IntN(3) == 0 {
		g.b = append(g.b, '0')
		return
	}
	for i := range n {
		d := byte('0' + g.r.IntN(10))
		if integer && i == 0 && d == '0' {
			d = '1'
		}
		g.b = append(g.b, d)
	}
}

// mutate changes one byte of doc, or inserts or deletes one.
func (g *gen) mutate(doc []byte) []byte {
	const alphabet = "{}[],:\"\\ 0123456789eE.+-tnfu\x00\t"
	m := bytes.Clone(doc)
	i := g.r.IntN(len(m) + 1)
	c := alphabet[g.r.IntN(len(alphabet))]
	switch {
	case g.r.IntN(3) == 0 && i < len(m):
		return append(m[:i], m[i+1:]...)
	case g.r.IntN(2) == 0 && i < len(m):
		m[i] = c
		return m
	}
	return append(m[:i], append([]byte{c}, m[i:]...)...)
}

// goValue is a random Go value for encoding/json, as a payload built in Go
// would be.
func (g *gen) goValue(depth int) any {
	k := g.r.IntN(6)
	if depth >= 4 {
		k = 2 + g.r.IntN(4)
	}
	switch k {
	case 0:
		m := map[string]any{}
		for range g.r.IntN(6) {
			m[strings.Trim(keyPool[g.r.IntN(len(keyPool))], `"`)] = g.goValue(depth + 1)
		}
		return m
	case 1:
		a := make([]any, g.r.IntN(5))
		for i := range a {
			a[i] = g.goValue(depth + 1)
		}
		return a
	case 2:
		var s strings.Builder
		for range g.r.IntN(6) {
			s.WriteString(rawPieces[g.r.IntN(len(rawPieces))])
			if g.r.IntN(4) == 0 {
				s.WriteByte(byte(g.r.IntN(0x20)))
			}
		}
		return s.String()
	case 3:
		return g.finite()
	case 4:
		return g.r.Int64()
	}
	return g.r.IntN(2) == 0
}

func fromBits(b uint64) float64 { return math.Float64frombits(b) }
