package console_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/channels/console"
)

type handlerFunc func(ctx context.Context, m bot.Message) error

func (f handlerFunc) Handle(ctx context.Context, m bot.Message) error { return f(ctx, m) }

func TestRunHandsEachLine(t *testing.T) {
	var out bytes.Buffer
	var got []bot.Message
	after := 0
	ch := console.New(strings.NewReader("hola\n\nsí\n"), &out, console.Options{ChatID: "c1", Locale: "es-MX",
		Audience: bot.Staff, AfterLine: func(context.Context) error { after++; return nil }})
	err := ch.Run(context.Background(), handlerFunc(func(ctx context.Context, m bot.Message) error {
		got = append(got, m)
		if m.Text == "sí" {
			return fmt.Errorf("seen: %w", bot.ErrDuplicate) // acknowledged, not fatal
		}
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || after != 3 {
		t.Fatalf("%d messages, %d after-line calls; want 3 and 3", len(got), after)
	}
	ids := map[string]bool{}
	for _, m := range got {
		if m.Channel != console.Name || m.ChatID != "c1" || m.Locale != "es-MX" || m.Audience != bot.Staff || m.PlatformID == "" {
			t.Fatalf("message %+v", m)
		}
		ids[m.PlatformID] = true
	}
	if len(ids) != 3 {
		t.Fatal("platform ids repeat")
	}
	if got[1].Text != "" {
		t.Fatalf("empty line became %q", got[1].Text)
	}
}

func TestRunStopsOnHandlerError(t *testing.T) {
	ch := console.New(strings.NewReader("a\nb\n"), &bytes.Buffer{}, console.Options{})
	n := 0
	err := ch.Run(context.Background(), handlerFunc(func(ctx context.Context, m bot.Message) error {
		n++
		return errors.New("database down")
	}))
	if err == nil || n != 1 {
		t.Fatalf("err %v after %d messages", err, n)
	}
}

func TestRunEndsWithContext(t *testing.T) {
	r, w := ioPipe()
	defer w.Close()
	ch := console.New(r, &bytes.Buffer{}, console.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- ch.Run(ctx, handlerFunc(func(context.Context, bot.Message) error { return nil })) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

func TestSendPrintsRepliesAndOptions(t *testing.T) {
	tests := []struct {
		name   string
		o      bot.Outbound
		prompt string
		want   string
	}{
		{"bot text", bot.Outbound{ID: 1, Kind: bot.KindBot, Reply: bot.Reply{Text: "line one\nline two"}}, "",
			"bot> line one\n     line two\n"},
		{"agent", bot.Outbound{ID: 2, Kind: bot.KindAgent, Reply: bot.Reply{Text: "Hi, Ana here"}}, "",
			"agent> Hi, Ana here\n"},
		{"buttons numbered", bot.Outbound{ID: 3, Kind: bot.KindBot, Reply: bot.Reply{Text: "Did it help?",
			Buttons: []bot.Button{{Label: "Yes", Payload: "yes"}, {Label: "No", Payload: "no"}}}}, "",
			"bot> Did it help?\n     1. Yes\n     2. No\n"},
		{"prompt redrawn", bot.Outbound{ID: 4, Kind: bot.KindBot, Reply: bot.Reply{Text: "hi"}}, "you> ",
			"\rbot> hi\nyou> "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			ch := console.New(strings.NewReader(""), &out, console.Options{Prompt: tc.prompt})
			id, err := ch.Send(context.Background(), tc.o)
			if err != nil || id == "" {
				t.Fatalf("send: %q %v", id, err)
			}
			if out.String() != tc.want {
				t.Fatalf("printed %q, want %q", out.String(), tc.want)
			}
		})
	}
	if caps := console.New(nil, nil, console.Options{}).Capabilities(); caps.Buttons {
		t.Fatal("the console has no buttons")
	}
}

func TestSendConcurrentWritesDoNotInterleave(t *testing.T) {
	var out bytes.Buffer
	ch := console.New(strings.NewReader(""), &out, console.Options{})
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			ch.Send(context.Background(), bot.Outbound{ID: int64(i), Reply: bot.Reply{Text: "a\nb"}})
		})
	}
	wg.Wait()
	if got := strings.Count(out.String(), "bot> a\n     b\n"); got != 20 {
		t.Fatalf("%d intact replies, want 20:\n%s", got, out.String())
	}
}
