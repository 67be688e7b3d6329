// Package conformance compares a stage-process model with observed stage
// sequences: it compiles a model version to a directly-follows graph, aligns
// sequences optimally, measures fitness, precision, stage and transition
// support, order conformity and lag-sequential statistics. It is pure: no
// database, no HTTP.
package conformance
