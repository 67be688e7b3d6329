// Command loadbench measures GET /api/v1/models/{slug}/versions/latest on
// the real stagewise binary against a minimal Echo handler that returns the
// same bytes, in the same run, with the servers pinned to one core and the
// load generator to another. It prints requests per second, latency
// percentiles and the ratio. It uses wrk when it is on PATH (Debian package
// wrk) and a built-in Go generator otherwise. With --before, an earlier
// build is measured in the same rounds, for before and after figures that
// the host's load hits alike; the host's load average is printed with the
// figures.
//
//	go build -o stagewise ./cmd/stagewise && go run ./cmd/loadbench --bin ./stagewise
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) > 0 && args[0] == "minimal" {
		return minimal(args[1:])
	}
	fs := flag.NewFlagSet("loadbench", flag.ContinueOnError)
	bin := fs.String("bin", "./stagewise", "the stagewise binary to measure")
	duration := fs.Duration("duration", 10*time.Second, "length of each measured run")
	conns := fs.Int("connections", 50, "concurrent connections")
	rounds := fs.Int("rounds", 3, "measured runs per target, alternating")
	serverCPU := fs.String("server-cpu", "0", "taskset CPU list for the servers")
	loadCPU := fs.String("load-cpu", "1", "taskset CPU list for the load generator")
	builtin := fs.Bool("builtin", false, "use the built-in Go generator even when wrk is available")
	before := fs.String("before", "", "an earlier stagewise binary to measure in the same rounds (before and after figures)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "loadbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	sw, err := startStagewise(ctx, *bin, *serverCPU, filepath.Join(dir, "bench.db"))
	if err != nil {
		return err
	}
	defer sw.stop()
	body, etag, err := fetch(sw.url, sw.token)
	if err != nil {
		return err
	}
	bodyFile := filepath.Join(dir, "body.json")
	if err := os.WriteFile(bodyFile, body, 0o600); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	p2 := freePort()
	mini := exec.CommandContext(ctx, "taskset", "-c", *serverCPU, self, "minimal", "--addr", "127.0.0.1:"+p2, "--body", bodyFile, "--etag", etag)
	mini.Stderr = os.Stderr
	if err := mini.Start(); err != nil {
		return err
	}
	defer mini.Process.Kill()
	base := &target{name: "minimal", url: "http://127.0.0.1:" + p2 + "/api/v1/models/renegotiating-tasks-goals/versions/latest",
		token: sw.token, pid: mini.Process.Pid} // taskset execs: the servers' own pids
	if _, _, err := fetchRetry(base.url, base.token); err != nil {
		return err
	}
	// An earlier build measured in the same rounds: drift and the host's
	// load then hit the before and after figures alike.
	var prev *target
	if *before != "" {
		if prev, err = startStagewise(ctx, *before, *serverCPU, filepath.Join(dir, "before.db")); err != nil {
			return err
		}
		defer prev.stop()
		prev.name = "before"
	}
	useWrk := !*builtin
	if _, err := exec.LookPath("wrk"); err != nil {
		useWrk = false
	}
	tool := "built-in Go generator"
	if useWrk {
		tool = "wrk"
	}
	fmt.Printf("body %d bytes; %d connections; %s per run; servers on CPU %s, %s on CPU %s; host load %s\n",
		len(body), *conns, *duration, *serverCPU, tool, *loadCPU, loadAvg())
	measure := func(t *target, d time.Duration) (result, error) {
		before := cpuTime(t.pid)
		var r result
		var err error
		if useWrk {
			r, err = wrk(ctx, *loadCPU, t.url, t.token, *conns, d)
		} else {
			r, err = generate(t.url, t.token, *conns, d)
		}
		if after := cpuTime(t.pid); err == nil && after > before && r.rps > 0 {
			r.cpuUS = float64(after-before) * 1e6 / clockTicks / (r.rps * d.Seconds())
		}
		return r, err
	}
	targets := []*target{base, sw}
	if prev != nil {
		targets = []*target{base, prev, sw}
	}
	// Warm all up, then alternate so drift hits all alike.
	for _, t := range targets {
		if _, err := measure(t, 2*time.Second); err != nil {
			return err
		}
	}
	runs := map[*target][]result{}
	for i := 0; i < *rounds; i++ {
		line := fmt.Sprintf("run %d:", i+1)
		for j, t := range targets {
			r, err := measure(t, *duration)
			if err != nil {
				return err
			}
			runs[t] = append(runs[t], r)
			if j > 0 {
				line += " |"
			}
			line += fmt.Sprintf(" %s %.0f req/s p99 %.2f ms %.1f µs CPU/req", t.name, r.rps, r.p99ms, r.cpuUS)
		}
		fmt.Println(line)
	}
	fmt.Printf("\nmedian of %d runs (host load %s)\n", *rounds, loadAvg())
	m := median(runs[base])
	fmt.Printf("  minimal Echo handler: %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms\n", m.rps, m.p50ms, m.p99ms)
	for _, t := range targets[1:] {
		label := "stagewise latest:"
		if t == prev {
			label = "before (--before):"
		}
		r := median(runs[t])
		fmt.Printf("  %-20s %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms\n", label, r.rps, r.p50ms, r.p99ms)
	}
	for _, t := range targets[1:] {
		sws, mins := runs[t], runs[base]
		s := median(sws)
		fmt.Printf("  %s: %.1f %% of the minimal handler's requests per second (target ≥ 75 %%); p99 target < 10 ms\n", t.name, 100*s.rps/m.rps)
		ratios := make([]float64, len(sws))
		for i := range sws {
			ratios[i] = sws[i].rps / mins[i].rps
		}
		slices.Sort(ratios)
		fmt.Printf("    per-run ratios (each run's servers measured back to back): %s; median %.1f %%\n", percents(ratios), 100*ratios[len(ratios)/2])
		// On a busy host the servers wait for a core, and requests per second
		// measure the host; the CPU time each server spent per request does not.
		var cpu []float64
		for i := range sws {
			if sws[i].cpuUS > 0 {
				cpu = append(cpu, mins[i].cpuUS/sws[i].cpuUS)
			}
		}
		if len(cpu) > 0 {
			slices.Sort(cpu)
			fmt.Printf("    CPU per request, minimal ÷ %s, per run: %s; median %.1f %% (the ratio a quiet host would show)\n",
				t.name, percents(cpu), 100*cpu[len(cpu)/2])
		}
	}
	return nil
}

