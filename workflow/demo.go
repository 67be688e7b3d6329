package workflow

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/comparisons"
	"github.com/stagewise/stagewise/workflow/datasets"
	"github.com/stagewise/stagewise/workflow/users"
	"github.com/stagewise/stagewise/workflow/versions"
)

// DemoSlug is the slug of the demonstration model.
const DemoSlug = versions.DemoSlug

// DemoResult says what SeedDemo made.
type DemoResult struct {
	PI      models.User
	PIToken string
	Client  models.User
	// ClientToken is fresh on every start, like PIToken.
	ClientToken string
	// Invitations are fresh on every start too, one for each panelist and
	// coder of the demo (they sign in by claiming it, like real invitees;
	// nobody is handed their token).
	Invitations []DemoInvitation
}

// DemoInvitation is a demo invitee and their new invitation code.
type DemoInvitation struct {
	User models.User
	Code string
}

// SeedDemo creates, idempotently, the demonstration study, run to its end:
// a PI, a client and the demo model; rational version 1 reviewed by a
// panel in two rounds and approved; the coded sessions and their
// selection; the comparison of v1 with them; the synthesis drafting
// rational-empirical v2 (the repair strategies become one any-order
// cluster; RS05 is proposed as a stage); the PI's edit of the draft (the
// proposed stage added to the cluster) and approval, so that latest is v2;
// and the validation comparison of v2 against v1 (compare_to) on the same
// sessions. Each step
// looks at what exists first, so seeding again (or after an interrupted
// start) adds only what is missing. It gives the PI and the client fresh
// tokens each time, for the start-up banner.
func (s *Service) SeedDemo(ctx context.Context) (DemoResult, error) {
	var out DemoResult
	pi, _, err := s.Users.EnsureUser(ctx, models.User{}, users.NewUser{Name: "Demo PI", Email: "pi@demo.stagewise.invalid", Role: models.RolePI})
	if err != nil {
		return out, err
	}
	client, _, err := s.Users.EnsureUser(ctx, models.User{}, users.NewUser{Name: "Demo API client", Email: "client@demo.stagewise.invalid", Role: models.RoleClient})
	if err != nil {
		return out, err
	}
	out.PI, out.Client = pi, client
	nm, in := versions.DemoModel()
	if _, err := s.store.ModelBySlug(ctx, nm.Slug); errors.Is(err, models.ErrNotFound) {
		if _, err := s.Versions.CreateModel(ctx, pi, nm); err != nil && !errors.Is(err, models.ErrConflict) {
			return out, err
		}
	} else if err != nil {
		return out, err
	}
	m, err := s.store.ModelBySlug(ctx, nm.Slug)
	if err != nil {
		return out, err
	}
	v1, err := s.store.VersionByNumber(ctx, m, 1)
	if errors.Is(err, models.ErrNotFound) {
		if v1, err = s.Versions.CreateVersion(ctx, pi, nm.Slug, in); err != nil {
			return out, err
		}
	} else if err != nil {
		return out, err
	}
	if v1.Status == models.StatusDraft {
		if v1, err = s.Versions.Transition(ctx, pi, nm.Slug, 1, versions.ActionSubmit, "ready for the panel"); err != nil {
			return out, err
		}
	}
	// The panel reviews version 1 while it is in review; then the PI approves it.
	if err := s.Rounds.SeedDemoPanel(ctx, pi, m); err != nil {
		return out, fmt.Errorf("demo panel: %w", err)
	}
	if v1.Status == models.StatusInReview {
		if _, err = s.Versions.Transition(ctx, pi, nm.Slug, 1, versions.ActionApprove, "approved after two panel rounds"); err != nil {
			return out, err
		}
	}
	if err := s.Datasets.SeedDemoDataset(ctx, pi); err != nil {
		return out, fmt.Errorf("demo dataset: %w", err)
	}
	if err := s.seedDemoCoder(ctx, pi); err != nil {
		return out, fmt.Errorf("demo coder: %w", err)
	}
	cmp, err := s.Comparisons.SeedDemoComparison(ctx, pi, m, 1, nil)
	if err != nil {
		return out, fmt.Errorf("demo comparison: %w", err)
	}
	if err := s.seedDemoSynthesis(ctx, pi, m, cmp.ID); err != nil {
		return out, fmt.Errorf("demo synthesis: %w", err)
	}
	baseline := 1
	if _, err := s.Comparisons.SeedDemoComparison(ctx, pi, m, 2, &baseline); err != nil {
		return out, fmt.Errorf("demo validation comparison: %w", err)
	}
	if out.PIToken, err = s.Users.ResetToken(ctx, pi); err != nil {
		return out, err
	}
	if out.ClientToken, err = s.Users.ResetToken(ctx, client); err != nil {
		return out, err
	}
	if out.Invitations, err = s.demoInvitations(ctx, pi); err != nil {
		return out, err
	}
	return out, nil
}

// demoInvitations issues a new invitation to every panelist and coder the
// demo PI created (replacing an unclaimed one; a claimed one's token keeps
// working until the new invitation is claimed).
func (s *Service) demoInvitations(ctx context.Context, pi models.User) ([]DemoInvitation, error) {
	created, err := s.store.UsersCreatedBy(ctx, pi.ID)
	if err != nil {
		return nil, err
	}
	var out []DemoInvitation
	for _, u := range created {
		if !users.Invited(u.Role) {
			continue
		}
		_, inv, err := s.Users.IssueInvitation(ctx, models.User{Role: models.RoleAdmin}, u.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, DemoInvitation{User: u, Code: inv.Code})
	}
	return out, nil
}

