// Command stagewise serves the Stagewise API and web UI.
//
//	stagewise serve [--addr 127.0.0.1:8080] [--db ./stagewise.db | --database-url postgres://…] [--demo] [--metrics-addr …]
//	stagewise version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/stagewise/stagewise/api"
	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/models/store"
	"github.com/stagewise/stagewise/workflow"
	"github.com/stagewise/stagewise/workflow/diagram"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	os.Exit(exitCode(run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr), os.Stderr))
}

// usageError is a command line the program cannot act on: exit status 2,
// as flag parsing errors conventionally are.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

// exitCode maps run's result to the process's exit status: 0 for success
// and for -h, 2 for a bad command line, 1 for any other failure.
func exitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(usageError)):
		fmt.Fprintln(stderr, "stagewise:", err)
		return 2
	case errors.As(err, new(exitError)):
		var ee exitError
		errors.As(err, &ee)
		fmt.Fprintln(stderr, "stagewise:", err)
		return ee.code
	default:
		fmt.Fprintln(stderr, "stagewise:", err)
		return 1
	}
}

const usage = `usage: stagewise <command> [flags]

commands:
  serve     serve the API and the web UI (stagewise serve -h lists its flags)
  backup    copy a live SQLite database: stagewise backup --db ./stagewise.db --to FILE
  version   print the version`

// commands are the sub-commands; each parses its own flags.
var commands = map[string]func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error{
	"serve":  serve,
	"backup": backup,
	"version": func(_ context.Context, _ []string, _ func(string) string, stdout, _ io.Writer) error {
		fmt.Fprintln(stdout, version)
		return nil
	},
}

// run is the whole program: main only maps its error to an exit status.
// Tests call it with their own arguments, environment and outputs; ctx
// ending stops a running server as SIGINT and SIGTERM do.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stdout, usage)
		return nil
	}
	cmd, ok := commands[args[0]]
	if !ok {
		return usageError{fmt.Errorf("unknown command %q (try: stagewise serve)", args[0])}
	}
	return cmd(ctx, args[1:], getenv, stdout, stderr)
}

// config is every setting of serve, from flags and STAGEWISE_* variables;
// flags win, and the defaults live here and nowhere else.
type config struct {
	Addr         string
	MetricsAddr  string
	DB           string
	DatabaseURL  string
	AdminToken   string
	Demo         bool
	LogLevel     string
	BodyLimit    int64
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	ReadConns    int
	TrustProxy   bool
}

func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	env := func(name, def string) string {
		if v := getenv("STAGEWISE_" + name); v != "" {
			return v
		}
		return def
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	fs.StringVar(&c.Addr, "addr", env("ADDR", "127.0.0.1:8080"), "listen address (STAGEWISE_ADDR)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", env("METRICS_ADDR", ""), "serve /metrics on this address only, not on --addr (STAGEWISE_METRICS_ADDR)")
	fs.StringVar(&c.DB, "db", env("DB", "./stagewise.db"), "SQLite database file (STAGEWISE_DB)")
	fs.StringVar(&c.DatabaseURL, "database-url", env("DATABASE_URL", ""), "PostgreSQL URL; overrides --db (STAGEWISE_DATABASE_URL)")
	fs.BoolVar(&c.Demo, "demo", env("DEMO", "") == "1" || env("DEMO", "") == "true", "load the demonstration study (STAGEWISE_DEMO=1)")
	fs.StringVar(&c.LogLevel, "log-level", env("LOG_LEVEL", "info"), "debug, info, warn or error (STAGEWISE_LOG_LEVEL)")
	limit, err := strconv.ParseInt(env("BODY_LIMIT", strconv.Itoa(1<<20)), 10, 64)
	if err != nil {
		return c, usageError{fmt.Errorf("STAGEWISE_BODY_LIMIT: %w", err)}
	}
	fs.Int64Var(&c.BodyLimit, "body-limit", limit, "largest JSON request body in bytes (STAGEWISE_BODY_LIMIT)")
	fs.DurationVar(&c.ReadTimeout, "read-timeout", 60*time.Second, "HTTP read timeout, body included")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", 120*time.Second, "HTTP write timeout")
	fs.IntVar(&c.ReadConns, "read-conns", 8, "database read connections")
	fs.BoolVar(&c.TrustProxy, "trust-proxy", env("TRUST_PROXY", "") == "1" || env("TRUST_PROXY", "") == "true",
		"take client addresses from X-Forwarded-For/X-Real-IP; only behind a proxy that sets them (STAGEWISE_TRUST_PROXY=1)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, err
		}
		return c, usageError{err}
	}
	if fs.NArg() > 0 {
		return c, usageError{fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))}
	}
	if c.BodyLimit <= 0 {
		return c, usageError{fmt.Errorf("--body-limit must be positive, not %d", c.BodyLimit)}
	}
	if c.ReadConns <= 0 {
		return c, usageError{fmt.Errorf("--read-conns must be positive, not %d", c.ReadConns)}
	}
	if c.MetricsAddr != "" && c.MetricsAddr == c.Addr && !strings.HasSuffix(c.Addr, ":0") {
		return c, usageError{errors.New("--metrics-addr must differ from --addr")}
	}
	c.AdminToken = getenv("STAGEWISE_ADMIN_TOKEN")
	return c, nil
}

