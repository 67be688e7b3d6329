// Command stagewise serves the Stagewise API and web UI.
//
//	stagewise serve [--addr 127.0.0.1:8080] [--db ./stagewise.db | --database-url postgres://…] [--demo]
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
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/stagewise/stagewise/api"
	"github.com/stagewise/stagewise/models/store"
	"github.com/stagewise/stagewise/workflow"
	"github.com/stagewise/stagewise/workflow/diagram"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "stagewise:", err)
		var ec exitCoder
		if errors.As(err, &ec) {
			os.Exit(ec.ExitCode())
		}
		os.Exit(1)
	}
}

// config is every setting, from flags and STAGEWISE_* variables; the
// defaults live here and nowhere else.
type config struct {
	Addr         string
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
	fs.StringVar(&c.DB, "db", env("DB", "./stagewise.db"), "SQLite database file (STAGEWISE_DB)")
	fs.StringVar(&c.DatabaseURL, "database-url", env("DATABASE_URL", ""), "PostgreSQL URL; overrides --db (STAGEWISE_DATABASE_URL)")
	fs.BoolVar(&c.Demo, "demo", env("DEMO", "") == "1" || env("DEMO", "") == "true", "load the demonstration study (STAGEWISE_DEMO=1)")
	fs.StringVar(&c.LogLevel, "log-level", env("LOG_LEVEL", "info"), "debug, info, warn or error (STAGEWISE_LOG_LEVEL)")
	limit, err := strconv.ParseInt(env("BODY_LIMIT", strconv.Itoa(1<<20)), 10, 64)
	if err != nil {
		return c, fmt.Errorf("STAGEWISE_BODY_LIMIT: %w", err)
	}
	fs.Int64Var(&c.BodyLimit, "body-limit", limit, "largest JSON request body in bytes (STAGEWISE_BODY_LIMIT)")
	fs.DurationVar(&c.ReadTimeout, "read-timeout", 60*time.Second, "HTTP read timeout, body included")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", 120*time.Second, "HTTP write timeout")
	fs.IntVar(&c.ReadConns, "read-conns", 8, "database read connections")
	fs.BoolVar(&c.TrustProxy, "trust-proxy", env("TRUST_PROXY", "") == "1" || env("TRUST_PROXY", "") == "true",
		"take client addresses from X-Forwarded-For/X-Real-IP; only behind a proxy that sets them (STAGEWISE_TRUST_PROXY=1)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	c.AdminToken = getenv("STAGEWISE_ADMIN_TOKEN")
	return c, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stdout, "usage: stagewise serve [--addr 127.0.0.1:8080] [--db ./stagewise.db | --database-url postgres://…] [--demo]\n       stagewise backup --db ./stagewise.db --to FILE\n       stagewise version")
		return nil
	}
	switch args[0] {
	case "version":
		fmt.Fprintln(stdout, version)
		return nil
	case "backup":
		return backup(ctx, args[1:], getenv, stdout, stderr)
	case "serve":
	default:
		return fmt.Errorf("unknown command %q (try: stagewise serve)", args[0])
	}
	cfg, err := parseConfig(args[1:], getenv, stderr)
	if err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))

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
	if cfg.AdminToken != "" {
		if _, err := svc.EnsureAdmin(ctx, cfg.AdminToken); err != nil {
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
	e, err := api.New(api.Deps{Log: log, Service: svc, Health: st, Renderer: renderer, Registry: reg, BodyLimit: cfg.BodyLimit, EngineVersion: version, TrustProxy: cfg.TrustProxy})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           e,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	base := "http://" + ln.Addr().String()
	log.Info("serving", "addr", ln.Addr().String(), "database", string(st.Dialect()), "version", version)
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
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shut, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = srv.Shutdown(shut)
	// Reviews already queued for the group commit are written before the
	// store closes.
	svc.StopBatching()
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// exitCoder is an error that chooses the process's exit status.
type exitCoder interface{ ExitCode() int }

type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }
func (e exitError) ExitCode() int { return e.code }

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
