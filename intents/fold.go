package intents

import "strings"

// synonyms folds general domain words with the same meaning, within and
// across languages, to one token so that "correo", "courriel" and "mail"
// share evidence. Keys are written naturally and normalized when a folder
// is built; multi-word keys are matched as whole word sequences.
var synonyms = map[string][]string{
	"email": {"email", "e-mail", "mail", "mails", "emails", "correo", "correos",
		"correo electronico", "courriel", "courriels", "mel", "gmail", "hotmail", "outlook", "yahoo"},
	"password": {"password", "passwords", "passwd", "pwd", "pw", "contraseña", "contraseñas",
		"mot de passe", "mots de passe", "mdp", "clave", "contra", "pasword"},
	"app": {"app", "apps", "appli", "application", "applications", "aplicacion",
		"aplicaciones", "aplicativo", "appl"},
	"code":  {"code", "codes", "codigo", "codigos", "otp"},
	"login": {"login", "log in", "logon", "log on", "sign in", "signin", "iniciar sesion", "inicio de sesion"},
	"sms":   {"sms", "text message", "mensaje de texto", "texto sms"},
	"2fa":   {"2fa", "mfa", "two factor", "2 factor", "doble factor", "double authentification", "authentification a deux facteurs"},
}

// shorthand expands chat abbreviations and apostrophe-less contractions to
// the words the training phrases spell out, before language detection.
var shorthand = map[string]string{
	// English
	"thx": "thanks", "thnx": "thanks", "thanx": "thanks", "tnx": "thanks", "tx": "thanks", "ty": "thank you",
	"tyvm": "thank you very much", "pls": "please", "plz": "please", "u": "you", "ur": "your", "r": "are",
	"cant": "can t", "dont": "don t", "doesnt": "doesn t", "didnt": "didn t", "wont": "won t",
	"isnt": "isn t", "wasnt": "wasn t", "havent": "haven t", "im": "i m", "ive": "i ve", "idk": "i don t know",
	"acct": "account", "msg": "message", "pic": "picture",
	// French
	"slt": "salut", "bjr": "bonjour", "bsr": "bonsoir", "mrc": "merci", "mci": "merci", "stp": "s il te plait",
	"jai": "j ai", "cest": "c est", "jarrive": "j arrive", "narrive": "n arrive", "jsuis": "je suis",
	"chui": "je suis", "jsp": "je sais pas", "pk": "pourquoi", "pcq": "parce que", "bcp": "beaucoup",
	"qd": "quand", "tjrs": "toujours", "tjs": "toujours", "ds": "dans",
	// Spanish
	"q": "que", "k": "que", "xq": "porque", "pq": "porque", "porq": "porque", "x": "por", "xfa": "por favor",
	"porfa": "por favor", "pf": "por favor", "tb": "tambien", "tmb": "tambien", "grax": "gracias",
	"grs": "gracias", "ntp": "no te preocupes", "dnd": "donde", "pa": "para", "cel": "celular",
}

// folder rewrites a normalized word sequence with the synonym table.
type folder struct {
	short  map[string][]string
	single map[string]string
	multi  map[string][]phrase // keyed by the phrase's first word
}

type phrase struct {
	words []string
	to    string
}

func newFolder() *folder {
	f := &folder{short: map[string][]string{}, single: map[string]string{}, multi: map[string][]phrase{}}
	for from, to := range shorthand {
		if w := normalize(from); len(w) == 1 {
			f.short[w[0]] = normalize(to)
		}
	}
	for to, froms := range synonyms {
		canon := strings.Join(normalize(to), "")
		for _, from := range froms {
			w := normalize(from)
			switch {
			case len(w) == 1:
				f.single[w[0]] = canon
			case len(w) > 1:
				f.multi[w[0]] = append(f.multi[w[0]], phrase{words: w, to: canon})
			}
		}
	}
	return f
}

// words returns the normalized words of text with shorthand expanded.
func (f *folder) words(text string) []string {
	words := normalize(text)
	for i, w := range words {
		if _, ok := f.short[w]; ok {
			out := make([]string, 0, len(words)+4)
			out = append(out, words[:i]...)
			for _, w := range words[i:] {
				if to, ok := f.short[w]; ok {
					out = append(out, to...)
				} else {
					out = append(out, w)
				}
			}
			return out
		}
	}
	return words
}

// fold returns words with synonyms replaced; it reuses no input storage.
func (f *folder) fold(words []string) []string {
	out := make([]string, 0, len(words))
	for i := 0; i < len(words); i++ {
		w := words[i]
		if ps, ok := f.multi[w]; ok {
			if p, n := longestPhrase(ps, words[i:]); n > 0 {
				out = append(out, p)
				i += n - 1
				continue
			}
		}
		if to, ok := f.single[w]; ok {
			w = to
		}
		out = append(out, w)
	}
	return out
}

func longestPhrase(ps []phrase, words []string) (string, int) {
	best, n := "", 0
	for _, p := range ps {
		if len(p.words) <= n || len(p.words) > len(words) {
			continue
		}
		ok := true
		for j, pw := range p.words {
			if words[j] != pw {
				ok = false
				break
			}
		}
		if ok {
			best, n = p.to, len(p.words)
		}
	}
	return best, n
}
