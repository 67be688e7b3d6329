package versions

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/stagewise/stagewise/models"
	"github.com/stagewise/stagewise/workflow/core"
)

// Proposal payloads, per kind (target is the proposal's target field):
//
//	add_stage          {key, name, description, actor, role, optional, cluster, codes, after}
//	                   target: empty or the new key; after: the stage it follows (default: last)
//	remove_stage       {}                              target: the stage key
//	rename_stage       {name}                          target: the stage key
//	merge_stages       {keys: [≥ 2 stage keys], into: the merged stage's key}
//	split_stage        {into: [≥ 2 stage objects as in add_stage]}   target: the stage key
//	add_transition     {from, to, kind, note}          kind defaults to hypothesized
//	remove_transition  {from, to}
//	move_to_cluster    {cluster}                       target: the stage key; "" leaves every cluster
//	other              {text}
//
// add_stage, remove_stage, rename_stage, add_transition, remove_transition
// and move_to_cluster are mechanical: Revise applies them. merge_stages,
// split_stage and other need the PI's judgement; Revise records them in the
// change log as not_applied.
type proposalSpec struct {
	kind, target string
	stage        models.Stage
	after        string
	name         string
	from, to     string
	tkind, note  string
	cluster      string
	keys         []string
	into         string
	split        []models.Stage
	text         string
}

// Mechanical reports whether Revise applies proposals of this kind.
func Mechanical(kind string) bool {
	switch kind {
	case models.ProposeAddStage, models.ProposeRemoveStage, models.ProposeRenameStage,
		models.ProposeAddTransition, models.ProposeRemoveTransition, models.ProposeMoveToCluster:
		return true
	}
	return false
}

func stagePayload(st models.Stage) map[string]any {
	codes := make([]any, len(st.Codes))
	for i, c := range st.Codes {
		codes[i] = c
	}
	return map[string]any{"key": st.Key, "name": st.Name, "description": st.Description, "actor": st.Actor,
		"role": st.Role, "optional": st.Optional, "cluster": st.Cluster, "codes": codes}
}

// payload is the canonical payload of the proposal.
func (p proposalSpec) payload() map[string]any {
	switch p.kind {
	case models.ProposeAddStage:
		m := stagePayload(p.stage)
		m["after"] = p.after
		return m
	case models.ProposeRenameStage:
		return map[string]any{"name": p.name}
	case models.ProposeMergeStages:
		keys := make([]any, len(p.keys))
		for i, k := range p.keys {
			keys[i] = k
		}
		return map[string]any{"keys": keys, "into": p.into}
	case models.ProposeSplitStage:
		into := make([]any, len(p.split))
		for i, st := range p.split {
			into[i] = stagePayload(st)
		}
		return map[string]any{"into": into}
	case models.ProposeAddTransition:
		return map[string]any{"from": p.from, "to": p.to, "kind": p.tkind, "note": p.note}
	case models.ProposeRemoveTransition:
		return map[string]any{"from": p.from, "to": p.to}
	case models.ProposeMoveToCluster:
		return map[string]any{"cluster": p.cluster}
	case models.ProposeOther:
		return map[string]any{"text": p.text}
	}
	return map[string]any{}
}

// payloadReader reads a decoded JSON object and names every problem by
// its path; finish reports the keys nobody asked for.
type payloadReader struct {
	m    map[string]any
	path string
	errs *[]models.FieldError
	read map[string]bool
}

func newPayloadReader(m map[string]any, path string, errs *[]models.FieldError) *payloadReader {
	return &payloadReader{m: m, path: path, errs: errs, read: map[string]bool{}}
}

func (r *payloadReader) add(name, format string, args ...any) {
	*r.errs = append(*r.errs, models.FieldError{Field: joinField(r.path, name), Message: fmt.Sprintf(format, args...)})
}

func joinField(base, name string) string {
	if name == "" {
		return base
	}
	if strings.HasPrefix(name, "[") {
		return base + name
	}
	return base + "." + name
}

