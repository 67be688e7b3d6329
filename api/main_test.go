package api_test

import (
	"flag"
	"os"
	"runtime"
	"strconv"
	"testing"
)

// TestMain lets more API tests run side by side than there are cores
// (unless -parallel is given): each test spends most of its time waiting
// on its own SQLite file (fsync with synchronous=FULL, the single writer),
// not on the CPU. It also stops the chromium the browser tests share.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		flag.Set("test.parallel", strconv.Itoa(4*runtime.GOMAXPROCS(0)))
	}
	code := m.Run()
	stopChromium()
	os.Exit(code)
}
