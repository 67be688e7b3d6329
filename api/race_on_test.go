//go:build race

package api_test

// raceEnabled: the race detector is on. Its instrumentation moves some
// values to the heap, so allocation budgets hold only without it.
const raceEnabled = true
