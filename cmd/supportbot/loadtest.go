package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// loadConfig is one load-and-fault run.
type loadConfig struct {
	instances, clients, messages int
	duration                     time.Duration // cap on the sending phase
	replyWait                    time.Duration // longest wait for one reply
	settle                       time.Duration // quiet time after the last reply, to catch late duplicates
	db                           string        // sqlite or postgres
	dbURL                        string        // postgres server; a fresh database is made on it
	fault                        string        // none, 429, 500, kill, pgrestart
	kinds                        []string      // client platforms, assigned in turn: telegram, sms
	faultAt, faultFor            time.Duration
	faultAfter                   int64   // and not before this many replies were delivered
	keep                         bool    // keep the data directory and logs
	rate                         float64 // offered messages/s in a paced run; 0: closed loop

	// argv runs the binary (default: this executable); env is appended to
	// the instances' environment. Tests use both.
	argv []string
	env  []string
}

// loadReport is what a run measured.
type loadReport struct {
	elapsed                              time.Duration
	sent, unacked, retries, timeouts     int
	expected, received, lost, duplicated int
	ackP50, ackP99, replyP50, replyP99   time.Duration
	warmAckP50, warmAckP99               time.Duration // of the deliveries that began after warmup
	faulted, callbacks                   int64
	conns, sends                         int64 // connections opened to the platforms, sends accepted
	throughput                           float64
	restarts                             int
	// inDoubt counts the duplicates that are resends of messages the
	// platform accepted from instance 0 just before its SIGKILL: a process
	// killed between a send and its record cannot know the send happened.
	inDoubt             int
	killedAt, restarted time.Time
}

// warmup is the start of a run that the second ack line leaves out: new
// conversations, and new database sessions planning their first
// statements, make the first few hundred milliseconds slower.
const warmup = time.Second

// inDoubtWindow is how long before a SIGKILL a send may have been accepted
// and still not recorded by the killed instance.
const inDoubtWindow = 2 * time.Second

func runLoadtest(ctx context.Context, args []string, e env) error {
	var c loadConfig
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.IntVar(&c.instances, "instances", 1, "serve processes behind the round-robin balancer")
	fs.IntVar(&c.clients, "clients", 100, "concurrent simulated contacts (half Telegram, half SMS)")
	fs.IntVar(&c.messages, "messages", 10, "messages per client, each sent once the previous one was answered")
	fs.Float64Var(&c.rate, "rate", 0, "paced run: offered messages/s across all clients (each client still waits for its reply); 0: as fast as the replies come")
	fs.DurationVar(&c.duration, "duration", 2*time.Minute, "cap on the sending phase")
	fs.DurationVar(&c.replyWait, "reply-wait", 30*time.Second, "longest wait for one reply before the client goes on")
	fs.DurationVar(&c.settle, "settle", 2*time.Second, "quiet time after the last expected reply, to catch late duplicates")
	fs.StringVar(&c.db, "db", "sqlite", "sqlite or postgres")
	fs.StringVar(&c.fault, "fault", "none", "none, 429 or 500 (the platforms refuse sends for --fault-for), kill (SIGKILL instance 0, restart after --fault-for), pgrestart")
	fs.DurationVar(&c.faultAt, "fault-at", time.Second, "when the fault starts, after the first message")
	fs.Int64Var(&c.faultAfter, "fault-after", 0, "start the fault no sooner than this many replies were delivered, so that it lands mid-run however fast the run is")
	fs.DurationVar(&c.faultFor, "fault-for", 3*time.Second, "how long the fault lasts")
	fs.BoolVar(&c.keep, "keep", false, "keep the data directory and instance logs")
	channels := fs.String("channels", "telegram,sms", "platforms of the clients, assigned in turn")
	fs.Func("env", "KEY=VALUE added to the instances' environment (repeatable), e.g. to raise a rate limit", func(v string) error {
		if !strings.Contains(v, "=") {
			return errors.New("want KEY=VALUE")
		}
		c.env = append(c.env, v)
		return nil
	})
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	c.dbURL = orEnv(e, "SUPPORTBOT_DATABASE_URL", defaultPostgresURL)
	c.kinds = splitList(*channels)
	if err := c.check(); err != nil {
		fmt.Fprintf(e.stderr, "supportbot loadtest: %v\n", err)
		return errUsage
	}
	rep, err := loadtest(ctx, c, e.stdout)
	if err != nil {
		return err
	}
	if rep.lost > 0 || rep.duplicated > 0 {
		return fmt.Errorf("%d replies lost, %d duplicated (%d of them in doubt at a SIGKILL)", rep.lost, rep.duplicated, rep.inDoubt)
	}
	return nil
}

