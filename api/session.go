package api

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/users"
)

// The web UI signs in once with a token (or from an invitation) and then
// holds only a session cookie that scripts cannot read. Every state change
// made with that cookie must echo the session's CSRF token in csrfHeader;
// SameSite=Strict already keeps other sites' requests from carrying it.
const (
	sessionCookie = "stagewise_session"
	csrfHeader    = "X-CSRF-Token"
)

type signInRequest struct {
	Token string `json:"token" validate:"notblank" doc:"an API token"`
}

type signInResponse struct {
	// SignedIn is false (and nothing else is present) when GET /session
	// finds no live session.
	SignedIn bool          `json:"signed_in"`
	User     *userResponse `json:"user,omitempty"`
	// CSRFToken is echoed in the X-CSRF-Token header on every state change.
	CSRFToken string `json:"csrf_token,omitempty"`
	// IdleSeconds is how long the session lasts without a request.
	IdleSeconds int `json:"idle_seconds,omitempty"`
}

func (s *server) sessionRoutes() []route {
	const tag = "web UI session"
	return []route{
		{method: http.MethodPost, path: "/api/v1/session", summary: "Sign in with a token: sets an HttpOnly, SameSite=Strict session cookie and returns the CSRF token for state changes", tag: tag,
			public: s.signIn, req: signInRequest{}, resp: signInResponse{}, status: 201, errs: []int{401, 429}},
		{method: http.MethodGet, path: "/api/v1/session", summary: "The session of this browser's cookie: its user and CSRF token, or signed_in false (a page asks this on load, so no session is no error)", tag: tag,
			public: s.getSession, resp: signInResponse{}, status: 200},
		{method: http.MethodDelete, path: "/api/v1/session", summary: "Sign out: end the session of this browser's cookie (X-CSRF-Token required)", tag: tag,
			public: s.signOut, status: 204, errs: []int{403}},
	}
}

func secureRequest(c echo.Context) bool {
	return c.Request().TLS != nil || strings.EqualFold(c.Request().Header.Get("X-Forwarded-Proto"), "https")
}

func (s *server) setSessionCookie(c echo.Context, value string, maxAge int) {
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: secureRequest(c)})
}

func toSignIn(u models.User, sid string) signInResponse {
	user := toUser(u, "")
	return signInResponse{SignedIn: true, User: &user, CSRFToken: users.SessionCSRF(sid), IdleSeconds: int(users.SessionIdle / time.Second)}
}

func (s *server) signIn(c echo.Context) error {
	var req signInRequest
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	// Signing in is guessing a token too: the failed-authentication limit
	// applies (limit.go).
	if err := s.limiter.check(c); err != nil {
		return err
	}
	u, sid, err := s.Service.Users.SignIn(c.Request().Context(), strings.TrimSpace(req.Token))
	if err != nil {
		if isUnauthorized(err) {
			s.limiter.fail(c)
		}
		return err
	}
	// The session lives until it idles out; the cookie until the browser
	// closes or the session's longest life has passed.
	s.setSessionCookie(c, sid, int(users.SessionMax/time.Second))
	c.Response().Header().Set("Cache-Control", "no-store")
	return respond(c, http.StatusCreated, toSignIn(u, sid))
}

func (s *server) getSession(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	ck, err := c.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return respond(c, http.StatusOK, signInResponse{})
	}
	u, err := s.Service.Users.SessionUser(c.Request().Context(), ck.Value)
	if errors.Is(err, models.ErrUnauthorized) {
		s.setSessionCookie(c, "", -1)
		return respond(c, http.StatusOK, signInResponse{})
	}
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toSignIn(u, ck.Value))
}

func (s *server) signOut(c echo.Context) error {
	ck, err := c.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return c.NoContent(http.StatusNoContent)
	}
	if err := checkCSRF(c, ck.Value); err != nil {
		return err
	}
	if err := s.Service.Users.SignOut(c.Request().Context(), ck.Value); err != nil {
		return err
	}
	s.setSessionCookie(c, "", -1)
	return c.NoContent(http.StatusNoContent)
}

// checkCSRF demands the session's CSRF token on every request that may
// change state.
func checkCSRF(c echo.Context, sid string) error {
	switch c.Request().Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	got := c.Request().Header.Get(csrfHeader)
	if subtle.ConstantTimeCompare([]byte(got), []byte(users.SessionCSRF(sid))) != 1 {
		return models.Errf(models.ErrForbidden, "a state change made with a session cookie needs the session's CSRF token in the %s header", csrfHeader)
	}
	return nil
}

// sessionUser authenticates a request by its session cookie (requests
// without an Authorization header), CSRF token included.
func (s *server) sessionUser(c echo.Context) (models.User, bool, error) {
	ck, err := c.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return models.User{}, false, nil
	}
	u, err := s.Service.Users.SessionUser(c.Request().Context(), ck.Value)
	if err != nil {
		return models.User{}, true, err
	}
	if err := checkCSRF(c, ck.Value); err != nil {
		return models.User{}, true, err
	}
	return u, true, nil
}
