package main

import (
	"strings"
	"testing"
)

const wrkReport = `Running 10s test @ http://127.0.0.1:8080/api/v1/models/x/versions/latest
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.38ms  512.03us  12.01ms   90.12%
    Req/Sec    36.52k     1.23k   38.90k    71.00%
  Latency Distribution
     50%  812.00us
     75%    1.41ms
     90%    1.93ms
     99%    7.25ms
  363402 requests in 10.00s, 2.29GB read
Requests/sec:  36339.80
Transfer/sec:    234.51MB
`

// TestParseWrk: requests per second and p50/p99 from wrk --latency, with
// its units (us, ms, s) converted to milliseconds; non-2xx answers fail.
func TestParseWrk(t *testing.T) {
	r, err := parseWrk([]byte(wrkReport))
	if err != nil {
		t.Fatal(err)
	}
	if r.rps != 36339.80 || r.p50ms != 0.812 || r.p99ms != 7.25 {
		t.Errorf("parsed %+v, want 36339.80 req/s, p50 0.812 ms, p99 7.25 ms", r)
	}
	slow := strings.Replace(wrkReport, "99%    7.25ms", "99%    1.20s", 1)
	if r, err := parseWrk([]byte(slow)); err != nil || r.p99ms != 1200 {
		t.Errorf("p99 in seconds: %+v, %v; want 1200 ms", r, err)
	}
	bad := strings.Replace(wrkReport, "Requests/sec:", "  Non-2xx or 3xx responses: 12\nRequests/sec:", 1)
	if _, err := parseWrk([]byte(bad)); err == nil {
		t.Error("non-2xx answers were not an error")
	}
	if _, err := parseWrk([]byte("unable to connect")); err == nil {
		t.Error("a report without Requests/sec was not an error")
	}
}

// TestMedian: each field's median is taken on its own, over the runs.
func TestMedian(t *testing.T) {
	m := median([]result{{rps: 3, p50ms: 1, p99ms: 9, cpuUS: 30}, {rps: 1, p50ms: 3, p99ms: 7, cpuUS: 10}, {rps: 2, p50ms: 2, p99ms: 8, cpuUS: 20}})
	if m != (result{rps: 2, p50ms: 2, p99ms: 8, cpuUS: 20}) {
		t.Errorf("median %+v", m)
	}
	if got := percents([]float64{0.5, 0.755}); got != "50.0 %, 75.5 %" {
		t.Errorf("percents: %q", got)
	}
}
