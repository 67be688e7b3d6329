// Package dataset holds the pure rules for coded cases: codebooks (the
// built-in 3RS-2015 list and custom ones), strict CSV parsing of session and
// event imports, WAI-12 scoring and the session-selection rules. It has no
// database or HTTP in it.
package dataset
