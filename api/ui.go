package api

import (
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
)

// uiFile is one embedded UI asset, with its validator computed once.
type uiFile struct {
	body  []byte
	etag  string
	ctype string
}

// uiAssets reads the embedded web UI into memory: it is small, and
// serving from memory lets every answer carry a strong ETag.
func uiAssets(fsys fs.FS) (map[string]uiFile, error) {
	files := map[string]uiFile{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		// A fixed table rather than mime.TypeByExtension: that loads the
		// host's /etc/mime.types, about 11,000 objects that would stay on
		// the heap for every garbage collection to mark, and that differ
		// from host to host.
		var ct string
		switch path.Ext(p) {
		case ".js":
			ct = "text/javascript; charset=utf-8"
		case ".html":
			ct = "text/html; charset=utf-8"
		case ".css":
			ct = "text/css; charset=utf-8"
		case ".png":
			ct = "image/png"
		case ".svg":
			ct = "image/svg+xml"
		case ".json":
			ct = "application/json"
		default:
			ct = http.DetectContentType(b)
		}
		files[p] = uiFile{body: b, etag: etagOf(b), ctype: ct}
		return nil
	})
	return files, err
}

// serveUI answers / and /ui/*. The modules are not fingerprinted (there is
// no build step), so every asset is "no-cache": the browser keeps it and
// revalidates with its ETag, getting 304 until the server's copy changes.
// A path without a file extension is a page of the single-page app and
// gets index.html; a missing file is 404.
func serveUI(files map[string]uiFile) echo.HandlerFunc {
	return func(c echo.Context) error {
		p := strings.TrimPrefix(c.Request().URL.Path, "/ui")
		p = strings.TrimPrefix(path.Clean("/"+p), "/")
		f, ok := files[p]
		if !ok {
			if p != "" && strings.Contains(path.Base(p), ".") {
				return echo.ErrNotFound
			}
			f = files["index.html"]
		}
		h := c.Response().Header()
		h.Set("ETag", f.etag)
		h.Set("Cache-Control", "no-cache")
		h.Set("Vary", "Accept-Encoding")
		if inm := c.Request().Header.Get("If-None-Match"); inm != "" && etagMatches(inm, f.etag, true) {
			return c.NoContent(http.StatusNotModified)
		}
		return c.Blob(http.StatusOK, f.ctype, f.body)
	}
}
