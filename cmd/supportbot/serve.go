package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/bot/metrics"
	"github.com/hexfit/supportbot/content"
	"github.com/hexfit/supportbot/intents"
)

func runServe(ctx context.Context, args []string, e env) error {
	var (
		c contentFlags
		d dataFlags
		g engineFlags
	)
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c.register(fs, e)
	d.register(fs, e)
	g.register(fs, e)
	addr := fs.String("addr", orEnv(e, "SUPPORTBOT_ADDR", "127.0.0.1:8080"), "listen address for webhooks, /healthz, /readyz and /metrics (env SUPPORTBOT_ADDR)")
	metricsAddr := fs.String("metrics-addr", e.getenv("SUPPORTBOT_METRICS_ADDR"), "serve /metrics on this address instead of --addr, e.g. 127.0.0.1:9090 (env SUPPORTBOT_METRICS_ADDR)")
	drain := 5 * time.Second
	if v := e.getenv("SUPPORTBOT_DRAIN"); v != "" {
		dv, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("SUPPORTBOT_DRAIN=%q: want a duration such as 5s: %w", v, errUsage)
		}
		drain = dv
	}
	fs.DurationVar(&drain, "drain", drain, "on shutdown, go on sending due replies for up to this long (env SUPPORTBOT_DRAIN; 0: none)")
	keep := fs.String("retention", e.getenv("SUPPORTBOT_RETENTION"),
		"remove the content of conversations idle for longer than this, e.g. 90d (env SUPPORTBOT_RETENTION; default off)")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	keepFor, err := parseRetention(*keep)
	if err != nil {
		return err
	}
	if drain == 0 {
		drain = -1 // DispatcherConfig reads 0 as its default
	}
	cfg, err := g.config()
	if err != nil {
		return err
	}
	limits, err := readHTTPLimits(e)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(e.stderr, nil))
	live, err := newLiveContent(func() (*content.KB, *intents.Matcher, error) {
		kb, m, err := c.loadMatcher(e)
		if err == nil {
			logContent(log, kb)
		}
		return kb, m, err
	})
	if err != nil {
		return err
	}
	dataDir, err := d.path()
	if err != nil {
		return err
	}
	st, err := openStore(ctx, e, &d)
	if err != nil {
		return err
	}
	defer st.Close()

	// HTTP clients for the platforms: one per process, with timeouts.
	hc := &http.Client{Timeout: 60 * time.Second, Transport: platformTransport()}
	set, err := buildChannels(ctx, e, channelDeps{store: st, log: log, http: hc, dataDir: dataDir, reload: live.Reload, kb: live, limits: limits})
	for _, c := range set.closers {
		defer c() // after the loops below stopped: flushes queued agent-side work
	}
	if err != nil {
		return err
	}
	cfg.Store, cfg.Matcher, cfg.Knowledge, cfg.Logger = st, live, live, log
	if _, shared := st.(leader); shared {
		// Other instances change the same conversations: a cached copy
		// would be stale and fail its version check at almost every
		// message behind a round-robin balancer. Read each time instead.
		cfg.CacheSize = -1
	}
	cfg.Channels = map[string]bot.Capabilities{}
	for _, ch := range set.channels {
		cfg.Channels[ch.Name()] = ch.Capabilities()
	}
	names := make([]string, 0, len(set.channels))
	for _, ch := range set.channels {
		names = append(names, ch.Name())
	}
	// The outbox depth is read from the store at scrape time, so it counts
	// what other instances queued too.
	obs := metrics.New(names, st.PendingOutbox)
	cfg.Observer = obs
	var desk bot.AgentDesk
	if set.desk != nil {
		desk = set.desk
		cfg.Desk = desk
	}
	var disp *bot.Dispatcher
	if len(set.channels) > 0 {
		disp, err = bot.NewDispatcher(bot.DispatcherConfig{Store: st, Channels: set.channels, Desk: desk, Logger: log,
			Observer: obs, Drain: drain})
		if err != nil {
			return err
		}
		cfg.Courier = disp
	}
	eng, err := bot.NewEngine(cfg)
	if err != nil {
		return err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if _, err := st.PendingOutbox(r.Context(), ""); err != nil {
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	if *metricsAddr == "" {
		mux.Handle("GET /metrics", obs.Handler())
	} else {
		mln, err := net.Listen("tcp", *metricsAddr)
		if err != nil {
			return fmt.Errorf("listen for metrics: %w", err)
		}
		mm := http.NewServeMux()
		mm.Handle("GET /metrics", obs.Handler())
		metricsSrv := newHTTPServer(mm, limits)
		go func() { _ = metricsSrv.Serve(mln) }()
		defer metricsSrv.Close()
	}
	for _, rt := range set.routes {
		mux.Handle(rt.pattern, rt.handler(eng))
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := newHTTPServer(mux, limits)
	if set.web != nil {
		// Open event streams would otherwise hold Shutdown until its deadline.
		srv.RegisterOnShutdown(func() { set.web.Close() })
	}
	log.Info("serving", "addr", ln.Addr().String(), "channels", names)
	if set.web != nil {
		fmt.Fprintf(e.stdout, "Web chat demo: %s\n", demoURL(ln.Addr().String()))
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, 4+len(set.receivers))
	start := func(name string, run func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(ctx); err != nil && ctx.Err() == nil {
				errc <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	start("engine", eng.Run)
	ret := retention{after: keepFor, store: st, log: log}
	if set.desk != nil {
		ret.desk = set.desk
	}
	logRetention(log, keepFor)
	start("retention", ret.run)
	if disp != nil {
		start("dispatcher", disp.Run)
	}
	for _, r := range set.receivers {
		start(r.name, func(ctx context.Context) error { return r.run(ctx, eng) })
	}
	if set.desk != nil {
		// Handoffs created while no desk was running get their Slack thread now.
		if err := set.desk.Resync(ctx); err != nil {
			log.Warn("slack: resync open handoffs", "err", err)
		}
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("http: %w", err)
		}
	}()

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	log.Info("shutting down")
	// Stop taking webhooks first, then let the loops finish their work.
	shutCtx, stop := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer stop()
	if err := srv.Shutdown(shutCtx); err != nil {
		log.Warn("http shutdown", "err", err)
	}
	cancel()
	wg.Wait()
	return runErr
}

// maxIdlePerPlatform is how many idle connections to one platform API the
// process keeps. The dispatcher sends to a platform from many goroutines
// at once; with net/http's default of 2, every send beyond the second
// opens a new connection (and TLS session) and closes it afterwards.
const maxIdlePerPlatform = 64

// platformTransport is http.DefaultTransport's setup with room for the
// dispatcher's concurrent sends.
func platformTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = maxIdlePerPlatform
	t.MaxIdleConns = 4 * maxIdlePerPlatform
	return t
}