// logAttrs is the configuration as logged at start-up: secrets masked.
func (c config) logAttrs() []any {
	admin := "unset"
	if c.AdminToken != "" {
		admin = "set (masked)"
	}
	db := slog.String("db", c.DB)
	if c.DatabaseURL != "" {
		db = slog.String("database_url", maskDatabaseURL(c.DatabaseURL))
	}
	metrics := c.MetricsAddr
	if metrics == "" {
		metrics = "on --addr"
	}
	return []any{slog.String("addr", c.Addr), slog.String("metrics_addr", metrics), db, slog.String("admin_token", admin),
		slog.Bool("demo", c.Demo), slog.String("log_level", c.LogLevel), slog.Int64("body_limit", c.BodyLimit),
		slog.Duration("read_timeout", c.ReadTimeout), slog.Duration("write_timeout", c.WriteTimeout), slog.Int("read_conns", c.ReadConns),
		slog.String("version", version)}
}

var dsnPassword = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

// maskDatabaseURL hides the password of a postgres:// URL (user info or a
// password= parameter) or of a key=value connection string.
func maskDatabaseURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.Scheme != "" {
		q := u.Query()
		if q.Has("password") {
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		return u.Redacted()
	}
	return dsnPassword.ReplaceAllString(s, "${1}xxxxx")
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return usageError{fmt.Errorf("--log-level: %w", err)}
	}
	// Every line logged with a request's context carries its request id.
	log := slog.New(models.LogHandler(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level})))
	log.Info("configuration", cfg.logAttrs()...)

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	st, err := store.Open(ctx, store.Config{SQLitePath: cfg.DB, DatabaseURL: cfg.DatabaseURL, ReadConns: cfg.ReadConns})
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	svc := workflow.New(st, log)
	// Reviews already queued for the group commit are written before the
	// store closes, however serve ends (defers run last in, first out).
	defer svc.StopBatching()
	if cfg.AdminToken != "" {
		if _, err := svc.Users.EnsureAdmin(ctx, cfg.AdminToken); err != nil {
			return err
		}
	}
	var demo *workflow.DemoResult
	if cfg.Demo {
		d, err := svc.SeedDemo(ctx)
		if err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
		demo = &d
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	renderer := &diagram.Renderer{}
	defer renderer.Close()
	e, err := api.New(api.Deps{Log: log, Service: svc, Health: st, Renderer: renderer, Registry: reg, BodyLimit: cfg.BodyLimit,
		EngineVersion: version, MetricsElsewhere: cfg.MetricsAddr != "", TrustProxy: cfg.TrustProxy})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	servers := []*http.Server{{
		Handler:           e,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}}
	listeners := []net.Listener{ln}
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("--metrics-addr: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", api.MetricsHandler(reg))
		servers = append(servers, &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
			WriteTimeout: 30 * time.Second, MaxHeaderBytes: 64 << 10})
		listeners = append(listeners, mln)
	}
	base := "http://" + ln.Addr().String()
	attrs := []any{"addr", ln.Addr().String(), "database", string(st.Dialect()), "version", version}
	if len(listeners) > 1 {
		attrs = append(attrs, "metrics_addr", listeners[1].Addr().String())
	}
	log.Info("serving", attrs...)
	if demo != nil {
		fmt.Fprintf(stdout, "Stagewise is running at %s/ with the demonstration study %q.\n\n", base, workflow.DemoSlug)
		fmt.Fprintf(stdout, "  PI token (Demo PI):          %s\n  client token (read-only):    %s\n\n", demo.PIToken, demo.ClientToken)
		if len(demo.Invitations) > 0 {
			fmt.Fprintf(stdout, "Panelists and coders sign in by claiming their invitation (one use each):\n")
			for _, inv := range demo.Invitations {
				fmt.Fprintf(stdout, "  %-12s %-11s %s/#/claim/%s\n", inv.User.Role, inv.User.Name, base, inv.Code)
			}
			fmt.Fprintln(stdout)
		}
		fmt.Fprintf(stdout, "Try:\n  curl -H 'Authorization: Bearer %s' %s/api/v1/models/%s/versions/latest\n\n", demo.ClientToken, base, workflow.DemoSlug)
		fmt.Fprintf(stdout, "Tokens and invitations are new on every start with --demo. Press Ctrl-C to stop.\n")
	}
	errc := make(chan error, len(servers))
	for i, srv := range servers {
		go func() { errc <- srv.Serve(listeners[i]) }()
	}
	// Either a signal (or ctx) ends serving, or a server fails; both paths
	// shut every server down, drain the review batcher and close the store.
	var serveErr error
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			serveErr = fmt.Errorf("serve: %w", err)
		}
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shut, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var shutErr error
	for _, srv := range servers {
		if err := srv.Shutdown(shut); err != nil {
			shutErr = errors.Join(shutErr, fmt.Errorf("shutdown: %w", err))
		}
	}
	return errors.Join(serveErr, shutErr)
}

