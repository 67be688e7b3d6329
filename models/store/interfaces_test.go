package store_test

import (
	"github.com/stagewise/stagewise/models/store"
	"github.com/stagewise/stagewise/workflow"
	"github.com/stagewise/stagewise/workflow/comparisons"
	"github.com/stagewise/stagewise/workflow/core"
	"github.com/stagewise/stagewise/workflow/datasets"
	"github.com/stagewise/stagewise/workflow/rounds"
	"github.com/stagewise/stagewise/workflow/users"
	"github.com/stagewise/stagewise/workflow/versions"
)

// The store implements the small store interface of every workflow area
// and their union. (The assertions live in a test: the store package
// itself must not import the workflow, whose tests open real stores.)
var (
	_ core.Store        = (*store.Store)(nil)
	_ users.Store       = (*store.Store)(nil)
	_ versions.Store    = (*store.Store)(nil)
	_ rounds.Store      = (*store.Store)(nil)
	_ datasets.Store    = (*store.Store)(nil)
	_ comparisons.Store = (*store.Store)(nil)
	_ workflow.Store    = (*store.Store)(nil)
)
