package intents

import (
	"testing"

	"github.com/hexfit/supportbot/bot"
)

// Messages written for these tests (not taken from any evaluation set):
// short and long, with and without accents, typos, greetings around the
// question and staff phrasing.
func TestMatchIntents(t *testing.T) {
	m := realMatcher(t)
	tests := []struct {
		text string
		want bot.Intent
		lang bot.Lang
	}{
		// Spanish
		{"no me acuerdo de mi contraseña", bot.Intent("forgot_password"), bot.Lang("es")},
		{"se me olvido la contrasena y no puedo entrar", bot.Intent("forgot_password"), bot.Lang("es")},
		{"hola buenas tardes, fijense que no me llega el codigo de verificacion al celular, ya espere como media hora, que hago? gracias", bot.Intent("code_not_received"), bot.Lang("es")},
		{"dice usuario o contraseña incorrectos", bot.Intent("invalid_credentials"), bot.Lang("es")},
		{"mi cuenta aparece desactivada", bot.Intent("account_disabled"), bot.Lang("es")},
		{"cada vez que entro me vuelve a pedir el codigo", bot.Intent("code_every_time"), bot.Lang("es")},
		{"quiero hablar con una persona real por favor", bot.Intent("human_agent"), bot.Lang("es")},
		{"mi cliente no puede entrar, como le genero una contraseña temporal?", bot.Intent("temporary_password"), bot.Lang("es")},
		{"muchas gracias!!", bot.Intent("thanks"), bot.Lang("es")},
		{"holaaa", bot.Intent("greeting"), bot.Lang("es")},
		// A long story around the question: read in windows.
		{"hola que tal, mira te cuento, el año pasado empecé con un entrenador por la app y todo bien, pero después me mudé de ciudad y con la mudanza y el trabajo nuevo no la abrí durante meses, y ahora que la abro no tengo ni idea de cuál era mi contraseña, cómo puedo poner una nueva?", bot.Intent("forgot_password"), bot.Lang("es")},
		// French
		{"bonjour à vous, alors voilà, j'étais suivie par une coach l'an dernier puis j'ai eu un bébé et j'ai tout laissé tomber pendant presque un an, maintenant je veux reprendre le sport tranquillement mais impossible de me rappeler le mot de passe que j'avais choisi, comment je peux le refaire?", bot.Intent("forgot_password"), bot.Lang("fr")},
		{"j'ai oublié mon mot de passe", bot.Intent("forgot_password"), bot.Lang("fr")},
		{"je recois pas le code par sms", bot.Intent("code_not_received"), bot.Lang("fr")},
		{"bonjour, mon compte est desactive, je ne comprends pas pourquoi, pouvez vous m'aider svp", bot.Intent("account_disabled"), bot.Lang("fr")},
		{"comment je change mon mot de passe dans l'appli", bot.Intent("change_password"), bot.Lang("fr")},
		{"je voudrais parler a quelqu'un du service client", bot.Intent("human_agent"), bot.Lang("fr")},
		{"le courriel pour reinitialiser n'arrive pas, j'ai regardé partout", bot.Intent("spam_folder"), bot.Lang("fr")},
		{"merci beaucoup", bot.Intent("thanks"), bot.Lang("fr")},
		{"salut", bot.Intent("greeting"), bot.Lang("fr")},
		// English
		{"hello! so my gym signed me up with a coach last spring, I did a few weeks and then work got crazy and I stopped, now I finally have time again and I opened the app and honestly no clue what password I picked back then, how do I make a new one?", bot.Intent("forgot_password"), bot.Lang("en")},
		{"i forgot my pasword", bot.Intent("forgot_password"), bot.Lang("en")},
		{"hi there! so I've been trying to log in all morning and it keeps telling me wrong username or password, any idea?", bot.Intent("invalid_credentials"), bot.Lang("en")},
		{"which email is my account under", bot.Intent("linked_email"), bot.Lang("en")},
		{"do i need to update the app", bot.Intent("app_version"), bot.Lang("en")},
		{"my client cant get in, how do I give them a temp password", bot.Intent("temporary_password"), bot.Lang("en")},
		{"I get the code but it says its invalid", bot.Intent("code_rejected"), bot.Lang("en")},
		{"thx", bot.Intent("thanks"), bot.Lang("en")},
		{"hello", bot.Intent("greeting"), bot.Lang("en")},
		// long, story-like messages that mention other topics on the way
		{"I changed my phone last week and now whenever I open the app it asks me for a verification code every single time, I already updated the app, is this normal?", bot.Intent("code_every_time"), bot.Lang("en")},
		{"buenos dias, les escribo porque mi entrenador me dio de alta en la plataforma pero cuando intento entrar me sale usuario o contraseña invalidos, ya revise que este bien escrito y nada", bot.Intent("invalid_credentials"), bot.Lang("es")},
		{"bonjour, ma coach m'a inscrite mais je n'ai jamais recu le courriel pour creer mon mot de passe, j'ai regarde dans mes courriels indesirables aussi et rien", bot.Intent("spam_folder"), bot.Lang("fr")},
		{"hola necesito ayuda urgente, no puedo entrar a la app, me dice que mi cuenta fue desactivada y tengo mi sesion con el entrenador hoy", bot.Intent("account_disabled"), bot.Lang("es")},
		{"my trainer said to ask here, i cant remember my password and i dont have access to my old email anymore", bot.Intent("forgot_password"), bot.Lang("en")},
		{"one of my clients says the code we sent her is not working, she types it and it fails", bot.Intent("code_rejected"), bot.Lang("en")},
		{"como genero una contrasena provisoria para mi cliente que no puede entrar", bot.Intent("temporary_password"), bot.Lang("es")},
		{"est-ce que je peux parler avec un humain svp c'est urgent", bot.Intent("human_agent"), bot.Lang("fr")},
		// slips
		{"no me yega el codigo", bot.Intent("code_not_received"), bot.Lang("es")},
		{"mot de pass oublie", bot.Intent("forgot_password"), bot.Lang("fr")},
		{"it keeps saying wrong pasword even tho its right", bot.Intent("invalid_credentials"), bot.Lang("en")},
		{"ok merci ça marche maintenant", bot.Intent("thanks"), bot.Lang("fr")},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got := m.Match(tt.text, bot.MatchHints{})
			if p := Predicted(got); p != tt.want {
				t.Errorf("intent = %s (%s, %v), want %s", p, got.Verdict, got.Ranked[:2], tt.want)
			}
			if got.Lang != tt.lang {
				t.Errorf("lang = %s, want %s", got.Lang, tt.lang)
			}
		})
	}
}