func (r *payloadReader) str(name string, required bool, max int) string {
	r.read[name] = true
	v, ok := r.m[name]
	if !ok || v == nil {
		if required {
			r.add(name, "is required")
		}
		return ""
	}
	s, ok := v.(string)
	if !ok {
		r.add(name, "must be a string")
		return ""
	}
	core.CheckText(r.errs, joinField(r.path, name), s, required, max)
	return s
}

func (r *payloadReader) boolean(name string) bool {
	r.read[name] = true
	v, ok := r.m[name]
	if !ok || v == nil {
		return false
	}
	b, ok := v.(bool)
	if !ok {
		r.add(name, "must be true or false")
	}
	return b
}

func (r *payloadReader) list(name string, required bool) []any {
	r.read[name] = true
	v, ok := r.m[name]
	if !ok || v == nil {
		if required {
			r.add(name, "is required")
		}
		return nil
	}
	l, ok := v.([]any)
	if !ok {
		r.add(name, "must be an array")
		return nil
	}
	return l
}

func (r *payloadReader) strings(name string, required bool) []string {
	l := r.list(name, required)
	out := make([]string, 0, len(l))
	for i, x := range l {
		s, ok := x.(string)
		if !ok {
			r.add(fmt.Sprintf("%s[%d]", name, i), "must be a string")
			continue
		}
		out = append(out, s)
	}
	return out
}

