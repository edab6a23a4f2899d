package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestChatAgentReportOnOneDatabase drives the binary's commands in-process
// as a client, an agent and an operator would, on one data directory.
func TestChatAgentReportOnOneDatabase(t *testing.T) {
	data := map[string]string{"SUPPORTBOT_DATA_DIR": t.TempDir()}
	must := func(stdin string, args ...string) string {
		t.Helper()
		code, out, errOut := runCmd(t, stdin, data, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d\nstdout:\n%s\nstderr:\n%s", args, code, out, errOut)
		}
		return out
	}
	out := must("olvidé mi contraseña\n", "chat")
	if !strings.Contains(out, "¿Esto respondió tu pregunta?") || !strings.Contains(out, "1. Sí") {
		t.Fatalf("first answer:\n%s", out)
	}
	// The state survived the restart: "2" answers the question asked before.
	if out := must("2\n", "chat"); !strings.Contains(out, "Hexpert") {
		t.Fatalf("after restart, \"2\" should offer a person:\n%s", out)
	}
	if out := must("1\nsigo esperando\n", "chat"); strings.Count(out, "bot> ") != 1 {
		t.Fatalf("handoff then silence expected:\n%s", out)
	}
	if out := must("", "handoffs"); !strings.Contains(out, "waiting") || !strings.Contains(out, "unhelpful") {
		t.Fatalf("queue:\n%s", out)
	}
	out = must("take 1\nreply Hola, soy Ana\nnote cliente verificado\nresolve\n", "agent", "--name", "ana")
	for _, w := range []string{"client: sigo esperando", "sent to the outbox", "note added", "resolved"} {
		if !strings.Contains(out, w) {
			t.Fatalf("agent output lacks %q:\n%s", w, out)
		}
	}
	out = must("4\n", "chat")
	for _, w := range []string{"agent> Hola, soy Ana", "1 · 2 · 3 · 4 · 5", "¡Gracias por tu opinión"} {
		if !strings.Contains(out, w) {
			t.Fatalf("client output lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "cliente verificado") {
		t.Fatal("the internal note reached the client")
	}
	if out := must("", "handoffs"); !strings.Contains(out, "no handoffs") {
		t.Fatalf("queue after resolve:\n%s", out)
	}
	var rep report
	if err := json.Unmarshal([]byte(must("", "report", "--json", "--since", "1d")), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Conversations != 1 || rep.HandedOff != 1 || rep.CSATCount != 1 || rep.CSATAverage != 4 ||
		len(rep.Unhelpful) != 1 || rep.Unhelpful[0].Intent != "forgot_password" {
		t.Fatalf("report %+v", rep)
	}
	if out := must("", "report"); !strings.Contains(out, "containment") || !strings.Contains(out, "average CSAT        4.00") {
		t.Fatalf("text report:\n%s", out)
	}
	if out := must("", "outbox"); !strings.Contains(out, "pending: 0") || !strings.Contains(out, "dead letters: 0") {
		t.Fatalf("outbox:\n%s", out)
	}
}

func TestDataCommandErrors(t *testing.T) {
	data := map[string]string{"SUPPORTBOT_DATA_DIR": t.TempDir()}
	tests := []struct {
		name string
		vars map[string]string
		args []string
		code int
	}{
		{"no data directory", map[string]string{}, []string{"handoffs"}, 2},
		{"bad since", data, []string{"report", "--since", "soon"}, 2},
		{"retry unknown", data, []string{"outbox", "retry", "99"}, 1},
		{"retry not a number", data, []string{"outbox", "retry", "x"}, 2},
		{"bad hours", data, []string{"chat", "--hours", "mon 9-5"}, 2},
		{"xdg default", map[string]string{"XDG_DATA_HOME": t.TempDir()}, []string{"handoffs"}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if code, out, errOut := runCmd(t, "", tc.vars, tc.args...); code != tc.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.code, out, errOut)
			}
		})
	}
}

// Another company's help center, in other languages with other intents,
// is served from a folder with no code change.
func TestChatServesAnotherHelpCenter(t *testing.T) {
	vars := map[string]string{"SUPPORTBOT_DATA_DIR": t.TempDir(), "SUPPORTBOT_CONTENT_DIR": "../../content/testdata/bookshop"}
	tests := []struct {
		chat, text string
		want       []string
	}{
		{"pt", "oi, cadê a minha encomenda? já faz 10 dias", []string{"rastreio", "Meus pedidos"}},
		{"en", "my card keeps getting declined at checkout", []string{"3-D Secure", "Did this answer"}},
		{"pt2", "olá", []string{"Estante"}},
	}
	for _, tt := range tests {
		t.Run(tt.chat, func(t *testing.T) {
			code, out, errOut := runCmd(t, tt.text+"\n", vars, "chat", "--chat", tt.chat)
			if code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Fatalf("reply lacks %q:\n%s", w, out)
				}
			}
		})
	}
}