// Out-of-scope questions must not get an answer.
func TestMatchOutOfScope(t *testing.T) {
	m := realMatcher(t)
	for _, text := range []string{
		"what's the weather like in Montreal tomorrow",
		"cuanto cuesta la suscripcion anual",
		"quel est le meilleur exercice pour les abdos",
		"can you recommend a protein shake",
		"can you tell me how to cancel my subscription",
		"je veux changer mon programme d'entrainement",
		"necesito la factura de este mes",
		// function words alone carry no question
		"no",
		"I can't",
		"pero no",
	} {
		t.Run(text, func(t *testing.T) {
			got := m.Match(text, bot.MatchHints{})
			checkMatch(t, got)
			if got.Verdict == bot.VerdictAnswer {
				t.Errorf("answer %s (%.2f) for an out-of-scope question", got.Ranked[0].Intent, got.Ranked[0].Confidence)
			}
		})
	}
}

// Invariants of every Match: confidences in [0,1], sorted, None never ranked.
func checkMatch(t *testing.T, got bot.Match) {
	t.Helper()
	if got.Lang == "" {
		t.Errorf("lang %q not supported", got.Lang)
	}
	if got.LangScore < 0 || got.LangScore > 1 {
		t.Errorf("lang score %v outside [0,1]", got.LangScore)
	}
	switch got.Verdict {
	case bot.VerdictAnswer, bot.VerdictClarify, bot.VerdictNone:
	default:
		t.Errorf("verdict %q", got.Verdict)
	}
	for i, s := range got.Ranked {
		if s.Intent == bot.Intent("none") {
			t.Errorf("ranked contains none")
		}
		if !(s.Confidence >= 0 && s.Confidence <= 1) {
			t.Errorf("confidence %v outside [0,1]", s.Confidence)
		}
		if i > 0 && s.Confidence > got.Ranked[i-1].Confidence {
			t.Errorf("ranked not sorted at %d", i)
		}
	}
	if got.Verdict != bot.VerdictNone && len(got.Ranked) == 0 {
		t.Errorf("verdict %s with nothing ranked", got.Verdict)
	}
}
