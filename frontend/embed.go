// Package frontend embeds Stagewise's web UI, served by the api package.
package frontend

import (
	"embed"
	"io/fs"
)

//go:embed assets
var assets embed.FS

// Assets is the UI's file tree, rooted at index.html.
func Assets() fs.FS {
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}