// pace returns when client i may send its k-th message (from 0) in a
// paced run: every clients/rate, the clients spread evenly over one
// period. Nil in a closed-loop run.
func (c *loadConfig) pace(i int, start time.Time) func(k int) time.Time {
	if c.rate <= 0 {
		return nil
	}
	every := time.Duration(float64(c.clients) / c.rate * float64(time.Second))
	first := start.Add(time.Duration(float64(i) / c.rate * float64(time.Second)))
	return func(k int) time.Time { return first.Add(time.Duration(k) * every) }
}

func (c *loadConfig) check() error {
	switch {
	case c.instances < 1 || c.instances > 16:
		return errors.New("--instances must be 1..16")
	case c.clients < 1 || c.clients > 20000:
		return errors.New("--clients must be 1..20000")
	case c.messages < 1 || c.messages > 10000:
		return errors.New("--messages must be 1..10000")
	case c.rate < 0 || c.rate > 1e6:
		return errors.New("--rate must be 0..1000000")
	case c.duration <= 0 || c.duration > time.Hour:
		return errors.New("--duration must be positive and at most 1h")
	case len(c.kinds) == 0 || slices.ContainsFunc(c.kinds, func(k string) bool { return k != "telegram" && k != "sms" }):
		return errors.New("--channels must list telegram and/or sms")
	case c.db != "sqlite" && c.db != "postgres":
		return errors.New("--db must be sqlite or postgres")
	case !slices.Contains([]string{"none", "429", "500", "kill", "pgrestart"}, c.fault):
		return errors.New("--fault must be none, 429, 500, kill or pgrestart")
	case c.fault == "pgrestart" && c.db != "postgres":
		return errors.New("--fault pgrestart needs --db postgres")
	}
	return nil
}

