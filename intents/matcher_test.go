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
		{"no me acuerdo de mi contraseña", bot.ForgotPassword, bot.LangES},
		{"se me olvido la contrasena y no puedo entrar", bot.ForgotPassword, bot.LangES},
		{"hola buenas tardes, fijense que no me llega el codigo de verificacion al celular, ya espere como media hora, que hago? gracias", bot.CodeNotReceived, bot.LangES},
		{"dice usuario o contraseña incorrectos", bot.InvalidCredentials, bot.LangES},
		{"mi cuenta aparece desactivada", bot.AccountDisabled, bot.LangES},
		{"cada vez que entro me vuelve a pedir el codigo", bot.CodeEveryTime, bot.LangES},
		{"quiero hablar con una persona real por favor", bot.HumanAgent, bot.LangES},
		{"mi cliente no puede entrar, como le genero una contraseña temporal?", bot.TemporaryPassword, bot.LangES},
		{"muchas gracias!!", bot.Thanks, bot.LangES},
		{"holaaa", bot.Greeting, bot.LangES},
		// A long story around the question: read in windows.
		{"hola que tal, mira te cuento, el año pasado empecé con un entrenador por la app y todo bien, pero después me mudé de ciudad y con la mudanza y el trabajo nuevo no la abrí durante meses, y ahora que la abro no tengo ni idea de cuál era mi contraseña, cómo puedo poner una nueva?", bot.ForgotPassword, bot.LangES},
		// French
		{"bonjour à vous, alors voilà, j'étais suivie par une coach l'an dernier puis j'ai eu un bébé et j'ai tout laissé tomber pendant presque un an, maintenant je veux reprendre le sport tranquillement mais impossible de me rappeler le mot de passe que j'avais choisi, comment je peux le refaire?", bot.ForgotPassword, bot.LangFR},
		{"j'ai oublié mon mot de passe", bot.ForgotPassword, bot.LangFR},
		{"je recois pas le code par sms", bot.CodeNotReceived, bot.LangFR},
		{"bonjour, mon compte est desactive, je ne comprends pas pourquoi, pouvez vous m'aider svp", bot.AccountDisabled, bot.LangFR},
		{"comment je change mon mot de passe dans l'appli", bot.ChangePassword, bot.LangFR},
		{"je voudrais parler a quelqu'un du service client", bot.HumanAgent, bot.LangFR},
		{"le courriel pour reinitialiser n'arrive pas, j'ai regardé partout", bot.SpamFolder, bot.LangFR},
		{"merci beaucoup", bot.Thanks, bot.LangFR},
		{"salut", bot.Greeting, bot.LangFR},
		// English
		{"hello! so my gym signed me up with a coach last spring, I did a few weeks and then work got crazy and I stopped, now I finally have time again and I opened the app and honestly no clue what password I picked back then, how do I make a new one?", bot.ForgotPassword, bot.LangEN},
		{"i forgot my pasword", bot.ForgotPassword, bot.LangEN},
		{"hi there! so I've been trying to log in all morning and it keeps telling me wrong username or password, any idea?", bot.InvalidCredentials, bot.LangEN},
		{"which email is my account under", bot.LinkedEmail, bot.LangEN},
		{"do i need to update the app", bot.AppVersion, bot.LangEN},
		{"my client cant get in, how do I give them a temp password", bot.TemporaryPassword, bot.LangEN},
		{"I get the code but it says its invalid", bot.CodeRejected, bot.LangEN},
		{"thx", bot.Thanks, bot.LangEN},
		{"hello", bot.Greeting, bot.LangEN},
		// long, story-like messages that mention other topics on the way
		{"I changed my phone last week and now whenever I open the app it asks me for a verification code every single time, I already updated the app, is this normal?", bot.CodeEveryTime, bot.LangEN},
		{"buenos dias, les escribo porque mi entrenador me dio de alta en la plataforma pero cuando intento entrar me sale usuario o contraseña invalidos, ya revise que este bien escrito y nada", bot.InvalidCredentials, bot.LangES},
		{"bonjour, ma coach m'a inscrite mais je n'ai jamais recu le courriel pour creer mon mot de passe, j'ai regarde dans mes courriels indesirables aussi et rien", bot.SpamFolder, bot.LangFR},
		{"hola necesito ayuda urgente, no puedo entrar a la app, me dice que mi cuenta fue desactivada y tengo mi sesion con el entrenador hoy", bot.AccountDisabled, bot.LangES},
		{"my trainer said to ask here, i cant remember my password and i dont have access to my old email anymore", bot.ForgotPassword, bot.LangEN},
		{"one of my clients says the code we sent her is not working, she types it and it fails", bot.CodeRejected, bot.LangEN},
		{"como genero una contrasena provisoria para mi cliente que no puede entrar", bot.TemporaryPassword, bot.LangES},
		{"est-ce que je peux parler avec un humain svp c'est urgent", bot.HumanAgent, bot.LangFR},
		// slips
		{"no me yega el codigo", bot.CodeNotReceived, bot.LangES},
		{"mot de pass oublie", bot.ForgotPassword, bot.LangFR},
		{"it keeps saying wrong pasword even tho its right", bot.InvalidCredentials, bot.LangEN},
		{"ok merci ça marche maintenant", bot.Thanks, bot.LangFR},
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
	if !got.Lang.Valid() {
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
		if s.Intent == bot.None {
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
