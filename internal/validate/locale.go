package validate

import (
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse"
)

// iso639 lists the ISO 639-1 two-letter language codes, including the
// deprecated in, iw, ji, jw and mo that older systems still send.
const iso639 = "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy " +
	"da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz " +
	"ia id ie ig ii ik in io is it iu iw ja ji jv jw ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li " +
	"ln lo lt lu lv mg mh mi mk ml mn mo mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi " +
	"pl ps pt qu rm rn ro ru rw sa sc sd se sg sh si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk " +
	"tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu"

// Locale validates s as an IETF BCP 47 language tag (RFC 5646 syntax)
// whose primary language is a real ISO 639 code of 2 or 3 letters ("und",
// private-use "qaa".."qtz" and tags starting with "x-" are refused) and
// returns it in canonical case: en-us → en-US, zh-hant-tw → zh-Hant-TW.
func Locale(loc []any, s string) (string, *gatehouse.FieldError) {
	if out, ok := canonicalLocale(s); ok {
		return out, nil
	}
	return "", valueError(loc, "Value error, Invalid IETF BCP 47 language tag", s)
}

func canonicalLocale(s string) (string, bool) {
	subs := strings.Split(s, "-")
	lang := strings.ToLower(subs[0])
	if !isAlpha(lang) || !validLanguage(lang) {
		return "", false
	}
	out := []string{lang}
	i := 1
	for n := 0; n < 3 && i < len(subs) && len(subs[i]) == 3 && isAlpha(subs[i]); n++ {
		out = append(out, strings.ToLower(subs[i])) // extlang
		i++
	}
	if i < len(subs) && len(subs[i]) == 4 && isAlpha(subs[i]) {
		out = append(out, strings.ToUpper(subs[i][:1])+strings.ToLower(subs[i][1:]))
		i++
	}
	if i < len(subs) && (len(subs[i]) == 2 && isAlpha(subs[i]) || len(subs[i]) == 3 && isDigits(subs[i])) {
		out = append(out, strings.ToUpper(subs[i]))
		i++
	}
	var variants []string
	for ; i < len(subs) && isVariant(subs[i]); i++ {
		v := strings.ToLower(subs[i])
		if slices.Contains(variants, v) {
			return "", false
		}
		variants = append(variants, v)
		out = append(out, v)
	}
	var singletons []string
	for i < len(subs) {
		single := strings.ToLower(subs[i])
		if len(single) != 1 || !isAlnum(single) {
			return "", false
		}
		min, max := 2, 8
		if single == "x" {
			min = 1
		} else if slices.Contains(singletons, single) {
			return "", false
		}
		singletons = append(singletons, single)
		out = append(out, single)
		i++
		start := i
		for ; i < len(subs) && len(subs[i]) >= min && len(subs[i]) <= max && isAlnum(subs[i]); i++ {
			if single != "x" && len(subs[i]) == 1 {
				break
			}
			out = append(out, strings.ToLower(subs[i]))
		}
		if i == start || (single == "x" && i != len(subs)) {
			return "", false
		}
	}
	return strings.Join(out, "-"), true
}

func validLanguage(lang string) bool {
	switch len(lang) {
	case 2:
		return strings.Contains(" "+iso639+" ", " "+lang+" ")
	case 3:
		return lang != "und" && !(lang >= "qaa" && lang <= "qtz")
	}
	return false
}

func isVariant(s string) bool {
	if !isAlnum(s) {
		return false
	}
	return len(s) >= 5 && len(s) <= 8 || len(s) == 4 && s[0] >= '0' && s[0] <= '9'
}

func isAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return s != ""
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z') {
			return false
		}
	}
	return s != ""
}