// target is one server under measurement.
type target struct {
	name, url, token string
	pid              int
	stop             func()
}

// startStagewise starts bin with the demonstration study on a fresh
// database and returns the latest-version URL and the client token.
func startStagewise(ctx context.Context, bin, cpu, db string) (*target, error) {
	port := freePort()
	cmd := exec.CommandContext(ctx, "taskset", "-c", cpu, bin, "serve", "--demo", "--db", db,
		"--addr", "127.0.0.1:"+port, "--log-level", "error")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	token, err := clientToken(out)
	if err != nil {
		cmd.Process.Kill()
		return nil, err
	}
	go io.Copy(io.Discard, out)
	return &target{name: "stagewise", url: "http://127.0.0.1:" + port + "/api/v1/models/renegotiating-tasks-goals/versions/latest",
		token: token, pid: cmd.Process.Pid, stop: func() { cmd.Process.Kill() }}, nil
}

// loadAvg is the host's load average over 1, 5 and 15 minutes.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

type result struct{ rps, p50ms, p99ms, cpuUS float64 }

// clockTicks is Linux's USER_HZ, the unit of /proc/<pid>/stat's times.
const clockTicks = 100

// cpuTime is the user and system CPU time of process pid so far, in clock
// ticks (0 where /proc is not available).
func cpuTime(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return u + st
}

func percents(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.1f %%", 100*x)
	}
	return strings.Join(parts, ", ")
}

