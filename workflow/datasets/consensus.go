package datasets

import (
	"context"
	"fmt"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/core"
	"github.com/stagewise/stagewise/workflow/dataset"
)

// DisagreementReport lists where two coders of a dataset differ, in the
// sessions both coded (see dataset.Compare for the definitions).
type DisagreementReport struct {
	Coders [2]string
	dataset.Overlap
}

// checkCoderPair validates a coders list of two names, each with events in
// the dataset; forConsensus also refuses the consensus coder itself.
func (s *Service) checkCoderPair(ctx context.Context, id int64, coders []string, field string, forConsensus bool) error {
	if len(coders) != 2 || coders[0] == "" || coders[1] == "" {
		return models.InvalidField(field, "name exactly two coders, such as coders=ana,ben")
	}
	if coders[0] == coders[1] {
		return models.InvalidField(field, "name two different coders")
	}
	var errs []models.FieldError
	for i, c := range coders {
		f := field
		if forConsensus {
			f = fmt.Sprintf("%s[%d]", field, i)
		}
		if forConsensus && c == models.ConsensusCoder {
			errs = append(errs, models.FieldError{Field: f, Message: fmt.Sprintf("%q is where the consensus is written; name the two coders who coded", c)})
			continue
		}
		ok, err := s.store.CoderHasEvents(ctx, id, c)
		if err != nil {
			return err
		}
		if !ok {
			errs = append(errs, models.FieldError{Field: f, Message: fmt.Sprintf("coder %q has no events in this dataset", c)})
		}
	}
	return models.Invalid(errs)
}

// codedEvents loads one coder's events in (case, session, input) order.
func (s *Service) codedEvents(ctx context.Context, id int64, coder string) ([]dataset.CodedEvent, error) {
	var out []dataset.CodedEvent
	err := s.store.EachEvent(ctx, id, models.EventFilter{Coder: coder}, func(e models.Event) error {
		out = append(out, dataset.CodedEvent{Case: e.Case, Session: e.Session, Segment: e.Segment, Onset: e.Onset, Code: e.Code, Salience: e.Salience})
		return nil
	})
	return out, err
}

// Disagreements lists, per (case, session, segment) of the sessions both
// coders coded, what each coded where their sets of codes differ. Team
// PIs and admins only: a coder member gets ErrForbidden, a non-member
// ErrNotFound.
func (s *Service) Disagreements(ctx context.Context, actor models.User, id int64, coders []string) (DisagreementReport, error) {
	var rep DisagreementReport
	_, acc, err := s.readDataset(ctx, actor, id)
	if err != nil {
		return rep, err
	}
	if err := needTeamPI(acc, "see the coders' disagreements"); err != nil {
		return rep, err
	}
	if err := s.checkCoderPair(ctx, id, coders, "coders", false); err != nil {
		return rep, err
	}
	rep.Coders = [2]string{coders[0], coders[1]}
	a, err := s.codedEvents(ctx, id, coders[0])
	if err != nil {
		return rep, err
	}
	b, err := s.codedEvents(ctx, id, coders[1])
	if err != nil {
		return rep, err
	}
	rep.Overlap = dataset.Compare(a, b)
	return rep, nil
}

// ConsensusInput asks for consensus coding of two coders' work.
type ConsensusInput struct {
	Coders      []string
	Resolutions []dataset.Resolution
}

// ConsensusReport says what the consensus step wrote.
type ConsensusReport struct {
	Coders [2]string
	dataset.Overlap
	// Imported is the number of consensus events written, Replaced the
	// number of earlier consensus events of those sessions it replaced.
	Imported int
	Replaced int
	Resolved int
}

// Consensus writes the "consensus" coder's events of every session both
// coders coded, as dataset.Consensus builds them from their events and the
// resolutions of their disagreements, in one transaction: the consensus
// events stored before for those sessions are replaced, so repeating the
// request leaves the same events. Team PIs and admins only. An unresolved
// disagreement, a resolution of anything else, or a bad code is a
// ValidationError naming each, and nothing is written.
func (s *Service) Consensus(ctx context.Context, actor models.User, id int64, in ConsensusInput) (ConsensusReport, error) {
	var rep ConsensusReport
	err := s.changeDataset(ctx, actor, id, teamPIs, "write the consensus", func(ctx context.Context, d models.Dataset, _ DatasetAccess) error {
		if err := s.checkCoderPair(ctx, id, in.Coders, "coders", true); err != nil {
			return err
		}
		rep.Coders = [2]string{in.Coders[0], in.Coders[1]}
		a, err := s.codedEvents(ctx, id, in.Coders[0])
		if err != nil {
			return err
		}
		b, err := s.codedEvents(ctx, id, in.Coders[1])
		if err != nil {
			return err
		}
		known := make(map[string]bool, len(d.Codebook))
		for _, c := range d.Codebook {
			known[c.Code] = true
		}
		res, ferrs := dataset.Consensus(a, b, in.Resolutions, func(c string) bool { return known[c] }, rep.Coders)
		if len(ferrs) > 0 {
			errs := make([]models.FieldError, len(ferrs))
			for i, fe := range ferrs {
				errs[i] = models.FieldError(fe)
			}
			return models.Invalid(errs)
		}
		rep.Overlap, rep.Resolved = res.Overlap, res.Resolved
		keys := make([]models.SessionKey, len(res.Sessions))
		for i, k := range res.Sessions {
			keys[i] = models.SessionKey{Case: k.Case, Session: k.Session}
		}
		if rep.Replaced, err = s.store.DeleteCoderEvents(ctx, id, models.ConsensusCoder, keys); err != nil {
			return err
		}
		counts, err := s.store.ImportEvents(ctx, id, func(emit func(models.Event) error) error {
			for i, e := range res.Events {
				if err := emit(models.Event{Case: e.Case, Session: e.Session, Coder: models.ConsensusCoder, Segment: e.Segment,
					Onset: e.Onset, Code: e.Code, Salience: e.Salience, Seq: int64(i + 1)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		rep.Imported = counts.Imported
		return s.core.Audit(ctx, actor, "dataset.consensus", "dataset", core.Itoa(id), fmt.Sprintf("coders=%s,%s sessions=%d agreed=%d resolved=%d imported=%d replaced=%d",
			rep.Coders[0], rep.Coders[1], len(res.Sessions), res.Agreed, res.Resolved, rep.Imported, rep.Replaced))
	})
	return rep, err
}