// loadtest runs one bounded load-and-fault run on loopback and prints its
// report to out.
func loadtest(ctx context.Context, c loadConfig, out io.Writer) (loadReport, error) {
	var rep loadReport
	if len(c.kinds) == 0 {
		c.kinds = []string{"telegram", "sms"}
	}
	if err := c.check(); err != nil {
		return rep, err
	}
	if c.argv == nil {
		exe, err := os.Executable()
		if err != nil {
			return rep, fmt.Errorf("loadtest: find executable: %w", err)
		}
		c.argv = []string{exe}
	}
	dir, err := os.MkdirTemp("", "supportbot-loadtest-")
	if err != nil {
		return rep, fmt.Errorf("loadtest: %w", err)
	}
	if c.keep {
		fmt.Fprintf(out, "data and logs kept in %s\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}

	p, err := startLtPlatforms()
	if err != nil {
		return rep, err
	}
	defer p.close()

	var dbURL string
	if c.db == "postgres" {
		u, drop, err := freshDatabase(ctx, c.dbURL)
		if err != nil {
			return rep, err
		}
		if !c.keep {
			defer drop()
		}
		dbURL = u
	}

	env := childEnv(p.url, dbURL, c.env)
	insts := make([]*ltInstance, c.instances)
	defer func() {
		var wg sync.WaitGroup
		for _, in := range insts {
			if in != nil {
				wg.Go(in.stop)
			}
		}
		wg.Wait()
		for _, in := range insts {
			if in != nil && in.logf != nil {
				in.logf.Close()
			}
		}
	}()
	for i := range insts {
		addr, err := ltFreeAddr()
		if err != nil {
			return rep, err
		}
		logf, err := os.Create(instanceLog(dir, i))
		if err != nil {
			return rep, err
		}
		// SQLite instances share one data directory, hence one database.
		in := &ltInstance{idx: i, addr: addr, dir: dir + "/data", env: env, argv: c.argv, logf: logf}
		insts[i] = in
		if err := in.start(ctx); err != nil {
			return rep, fmt.Errorf("%w\n%s", err, tail(instanceLog(dir, i), 20))
		}
	}
	if dbURL != "" {
		if n, err := tableCount(ctx, dbURL); err != nil || n == 0 {
			return rep, errors.New("loadtest: serve did not create its schema in PostgreSQL: is SUPPORTBOT_DATABASE_URL wired into serve?")
		}
	}

	b := &balancer{hc: &http.Client{Transport: &http.Transport{
		MaxIdleConns: 4 * c.clients, MaxIdleConnsPerHost: 2 * c.clients, IdleConnTimeout: 30 * time.Second,
	}}}
	for _, in := range insts {
		b.addrs = append(b.addrs, in.addr)
	}
	loop := "closed loop: each client sends its next message once the previous one was answered"
	if c.rate > 0 {
		loop = fmt.Sprintf("paced at %.0f messages/s: each client sends its next message on schedule, once the previous one was answered", c.rate)
	}
	fmt.Fprintf(out, "loadtest: %d instance(s) on %s, %d clients (%s) x %d messages (%s), fault %s\n",
		c.instances, c.db, c.clients, strings.Join(c.kinds, "+"), c.messages, loop, c.fault)

	runCtx, cancel := context.WithTimeout(ctx, c.duration)
	defer cancel()
	start := time.Now()
	faultErr := make(chan error, 1)
	faultDone := make(chan struct{})
	go func() {
		defer close(faultDone)
		faultErr <- injectFault(runCtx, c, p, insts, &rep)
	}()

	var updates atomic.Int64
	results := make([]result, c.clients)
	var wg sync.WaitGroup
	for i := range c.clients {
		pace := c.pace(i, start)
		wg.Go(func() { results[i] = newClient(i, c.kinds, &updates).run(runCtx, b, p, c.messages, c.replyWait, pace) })
	}
	wg.Wait()
	rep.elapsed = time.Since(start)
	cancel()
	<-faultDone
	if err := <-faultErr; err != nil {
		return rep, err
	}

	var acks, warmAcks, replies []time.Duration
	expected := map[string]int{}
	for i, r := range results {
		if r.err != nil {
			return rep, r.err
		}
		rep.sent += r.acked
		rep.unacked += r.unacked
		rep.retries += r.retries
		rep.timeouts += r.timeouts
		acks = append(acks, r.ack...)
		for j, at := range r.ackAt {
			if at.Sub(start) >= warmup {
				warmAcks = append(warmAcks, r.ack[j])
			}
		}
		replies = append(replies, r.reply...)
		expected[newClient(i, c.kinds, &updates).key] = r.acked
	}
	rep.expected = rep.sent

	// Wait for the replies still in the outbox, then a little longer for
	// late duplicates.
	deadline := time.Now().Add(c.replyWait)
	for time.Now().Before(deadline) && ctx.Err() == nil && ltReceived(p, expected) < rep.expected {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(c.settle)
	counts := p.counts()
	var resent map[string]int
	if !rep.killedAt.IsZero() {
		// A send in flight may be recorded by the fake just after the kill returned.
		resent = p.resent(rep.killedAt.Add(-inDoubtWindow), rep.restarted, rep.restarted)
	}
	for key, want := range expected {
		got := counts[key]
		rep.received += got
		if got < want {
			rep.lost += want - got
		} else {
			rep.duplicated += got - want
			rep.inDoubt += min(got-want, resent[key])
		}
	}
	for key, got := range counts {
		if _, ok := expected[key]; !ok {
			rep.received += got
			rep.duplicated += got // a reply to nobody
		}
	}
	rep.ackP50, rep.ackP99 = percentile(acks, 50), percentile(acks, 99)
	rep.warmAckP50, rep.warmAckP99 = percentile(warmAcks, 50), percentile(warmAcks, 99)
	rep.replyP50, rep.replyP99 = percentile(replies, 50), percentile(replies, 99)
	rep.faulted, rep.callbacks = p.faulted.Load(), p.callbacks.Load()
	rep.conns, rep.sends = p.conns.Load(), p.sends.Load()
	if s := rep.elapsed.Seconds(); s > 0 {
		rep.throughput = float64(rep.sent) / s
	}
	rep.print(out)
	return rep, nil
}

func ltReceived(p *ltPlatforms, expected map[string]int) int {
	counts := p.counts()
	n := 0
	for key, want := range expected {
		n += min(counts[key], want)
	}
	return n
}

// injectFault performs c.fault at c.faultAt and undoes it after c.faultFor.
func injectFault(ctx context.Context, c loadConfig, p *ltPlatforms, insts []*ltInstance, rep *loadReport) error {
	if c.fault == "none" {
		return nil
	}
	select {
	case <-ctx.Done():
		return nil
	case <-time.After(c.faultAt):
	}
	for p.sends.Load() < c.faultAfter {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(5 * time.Millisecond):
		}
	}
	switch c.fault {
	case "429", "500":
		mode := fault429
		if c.fault == "500" {
			mode = fault500
		}
		p.fault.Store(int32(mode))
		time.Sleep(c.faultFor) // the whole period, even past the cap: replies are owed anyway
		p.fault.Store(int32(faultOff))
	case "kill":
		insts[0].kill()
		rep.killedAt = time.Now()
		time.Sleep(c.faultFor)
		rep.restarted = time.Now()
		if err := insts[0].start(context.WithoutCancel(ctx)); err != nil {
			return fmt.Errorf("loadtest: restart after SIGKILL: %w", err)
		}
		rep.restarts++
	case "pgrestart":
		if err := restartPostgres(context.WithoutCancel(ctx)); err != nil {
			return err
		}
		rep.restarts++
	}
	return nil
}

func percentile(d []time.Duration, q int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[min(len(d)-1, (len(d)*q+99)/100-1)]
}

func (r loadReport) print(w io.Writer) {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
	fmt.Fprintf(w, "  duration            %.2f s\n", r.elapsed.Seconds())
	fmt.Fprintf(w, "  throughput          %.0f messages/s\n", r.throughput)
	fmt.Fprintf(w, "  webhook ack         p50 %s   p99 %s   (%d redeliveries after 5xx or connection errors)\n", ms(r.ackP50), ms(r.ackP99), r.retries)
	if r.warmAckP99 > 0 {
		fmt.Fprintf(w, "  webhook ack, warm   p50 %s   p99 %s   (deliveries begun after the first %v)\n", ms(r.warmAckP50), ms(r.warmAckP99), warmup)
	}
	fmt.Fprintf(w, "  reply latency       p50 %s   p99 %s   (webhook POST to reply at the fake platform)\n", ms(r.replyP50), ms(r.replyP99))
	fmt.Fprintf(w, "  platform faults     %d sends refused, %d restarts\n", r.faulted, r.restarts)
	fmt.Fprintf(w, "  platform conns      %d opened for %d sends\n", r.conns, r.sends)
	fmt.Fprintf(w, "  messages sent       %d  (%d not acknowledged before the cap)\n", r.sent, r.unacked)
	fmt.Fprintf(w, "  replies expected    %d\n", r.expected)
	fmt.Fprintf(w, "  replies received    %d  (%d waits over --reply-wait)\n", r.received, r.timeouts)
	fmt.Fprintf(w, "  lost                %d\n", r.lost)
	if r.killedAt.IsZero() {
		fmt.Fprintf(w, "  duplicated          %d\n", r.duplicated)
	} else {
		fmt.Fprintf(w, "  duplicated          %d  (%d resends of sends in flight at the SIGKILL: accepted by the platform, not yet recorded)\n", r.duplicated, r.inDoubt)
	}
}