// seedDemoCoder invites the demo's second coder, who double-coded four
// sessions as "coder2", and makes them a coder of the demo dataset's team,
// so the demo shows a coder's own, blind view until the PI unblinds.
func (s *Service) seedDemoCoder(ctx context.Context, pi models.User) error {
	coder, _, err := s.Users.EnsureUser(ctx, pi, users.NewUser{Name: "Demo coder", Email: "coder2@demo.stagewise.invalid", Role: models.RoleCoder})
	if err != nil {
		return err
	}
	d, err := s.store.DatasetByName(ctx, datasets.DemoDatasetName)
	if err != nil {
		return err
	}
	members, err := s.Datasets.Members(ctx, pi, d.ID)
	if err != nil {
		return err
	}
	in := make([]datasets.MemberInput, 0, len(members)+1)
	for _, m := range members {
		if m.UserID == coder.ID {
			return nil // already on the team
		}
		in = append(in, datasets.MemberInput{User: m.UserID, Role: m.Role, Coder: m.Coder})
	}
	_, err = s.Datasets.SetMembers(ctx, pi, d.ID, append(in, datasets.MemberInput{User: coder.ID, Role: models.MemberCoder, Coder: "coder2"}))
	return err
}

// demoAcknowledge is the stage the PI adds to v2 on the synthesis's
// propose_stage note for RS05.
var demoAcknowledge = models.Stage{Key: "acknowledge", Name: "Acknowledge own contribution",
	Description: "The therapist acknowledges their own contribution to the rupture (3RS RS05); proposed by the synthesis, added by the PI.",
	Actor:       models.ActorTherapist, Role: models.RoleProcess, Codes: []string{"RS05"}}

// seedDemoSynthesis drafts v2 from the comparison of v1, lets the PI act
// on its notes and approves it. The PI's edit follows the change log: the
// stage proposed for RS05 joins the any-order cluster the synthesis made,
// and that cluster gets a name. A v2 that did not come from the synthesis
// (someone else's draft) is left alone.
func (s *Service) seedDemoSynthesis(ctx context.Context, pi models.User, m models.TaskModel, comparison int64) error {
	v2, err := s.store.VersionByNumber(ctx, m, 2)
	if errors.Is(err, models.ErrNotFound) {
		if v2, err = s.Comparisons.Synthesize(ctx, pi, comparison, comparisons.SynthesisInput{}); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	if v2.Provenance.Comparison == nil || *v2.Provenance.Comparison != comparison {
		return nil
	}
	if v2.Status == models.StatusDraft && !slices.ContainsFunc(v2.Content.Stages, func(st models.Stage) bool { return st.Key == demoAcknowledge.Key }) {
		content, edited := demoEdit(v2)
		if edited {
			parent := 1
			in := versions.VersionInput{Parent: &parent, Kind: models.KindRationalEmpirical, Content: content,
				Notes: "The PI added the stage proposed for RS05 to the any-order cluster of repair strategies.\n\n" + v2.Notes}
			if v2, err = s.Versions.ReplaceDraft(ctx, pi, m.Slug, 2, in, nil); err != nil {
				return err
			}
		}
	}
	if v2.Status == models.StatusDraft {
		if v2, err = s.Versions.Transition(ctx, pi, m.Slug, 2, versions.ActionSubmit, "synthesis reviewed and edited"); err != nil {
			return err
		}
	}
	if v2.Status == models.StatusInReview {
		if _, err = s.Versions.Transition(ctx, pi, m.Slug, 2, versions.ActionApprove, "rational-empirical model: repair strategies combine in any order"); err != nil {
			return err
		}
	}
	return nil
}

// demoEdit is the PI's edit of the synthesized v2: when the change log
// proposes a stage for RS05 and made an any-order cluster, the new stage
// joins that cluster (before the resolution stages) and the cluster is
// named. It reports false when the log has neither.
func demoEdit(v models.Version) (models.Content, bool) {
	var cluster string
	proposed := false
	for _, e := range v.ChangeLog {
		switch {
		case e.Op == "make_unordered" && e.Evidence["cluster"] != nil && e.Evidence["applied"] == nil:
			if k, ok := e.Evidence["cluster"].(string); ok && cluster == "" {
				cluster = k
			}
		case e.Op == "propose_stage" && e.Target == "RS05":
			proposed = true
		}
	}
	if cluster == "" || !proposed {
		return v.Content, false
	}
	c := versions.NormalizeContent(v.Content)
	st := demoAcknowledge
	st.Cluster = cluster
	at := slices.IndexFunc(c.Stages, func(s models.Stage) bool { return s.Role == models.RoleResolution })
	if at < 0 {
		at = len(c.Stages)
	}
	c.Stages = slices.Insert(c.Stages, at, st)
	for i := range c.Clusters {
		if c.Clusters[i].Key == cluster {
			c.Clusters[i].Name = "Repair strategies (any order)"
		}
	}
	return c, true
}