func (r *payloadReader) finish() {
	var extra []string
	for k := range r.m {
		if !r.read[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		r.add(k, "unknown field for this kind of proposal")
	}
}

// readStage reads a stage object and checks it on its own (not against a
// version).
func readStage(m map[string]any, path string, errs *[]models.FieldError) models.Stage {
	r := newPayloadReader(m, path, errs)
	return readStageFields(r)
}

func readStageFields(r *payloadReader) models.Stage {
	st := models.Stage{
		Key:         r.str("key", true, 64),
		Name:        r.str("name", true, 200),
		Description: r.str("description", false, 5000),
		Actor:       r.str("actor", true, 20),
		Role:        r.str("role", true, 20),
		Optional:    r.boolean("optional"),
		Cluster:     r.str("cluster", false, 64),
		Codes:       r.strings("codes", true),
	}
	if st.Key != "" && !keyRe.MatchString(st.Key) {
		r.add("key", "must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit")
	}
	if st.Actor != "" && st.Actor != models.ActorPatient && st.Actor != models.ActorTherapist && st.Actor != models.ActorDyad {
		r.add("actor", "must be one of patient, therapist, dyad")
	}
	if st.Role != "" && st.Role != models.RoleMarker && st.Role != models.RoleProcess && st.Role != models.RoleResolution {
		r.add("role", "must be one of marker, process, resolution")
	}
	if _, ok := r.m["codes"]; ok && len(st.Codes) == 0 {
		r.add("codes", "at least one indicator code is required")
	}
	seen := map[string]bool{}
	for j, code := range st.Codes {
		switch {
		case !codeRe.MatchString(code):
			r.add(fmt.Sprintf("codes[%d]", j), "must be 1-32 printable characters without spaces")
		case seen[code]:
			r.add(fmt.Sprintf("codes[%d]", j), "repeats code %q", code)
		}
		seen[code] = true
	}
	slices.Sort(st.Codes)
	return st
}

// parseProposal checks a proposal's kind, target, rationale and payload;
// with c it also checks the proposal against that version's content.
// path is the proposal's field path, such as "proposals[1]".
func parseProposal(path string, pr models.Proposal, c *models.Content) (proposalSpec, []models.FieldError) {
	pc := &proposalCheck{path: path, spec: proposalSpec{kind: pr.Kind, target: strings.TrimSpace(pr.Target)}}
	core.CheckText(&pc.errs, joinField(path, "rationale"), pr.Rationale, true, MaxComment)
	core.CheckText(&pc.errs, joinField(path, "target"), pr.Target, false, 200)
	if !slices.Contains(models.ProposalKinds, pr.Kind) {
		pc.add("kind", "must be one of %s", strings.Join(models.ProposalKinds, ", "))
		return pc.spec, pc.errs
	}
	if c != nil {
		pc.index(c)
	}
	pc.payload = pr.Payload
	if pc.payload == nil {
		pc.payload = map[string]any{}
	}
	pc.r = newPayloadReader(pc.payload, joinField(path, "payload"), &pc.errs)
	switch pr.Kind {
	case models.ProposeAddStage:
		pc.addStage()
	case models.ProposeRemoveStage:
		pc.needTarget()
	case models.ProposeRenameStage:
		pc.needTarget()
		pc.spec.name = pc.r.str("name", true, 200)
	case models.ProposeMergeStages:
		pc.mergeStages()
	case models.ProposeSplitStage:
		pc.splitStage()
	case models.ProposeAddTransition, models.ProposeRemoveTransition:
		pc.transition(pr.Kind == models.ProposeAddTransition)
	case models.ProposeMoveToCluster:
		pc.needTarget()
		pc.spec.cluster = pc.r.str("cluster", false, 64)
		if _, ok := pc.payload["cluster"]; !ok {
			pc.add("payload.cluster", "is required: a cluster key, or \"\" to leave every cluster")
		}
		if pc.content && pc.spec.cluster != "" && !pc.clusters[pc.spec.cluster] {
			pc.add("payload.cluster", "names no cluster of this version: %q", pc.spec.cluster)
		}
	case models.ProposeOther:
		pc.spec.text = pc.r.str("text", false, MaxComment)
	}
	pc.r.finish()
	return pc.spec, pc.errs
}

// proposalCheck is parseProposal's state: the proposal's path, the spec
// being read, the errors so far and, when a version is given (content),
// an index of its stages, clusters, transitions and codes.
type proposalCheck struct {
	path    string
	spec    proposalSpec
	errs    []models.FieldError
	payload map[string]any
	r       *payloadReader

	content  bool
	stages   map[string]models.Stage
	clusters map[string]bool
	trans    map[[2]string]bool
	codes    map[string]string
}

func (pc *proposalCheck) add(field, format string, args ...any) {
	pc.errs = append(pc.errs, models.FieldError{Field: joinField(pc.path, field), Message: fmt.Sprintf(format, args...)})
}

// index records the version's content the proposal is checked against.
func (pc *proposalCheck) index(c *models.Content) {
	pc.content = true
	pc.stages, pc.clusters, pc.trans, pc.codes = map[string]models.Stage{}, map[string]bool{}, map[[2]string]bool{}, map[string]string{}
	for _, st := range c.Stages {
		pc.stages[st.Key] = st
		for _, code := range st.Codes {
			pc.codes[code] = st.Key
		}
	}
	for _, k := range c.Clusters {
		pc.clusters[k.Key] = true
	}
	for _, t := range c.Transitions {
		pc.trans[[2]string{t.From, t.To}] = true
	}
}

// hasStage requires key, when given, to name a stage of the version.
func (pc *proposalCheck) hasStage(field, key string) {
	if pc.content && key != "" {
		if _, ok := pc.stages[key]; !ok {
			pc.add(field, "names no stage of this version: %q", key)
		}
	}
}

// needTarget requires the target to be a stage key (of the version).
func (pc *proposalCheck) needTarget() {
	if pc.spec.target == "" {
		pc.add("target", "is required: the key of the stage this proposal is about")
		return
	}
	pc.hasStage("target", pc.spec.target)
}

func (pc *proposalCheck) addStage() {
	spec := &pc.spec
	spec.stage = readStageFields(pc.r)
	spec.after = pc.r.str("after", false, 64)
	if spec.target == "" {
		spec.target = spec.stage.Key
	} else if spec.target != spec.stage.Key {
		pc.add("target", "must be empty or the new stage's key %q", spec.stage.Key)
	}
	if !pc.content {
		return
	}
	if _, ok := pc.stages[spec.stage.Key]; ok {
		pc.add("payload.key", "stage %q exists already", spec.stage.Key)
	}
	if spec.stage.Cluster != "" && !pc.clusters[spec.stage.Cluster] {
		pc.add("payload.cluster", "names no cluster of this version: %q", spec.stage.Cluster)
	}
	for j, code := range spec.stage.Codes {
		if other, ok := pc.codes[code]; ok {
			pc.add(fmt.Sprintf("payload.codes[%d]", j), "code %q already indicates stage %q; a code indicates one stage", code, other)
		}
	}
	pc.hasStage("payload.after", spec.after)
}

func (pc *proposalCheck) mergeStages() {
	spec := &pc.spec
	spec.keys = pc.r.strings("keys", true)
	spec.into = pc.r.str("into", true, 64)
	if spec.into != "" && !keyRe.MatchString(spec.into) {
		pc.add("payload.into", "must be a stage key: 1-64 letters, digits, '_', '.' or '-'")
	}
	if _, ok := pc.payload["keys"]; ok && len(spec.keys) < 2 {
		pc.add("payload.keys", "name at least two stages to merge")
	}
	seen := map[string]bool{}
	for j, k := range spec.keys {
		if seen[k] {
			pc.add(fmt.Sprintf("payload.keys[%d]", j), "repeats stage %q", k)
		}
		seen[k] = true
		pc.hasStage(fmt.Sprintf("payload.keys[%d]", j), k)
	}
}

func (pc *proposalCheck) splitStage() {
	pc.needTarget()
	into := pc.r.list("into", true)
	if _, ok := pc.payload["into"]; ok && len(into) < 2 {
		pc.add("payload.into", "split into at least two stages")
	}
	pp := joinField(pc.path, "payload")
	for j, x := range into {
		m, ok := x.(map[string]any)
		if !ok {
			pc.add(fmt.Sprintf("payload.into[%d]", j), "must be a stage object")
			continue
		}
		pc.spec.split = append(pc.spec.split, readStage(m, fmt.Sprintf("%s.into[%d]", pp, j), &pc.errs))
	}
}

// transition reads add_transition (add) or remove_transition.
func (pc *proposalCheck) transition(add bool) {
	spec := &pc.spec
	spec.from = pc.r.str("from", true, 64)
	spec.to = pc.r.str("to", true, 64)
	pc.hasStage("payload.from", spec.from)
	pc.hasStage("payload.to", spec.to)
	exists := pc.trans[[2]string{spec.from, spec.to}]
	if add {
		spec.tkind = pc.r.str("kind", false, 20)
		spec.note = pc.r.str("note", false, 2000)
		if spec.tkind == "" {
			spec.tkind = models.TransitionHypothesized
		}
		switch spec.tkind {
		case models.TransitionHypothesized, models.TransitionAlternative, models.TransitionLoop:
		default:
			pc.add("payload.kind", "must be one of hypothesized, alternative, loop")
		}
		if spec.from != "" && spec.from == spec.to && spec.tkind != models.TransitionLoop {
			pc.add("payload.to", "a transition from a stage to itself must have kind loop")
		}
		if pc.content && exists {
			pc.add("payload.to", "the transition %s -> %s exists already", spec.from, spec.to)
		}
	} else if pc.content && spec.from != "" && spec.to != "" && !exists {
		pc.add("payload.to", "names no transition of this version: %s -> %s", spec.from, spec.to)
	}
	if spec.target == "" {
		spec.target = spec.from + "->" + spec.to
	}
}

// CheckProposals checks a review's proposals against version content c
// and returns them in their stored form. A proposal may build on an
// earlier one of the same review (add a stage, then a transition to it),
// so each is checked against the version as the earlier ones would leave
// it. Errors name "proposals[i]".
func CheckProposals(c models.Content, in []models.Proposal) ([]models.Proposal, []models.FieldError) {
	var errs []models.FieldError
	out := make([]models.Proposal, len(in))
	cc := cloneContent(c)
	for i, pr := range in {
		p := fmt.Sprintf("proposals[%d]", i)
		spec, perrs := parseProposal(p, pr, &cc)
		errs = append(errs, perrs...)
		if len(perrs) == 0 {
			switch pr.Kind {
			case models.ProposeAddStage:
				cc.Stages = append(cc.Stages, spec.stage)
			case models.ProposeAddTransition:
				cc.Transitions = append(cc.Transitions, models.Transition{From: spec.from, To: spec.to, Kind: spec.tkind})
			}
		}
		out[i] = models.Proposal{Kind: pr.Kind, Target: spec.target, Payload: spec.payload(), Rationale: pr.Rationale}
	}
	return out, errs
}

// ReviseInput asks for the next draft built from panel rounds; nil Rounds
// are every closed round on the version.
type ReviseInput struct {
	Rounds []int64
	Notes  string
}

// Revise creates the next draft of a model from version n with the
// accepted mechanical proposals of the given closed rounds applied, in
// round order and then proposal order. Every change is recorded in the
// change log with its evidence (round, proposal, rationale, decision
// note); accepted proposals that need judgement (merge_stages,
// split_stage, other) are recorded with op not_applied. The model must be
// valid after each applied proposal; a proposal that cannot be applied
// (its stage is gone, its transition exists already, it leaves the model
// invalid) makes the request fail with 422 naming it as "proposal:{id}".
func (s *Service) Revise(ctx context.Context, actor models.User, slug string, n int, in ReviseInput) (models.Version, error) {
	var errs []models.FieldError
	core.CheckText(&errs, "notes", in.Notes, false, 20000)
	if err := models.Invalid(errs); err != nil {
		return models.Version{}, err
	}
	var out models.Version
	err := s.core.InTx(ctx, func(ctx context.Context) error {
		m, v, err := s.LoadForChange(ctx, actor, slug, n)
		if err != nil {
			return err
		}
		if v.Status == models.StatusDraft {
			return models.Errf(models.ErrConflict, "version %d is a draft; edit it instead of revising it", n)
		}
		all, err := s.store.RoundsOfModel(ctx, m.ID)
		if err != nil {
			return err
		}
		rounds, err := pickRounds(all, v, slug, in.Rounds)
		if err != nil {
			return err
		}
		var accepted []roundProposal
		ids := make([]int64, 0, len(rounds))
		for _, r := range rounds {
			ids = append(ids, r.ID)
			ps, err := s.store.ProposalsOf(ctx, r.ID, models.Page{})
			if err != nil {
				return err
			}
			for _, p := range ps {
				if p.Decision == models.DecisionAccepted {
					accepted = append(accepted, roundProposal{round: r, p: p})
				}
			}
		}
		content, changes, err := applyProposals(v.Content, accepted)
		if err != nil {
			return err
		}
		notes := in.Notes
		if notes == "" {
			notes = fmt.Sprintf("Revised from version %d after panel round(s) %s.", n, joinRoundNumbers(rounds))
		}
		parent := n
		out, err = s.InsertDraft(ctx, actor, m, VersionInput{Parent: &parent, Kind: v.Kind, Notes: notes, Content: content},
			models.Provenance{Rounds: ids}, changes)
		if err != nil {
			return err
		}
		return s.core.Audit(ctx, actor, "version.revise", "version", fmt.Sprintf("%s/%d", slug, out.Number),
			fmt.Sprintf("from version %d, %d accepted proposals", n, len(accepted)))
	})
	return out, err
}

// pickRounds chooses the rounds Revise takes proposals from among all the
// model's rounds: every closed round on version v when ids is nil, else
// the rounds ids names, each of which must be a closed round on v (sorted
// by number).
func pickRounds(all []models.Round, v models.Version, slug string, ids []int64) ([]models.Round, error) {
	var rounds []models.Round
	var errs []models.FieldError
	if ids == nil {
		for _, r := range all {
			if r.VersionID == v.ID && r.Status == models.RoundClosed {
				rounds = append(rounds, r)
			}
		}
		if len(rounds) == 0 {
			return nil, models.InvalidField("rounds", "version %d has no closed panel rounds", v.Number)
		}
	} else {
		byID := map[int64]models.Round{}
		for _, r := range all {
			byID[r.ID] = r
		}
		seen := map[int64]bool{}
		if len(ids) == 0 {
			errs = append(errs, models.FieldError{Field: "rounds", Message: "name at least one round (or leave rounds out for all closed rounds)"})
		}
		for i, id := range ids {
			f := fmt.Sprintf("rounds[%d]", i)
			r, ok := byID[id]
			switch {
			case !ok:
				errs = append(errs, models.FieldError{Field: f, Message: fmt.Sprintf("no round %d on model %s", id, slug)})
			case r.VersionID != v.ID:
				errs = append(errs, models.FieldError{Field: f, Message: fmt.Sprintf("round %d reviewed version %d, not %d", id, r.VersionNumber, v.Number)})
			case r.Status != models.RoundClosed:
				errs = append(errs, models.FieldError{Field: f, Message: fmt.Sprintf("round %d is %s; only closed rounds count", id, r.Status)})
			case seen[id]:
				errs = append(errs, models.FieldError{Field: f, Message: "repeats a round"})
			default:
				seen[id] = true
				rounds = append(rounds, r)
			}
		}
		if err := models.Invalid(errs); err != nil {
			return nil, err
		}
		slices.SortFunc(rounds, func(a, b models.Round) int { return a.Number - b.Number })
	}
	return rounds, nil
}

func joinRoundNumbers(rs []models.Round) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = core.Itoa(int64(r.Number))
	}
	return strings.Join(parts, ", ")
}

