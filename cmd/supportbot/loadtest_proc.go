package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// ltInstance is one `supportbot serve` child process.
type ltInstance struct {
	idx  int
	addr string // 127.0.0.1:port, kept across restarts
	dir  string // --data
	env  []string
	argv []string // command prefix: the executable (and, in tests, its flags)

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd exited
	logf *os.File
}

// ltFreeAddr picks a loopback port for an instance.
func ltFreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// start launches the process and waits until /readyz answers.
func (in *ltInstance) start(ctx context.Context) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	args := append(append([]string(nil), in.argv[1:]...), "serve", "--addr", in.addr, "--data", in.dir)
	cmd := exec.Command(in.argv[0], args...)
	cmd.Env = in.env
	cmd.Stdout, cmd.Stderr = in.logf, in.logf
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("loadtest: start instance %d: %w", in.idx, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	in.cmd, in.done = cmd, done
	return waitReady(ctx, in.addr, done)
}

func waitReady(ctx context.Context, addr string, exited <-chan struct{}) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("loadtest: instance at %s exited during startup (see its log)", addr)
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("loadtest: instance at %s not ready after 30 s", addr)
}

// kill sends SIGKILL and waits for the process to be gone.
func (in *ltInstance) kill() {
	in.mu.Lock()
	cmd, done := in.cmd, in.done
	in.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

// stop asks for a graceful shutdown (SIGTERM), then kills after 15 s.
func (in *ltInstance) stop() {
	in.mu.Lock()
	cmd, done := in.cmd, in.done
	in.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		in.kill()
	}
}

// childEnv is the environment of the instances: the parent's without any
// SUPPORTBOT_ variable, plus the ltPlatforms pointed at the fakes.
func childEnv(fakeURL, dbURL string, extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SUPPORTBOT_") {
			env = append(env, kv)
		}
	}
	env = append(env,
		"SUPPORTBOT_PUBLIC_URL="+ltPublicURL,
		"SUPPORTBOT_TELEGRAM_TOKEN="+ltTelegramToken,
		"SUPPORTBOT_TELEGRAM_WEBHOOK_SECRET="+ltTelegramSecret,
		"SUPPORTBOT_TELEGRAM_API_URL="+fakeURL,
		"SUPPORTBOT_TWILIO_ACCOUNT_SID="+ltTwilioSID,
		"SUPPORTBOT_TWILIO_AUTH_TOKEN="+ltTwilioToken,
		"SUPPORTBOT_TWILIO_SMS_FROM="+ltTwilioFrom,
		"SUPPORTBOT_TWILIO_API_URL="+fakeURL,
		// The fakes enforce none of Telegram's send limits (30 messages/s
		// per bot, about 1/s per chat), and closed-loop clients answer
		// faster than that: the run measures the bot, not those limits.
		// --env may set them back.
		"SUPPORTBOT_TELEGRAM_RATE=100000",
		"SUPPORTBOT_TELEGRAM_CHAT_RATE=1000",
		// Closed-loop clients write faster than a person: the per-contact
		// flood limit would (rightly) stop answering them.
		"SUPPORTBOT_RATE_LIMIT=off",
	)
	if dbURL != "" {
		env = append(env, "SUPPORTBOT_DATABASE_URL="+dbURL)
	}
	return append(env, extra...)
}

// defaultPostgresURL is the developers' local server (trust auth).
const defaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// freshDatabase creates an empty database for this run on the server of
// base and returns its URL and a function dropping it.
func freshDatabase(ctx context.Context, base string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, adminURL(base))
	if err != nil {
		return "", nil, fmt.Errorf("loadtest: connect to PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("supportbot_loadtest_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, fmt.Errorf("loadtest: create database: %w", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, fmt.Errorf("loadtest: database URL: %w", err)
	}
	u.Path = "/" + name
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, adminURL(base))
		if err != nil {
			return
		}
		defer c.Close(ctx)
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
	return u.String(), drop, nil
}

// adminURL is u without the pgxpool parameters (pool_max_conns…) that
// the instances honour but a single connection sends to the server,
// which refuses them.
func adminURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	q := p.Query()
	for k := range q {
		if strings.HasPrefix(k, "pool_") {
			q.Del(k)
		}
	}
	p.RawQuery = q.Encode()
	return p.String()
}

// tableCount tells whether serve really used the database (it creates its
// schema there).
func tableCount(ctx context.Context, dbURL string) (int, error) {
	conn, err := pgx.Connect(ctx, adminURL(dbURL))
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	var n int
	err = conn.QueryRow(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog','information_schema')").Scan(&n)
	return n, err
}

// restartPostgres restarts the local cluster the way the developers' guide
// does.
func restartPostgres(ctx context.Context) error {
	vers, err := os.ReadDir("/etc/postgresql")
	if err != nil || len(vers) == 0 {
		return errors.New("loadtest: no cluster under /etc/postgresql")
	}
	out, err := exec.CommandContext(ctx, "pg_ctlcluster", "--skip-systemctl-redirect", vers[0].Name(), "main", "restart").CombinedOutput()
	if err != nil {
		return fmt.Errorf("loadtest: restart PostgreSQL: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// tail returns the last lines of an instance log, for error reports.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func instanceLog(dir string, i int) string {
	return filepath.Join(dir, fmt.Sprintf("instance-%d.log", i))
}