// exitError is a failure with its own exit status (stagewise backup).
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

// Exit statuses of stagewise backup (README "Backups and restore").
const (
	exitBackupFailed = 1 // the database could not be read or the copy failed its integrity check
	exitUsage        = 2 // wrong flags or arguments
	exitExists       = 3 // the destination exists; nothing was written
)

// backup writes a consistent copy of a live SQLite database (stagewise
// backup --db ./stagewise.db --to FILE); stagewise serve may go on
// writing meanwhile. Serving from the copy is the restore.
func backup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := getenv("STAGEWISE_DB")
	if def == "" {
		def = "./stagewise.db"
	}
	db := fs.String("db", def, "the SQLite database file to back up (STAGEWISE_DB)")
	to := fs.String("to", "", "the backup file to write; must not exist")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return exitError{exitUsage, err}
	}
	switch {
	case fs.NArg() > 0:
		return exitError{exitUsage, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))}
	case *to == "":
		return exitError{exitUsage, errors.New("backup: --to FILE is required")}
	case getenv("STAGEWISE_DATABASE_URL") != "":
		fmt.Fprintln(stderr, "stagewise: note: STAGEWISE_DATABASE_URL is set, but backup copies the SQLite file --db; back up PostgreSQL with pg_dump")
	}
	info, err := store.BackupSQLite(ctx, *db, *to)
	if errors.Is(err, store.ErrDestinationExists) {
		return exitError{exitExists, err}
	}
	if err != nil {
		return exitError{exitBackupFailed, err}
	}
	fmt.Fprintf(stdout, "backed up %s to %s: %d bytes in %s, integrity check ok\n", *db, *to, info.Bytes, info.Duration.Round(time.Millisecond))
	return nil
}
