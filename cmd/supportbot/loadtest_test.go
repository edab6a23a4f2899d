package main

import (
	"bytes"
	"context"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLoadtestHelperServe is not a test: it is the `supportbot serve`
// child process of the load tests (the test binary re-executed with
// SUPPORTBOT_LOADTEST_CHILD=1).
func TestLoadtestHelperServe(t *testing.T) {
	if os.Getenv("SUPPORTBOT_LOADTEST_CHILD") != "1" {
		return
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, args, env{os.Stdin, os.Stdout, os.Stderr, os.Getenv}))
}

func TestLoadtestSmall(t *testing.T) {
	tests := []struct {
		name  string
		fault string
		inst  int
		db    string
		rate  float64
	}{
		{"sqlite", "none", 1, "sqlite", 0},
		{"platform 429", "429", 1, "sqlite", 0},
		{"instance killed", "kill", 1, "sqlite", 0},
		{"postgres, 2 instances", "none", 2, "postgres", 0},
		{"paced", "none", 1, "sqlite", 40}, // 1.5 s: past the warm-up
	}
	pgURL := defaultPostgresURL // the server of the development and CI machines
	if u := os.Getenv("SUPPORTBOT_TEST_DATABASE_URL"); u != "" {
		pgURL = u
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			c := loadConfig{instances: tt.inst, clients: 10, messages: 6, duration: 40 * time.Second,
				replyWait: 15 * time.Second, settle: time.Second, db: tt.db, dbURL: pgURL, fault: tt.fault, rate: tt.rate,
				faultAt: 0, faultAfter: 20, faultFor: time.Second, // a third into the run
				argv: []string{os.Args[0], "-test.run=^TestLoadtestHelperServe$", "--"},
				env:  []string{"SUPPORTBOT_LOADTEST_CHILD=1"}}
			rep, err := loadtest(context.Background(), c, &out)
			t.Log("\n" + out.String())
			if err != nil {
				t.Fatal(err)
			}
			// A SIGKILL between a platform accepting a reply and the store
			// recording it makes that reply go out twice: every duplicate
			// must be such a resend, never a second answer or a lost one.
			if rep.sent != 60 || rep.lost != 0 || rep.duplicated != rep.inDoubt || rep.received != 60+rep.inDoubt {
				t.Errorf("sent %d, received %d, lost %d, duplicated %d (%d in doubt at the kill); want 60, 60, 0, 0",
					rep.sent, rep.received, rep.lost, rep.duplicated, rep.inDoubt)
			}
			if rep.inDoubt > 10 {
				t.Errorf("%d resends after the kill; at most one per client (10) can be in flight", rep.inDoubt)
			}
			switch tt.fault {
			case "429":
				if rep.faulted == 0 {
					t.Error("the ltPlatforms refused no send during the 429 period")
				}
			case "kill":
				if rep.restarts != 1 {
					t.Errorf("%d restarts, want 1", rep.restarts)
				}
			}
			// Calls reuse kept-alive connections: each process has at most
			// one send and one button answer per client in flight, and a
			// few start-up calls (without reuse: about one per send).
			if most := int64((tt.inst + rep.restarts) * (2*c.clients + 4)); rep.conns > most {
				t.Errorf("%d platform connections for %d sends, want at most %d: connections are not reused", rep.conns, rep.sends, most)
			}
			if tt.rate > 0 && rep.throughput > 1.1*tt.rate {
				t.Errorf("paced at %.0f messages/s, ran at %.0f", tt.rate, rep.throughput)
			}
			if tt.rate > 0 && rep.warmAckP99 == 0 {
				t.Error("no ack latency measured after the warm-up")
			}
			if rep.callbacks == 0 {
				t.Error("no Telegram button press was answered")
			}
		})
	}
}

func TestLoadtestPace(t *testing.T) {
	start := time.Now()
	tests := []struct {
		name          string
		rate          float64
		clients, i, k int
		want          time.Duration // after start
	}{
		{"closed loop", 0, 10, 3, 5, -1},
		{"first message of client 0", 100, 10, 0, 0, 0},
		{"clients spread over one period", 100, 10, 3, 0, 30 * time.Millisecond},
		{"one period between a client's messages", 100, 10, 3, 2, 230 * time.Millisecond},
		{"fewer clients than messages/s", 1000, 4, 1, 1, 5 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := loadConfig{rate: tt.rate, clients: tt.clients}
			pace := c.pace(tt.i, start)
			if tt.want < 0 {
				if pace != nil {
					t.Error("closed loop got a pace")
				}
				return
			}
			if got := pace(tt.k).Sub(start); got != tt.want {
				t.Errorf("message %d of client %d due at %v, want %v", tt.k, tt.i, got, tt.want)
			}
		})
	}
}

func TestLoadtestFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"loadtest", "--db", "mysql"}, "--db must be"},
		{[]string{"loadtest", "--fault", "pgrestart"}, "needs --db postgres"},
		{[]string{"loadtest", "--clients", "0"}, "--clients must be"},
		{[]string{"loadtest", "--rate", "-5"}, "--rate must be"},
	}
	for _, tt := range tests {
		code, _, errOut := runCmd(t, "", nil, tt.args...)
		if code != 2 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
}

func TestLtPlatformsResent(t *testing.T) {
	t0 := time.Now()
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	type msg struct {
		at   float64
		text string
	}
	tests := []struct {
		name string
		msgs []msg
		want int
	}{
		{"resend after the restart", []msg{{0.5, "a"}, {1.9, "b"}, {3.5, "b"}}, 1},
		{"a different text is no resend", []msg{{1.9, "b"}, {3.5, "c"}}, 0},
		{"sent long before the kill", []msg{{-5, "b"}, {3.5, "b"}}, 0},
		{"again before the restart", []msg{{1.9, "b"}, {2.5, "b"}}, 0},
		{"each resend counted once", []msg{{1.8, "b"}, {1.9, "b"}, {3.5, "b"}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &ltPlatforms{chats: map[string]*chatLog{}}
			c := p.log("sms:1")
			for _, m := range tt.msgs {
				c.times = append(c.times, at(m.at))
				c.texts = append(c.texts, m.text)
			}
			// Killed at 2 s, restarted at 3 s.
			if got := p.resent(at(2).Add(-inDoubtWindow), at(2), at(3))["sms:1"]; got != tt.want {
				t.Errorf("resent = %d, want %d", got, tt.want)
			}
		})
	}
}