func median(rs []result) result {
	pick := func(f func(result) float64) float64 {
		xs := make([]float64, len(rs))
		for i, r := range rs {
			xs[i] = f(r)
		}
		slices.Sort(xs)
		return xs[len(xs)/2]
	}
	return result{pick(func(r result) float64 { return r.rps }), pick(func(r result) float64 { return r.p50ms }), pick(func(r result) float64 { return r.p99ms }),
		pick(func(r result) float64 { return r.cpuUS })}
}

func freePort() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

func clientToken(r io.Reader) (string, error) {
	sc := bufio.NewScanner(r)
	deadline := time.After(60 * time.Second)
	lines := make(chan string)
	go func() {
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				return "", errors.New("stagewise exited before printing a client token")
			}
			if strings.Contains(l, "client token") {
				f := strings.Fields(l)
				return f[len(f)-1], nil
			}
		case <-deadline:
			return "", errors.New("no client token within 60 s")
		}
	}
}

func fetch(url, token string) ([]byte, string, error) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return nil, "", fmt.Errorf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return b, resp.Header.Get("ETag"), err
}

func fetchRetry(url, token string) ([]byte, string, error) {
	var err error
	for i := 0; i < 100; i++ {
		var b []byte
		var etag string
		if b, etag, err = fetch(url, token); err == nil {
			return b, etag, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil, "", err
}

var (
	rpsRe = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	latRe = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$`)
)

func wrk(ctx context.Context, cpu, url, token string, conns int, d time.Duration) (result, error) {
	cmd := exec.CommandContext(ctx, "taskset", "-c", cpu, "wrk", "-t1", "-c"+strconv.Itoa(conns), "-d"+strconv.Itoa(int(d.Seconds()))+"s",
		"--latency", "-H", "Authorization: Bearer "+token, url)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("wrk: %v\n%s", err, out)
	}
	return parseWrk(out)
}

// parseWrk reads requests per second and the 50th and 99th latency
// percentiles from wrk --latency's report; non-2xx answers are an error.
func parseWrk(out []byte) (result, error) {
	var r result
	m := rpsRe.FindSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("wrk output without Requests/sec:\n%s", out)
	}
	r.rps, _ = strconv.ParseFloat(string(m[1]), 64)
	for _, l := range latRe.FindAllSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(string(l[2]), 64)
		switch string(l[3]) {
		case "us":
			v /= 1000
		case "s":
			v *= 1000
		}
		if string(l[1]) == "50" {
			r.p50ms = v
		} else {
			r.p99ms = v
		}
	}
	if strings.Contains(string(out), "Non-2xx") {
		return r, fmt.Errorf("wrk saw non-2xx responses:\n%s", out)
	}
	return r, nil
}

// generate is the fallback load generator: conns goroutines with
// keep-alive connections, each timing its requests.
func generate(url, token string, conns int, d time.Duration) (result, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}
	client := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	var (
		mu   sync.Mutex
		lats []time.Duration
		bad  error
		wg   sync.WaitGroup
	)
	end := time.Now().Add(d)
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			for time.Now().Before(end) {
				t := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				if err != nil {
					mu.Lock()
					bad = err
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			lats = append(lats, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if bad != nil {
		return result{}, bad
	}
	slices.Sort(lats)
	ms := func(q float64) float64 { return float64(lats[int(q*float64(len(lats)-1))]) / 1e6 }
	return result{rps: float64(len(lats)) / d.Seconds(), p50ms: ms(0.5), p99ms: ms(0.99)}, nil
}

// minimal serves the given bytes from the same path with Echo and nothing
// else: the baseline.
func minimal(args []string) error {
	fs := flag.NewFlagSet("minimal", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8081", "listen address")
	bodyFile := fs.String("body", "", "file with the response body")
	etag := fs.String("etag", "", "ETag header to send")
	if err := fs.Parse(args); err != nil {
		return err
	}
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		return err
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/api/v1/models/:slug/versions/:n", func(c echo.Context) error {
		c.Response().Header().Set("ETag", *etag)
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, body)
	})
	return e.Start(*addr)
}
