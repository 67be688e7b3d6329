package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/stagewise/stagewise/models"
)

// Invitations and one's own token (api.md "Who sees what"): a panelist or
// coder claims their token with a one-use code, so whoever created them
// never holds it; everyone may rotate or end their own token.

// claimRequest has no validate tags on purpose: every bad code, an empty
// or absurd one included, gets the one 404 (and counts against the
// failed-authentication limit), so the answer never says which codes
// could be right.
type claimRequest struct {
	Code string `json:"code"`
}

// claimResponse carries the new token, shown this once, and whose it is.
type claimResponse struct {
	Token string       `json:"token"`
	User  userResponse `json:"user"`
}

func (s *server) invitationRoutes() []route {
	const tag = "users"
	return []route{
		{method: http.MethodPost, path: "/api/v1/invitations/claim", summary: "Exchange an invitation code for one's token (no authentication; shown once; ends the user's earlier tokens). " +
			"An unknown, used, replaced or expired code is 404, the same answer for each; failed claims count against the address's failed-authentication limit (429)", tag: tag,
			public: s.claimInvitation, req: claimRequest{}, resp: claimResponse{}, status: 200, errs: []int{404, 429}},
		{method: http.MethodPost, path: "/api/v1/users/{id}/invitation", summary: "Issue a new invitation to a panelist or coder, replacing an unclaimed one (admins: anyone; PIs: users they created, and only until they claimed one)", tag: tag, auth: true,
			h: s.issueInvitation, resp: userResponse{}, status: 201, errs: []int{403, 404}},
		{method: http.MethodPost, path: "/api/v1/me/token", summary: "Rotate one's own token: the new one is shown once, the old one stops working", tag: tag, auth: true,
			h: s.rotateToken, resp: userResponse{}, status: 200},
		{method: http.MethodDelete, path: "/api/v1/me/token", summary: "End one's own token (sign out everywhere)", tag: tag, auth: true,
			h: s.endToken, status: 204},
	}
}

func (s *server) claimInvitation(c echo.Context) error {
	if err := s.limiter.check(c); err != nil {
		return err
	}
	var req claimRequest
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	u, token, err := s.Service.Users.ClaimInvitation(c.Request().Context(), req.Code)
	if err != nil {
		if isNotFound(err) {
			s.limiter.fail(c)
		}
		return err
	}
	return respond(c, http.StatusOK, claimResponse{Token: token, User: toUser(u, "")})
}

func (s *server) issueInvitation(c echo.Context, u models.User) error {
	id, err := idParam(c, "id", "user")
	if err != nil {
		return err
	}
	target, inv, err := s.Service.Users.IssueInvitation(c.Request().Context(), u, id)
	if err != nil {
		return err
	}
	out := toUser(target, "")
	out.Invitation = &invitationResponse{Code: inv.Code, ExpiresAt: inv.ExpiresAt}
	return respond(c, http.StatusCreated, out)
}

func (s *server) rotateToken(c echo.Context, u models.User) error {
	token, err := s.Service.Users.RotateToken(c.Request().Context(), u)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toUser(u, token))
}

func (s *server) endToken(c echo.Context, u models.User) error {
	if err := s.Service.Users.EndToken(c.Request().Context(), u); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