type roundProposal struct {
	round models.Round
	p     models.Proposal
}

func cloneContent(c models.Content) models.Content {
	out := models.Content{Stages: make([]models.Stage, len(c.Stages)), Transitions: slices.Clone(c.Transitions), Clusters: slices.Clone(c.Clusters)}
	for i, st := range c.Stages {
		st.Codes = slices.Clone(st.Codes)
		out.Stages[i] = st
	}
	return out
}

// applyProposals applies accepted proposals one by one; see Revise.
func applyProposals(base models.Content, props []roundProposal) (models.Content, []models.ChangeLogEntry, error) {
	c := cloneContent(base)
	changes := []models.ChangeLogEntry{}
	var errs []models.FieldError
	for _, rp := range props {
		p := rp.p
		field := fmt.Sprintf("proposal:%d", p.ID)
		evidence := func(extra ...any) map[string]any {
			e := map[string]any{"round": rp.round.ID, "round_number": rp.round.Number, "proposal": p.ID, "kind": p.Kind,
				"rationale": p.Rationale, "decision_note": p.DecisionNote}
			for i := 0; i+1 < len(extra); i += 2 {
				e[extra[i].(string)] = extra[i+1]
			}
			return e
		}
		spec, perrs := parseProposal(field, p, nil)
		if len(perrs) > 0 {
			errs = append(errs, models.FieldError{Field: field, Message: "is not a valid proposal: " + perrs[0].Message})
			continue
		}
		if !Mechanical(p.Kind) {
			changes = append(changes, models.ChangeLogEntry{Op: "not_applied", Target: spec.target,
				Evidence: evidence("reason", "a "+p.Kind+" proposal needs the PI's judgement; edit the draft to carry it out")})
			continue
		}
		next := cloneContent(c)
		step, err := applyOne(&next, spec)
		if err != "" {
			errs = append(errs, models.FieldError{Field: field, Message: fmt.Sprintf("cannot apply %s (round %d): %s", p.Kind, rp.round.Number, err)})
			continue
		}
		if verrs := ValidateContent(NormalizeContent(next)); len(verrs) > 0 {
			errs = append(errs, models.FieldError{Field: field, Message: fmt.Sprintf("applying %s (round %d) leaves the model invalid: %s: %s",
				p.Kind, rp.round.Number, verrs[0].Field, verrs[0].Message)})
			continue
		}
		c = next
		for _, e := range step {
			ev := evidence(e.extra...)
			changes = append(changes, models.ChangeLogEntry{Op: e.op, Target: e.target, Evidence: ev})
		}
	}
	if err := models.Invalid(errs); err != nil {
		return c, nil, err
	}
	return c, changes, nil
}

type change struct {
	op, target string
	extra      []any
}

func stageIndex(c *models.Content, key string) int {
	return slices.IndexFunc(c.Stages, func(st models.Stage) bool { return st.Key == key })
}

func transitionIndex(c *models.Content, from, to string) int {
	return slices.IndexFunc(c.Transitions, func(t models.Transition) bool { return t.From == from && t.To == to })
}

// dropEmptyClusters removes clusters that lost their last member.
func dropEmptyClusters(c *models.Content) []change {
	var out []change
	c.Clusters = slices.DeleteFunc(c.Clusters, func(k models.Cluster) bool {
		for _, st := range c.Stages {
			if st.Cluster == k.Key {
				return false
			}
		}
		out = append(out, change{op: "remove_cluster", target: k.Key, extra: []any{"reason", "the cluster has no member stages left"}})
		return true
	})
	return out
}

// applyOne applies one mechanical proposal to c and returns the changes,
// or why it cannot be applied.
func applyOne(c *models.Content, p proposalSpec) ([]change, string) {
	switch p.kind {
	case models.ProposeAddStage:
		if stageIndex(c, p.stage.Key) >= 0 {
			return nil, fmt.Sprintf("stage %q exists already", p.stage.Key)
		}
		at := len(c.Stages)
		if p.after != "" {
			i := stageIndex(c, p.after)
			if i < 0 {
				return nil, fmt.Sprintf("stage %q to insert after does not exist", p.after)
			}
			at = i + 1
		}
		c.Stages = slices.Insert(c.Stages, at, p.stage)
		return []change{{op: "add_stage", target: p.stage.Key}}, ""
	case models.ProposeRemoveStage:
		i := stageIndex(c, p.target)
		if i < 0 {
			return nil, fmt.Sprintf("stage %q does not exist (removed already?)", p.target)
		}
		c.Stages = slices.Delete(c.Stages, i, i+1)
		out := []change{{op: "remove_stage", target: p.target}}
		c.Transitions = slices.DeleteFunc(c.Transitions, func(t models.Transition) bool {
			if t.From == p.target || t.To == p.target {
				out = append(out, change{op: "remove_transition", target: t.From + "->" + t.To, extra: []any{"reason", "its stage " + p.target + " was removed"}})
				return true
			}
			return false
		})
		return append(out, dropEmptyClusters(c)...), ""
	case models.ProposeRenameStage:
		i := stageIndex(c, p.target)
		if i < 0 {
			return nil, fmt.Sprintf("stage %q does not exist", p.target)
		}
		old := c.Stages[i].Name
		c.Stages[i].Name = p.name
		return []change{{op: "rename_stage", target: p.target, extra: []any{"from", old, "to", p.name}}}, ""
	case models.ProposeAddTransition:
		for _, k := range []string{p.from, p.to} {
			if stageIndex(c, k) < 0 {
				return nil, fmt.Sprintf("stage %q does not exist", k)
			}
		}
		if transitionIndex(c, p.from, p.to) >= 0 {
			return nil, fmt.Sprintf("the transition %s -> %s exists already", p.from, p.to)
		}
		c.Transitions = append(c.Transitions, models.Transition{From: p.from, To: p.to, Kind: p.tkind, Note: p.note})
		return []change{{op: "add_transition", target: p.from + "->" + p.to}}, ""
	case models.ProposeRemoveTransition:
		i := transitionIndex(c, p.from, p.to)
		if i < 0 {
			return nil, fmt.Sprintf("the transition %s -> %s does not exist (removed already?)", p.from, p.to)
		}
		c.Transitions = slices.Delete(c.Transitions, i, i+1)
		return []change{{op: "remove_transition", target: p.from + "->" + p.to}}, ""
	case models.ProposeMoveToCluster:
		i := stageIndex(c, p.target)
		if i < 0 {
			return nil, fmt.Sprintf("stage %q does not exist", p.target)
		}
		if p.cluster != "" && !slices.ContainsFunc(c.Clusters, func(k models.Cluster) bool { return k.Key == p.cluster }) {
			return nil, fmt.Sprintf("cluster %q does not exist", p.cluster)
		}
		old := c.Stages[i].Cluster
		c.Stages[i].Cluster = p.cluster
		out := []change{{op: "move_to_cluster", target: p.target, extra: []any{"from", old, "to", p.cluster}}}
		return append(out, dropEmptyClusters(c)...), ""
	}
	return nil, "not a mechanical proposal"
}
