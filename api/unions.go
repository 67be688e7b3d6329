package api

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// The unions of the contract: a proposal's payload depends on its kind, a
// selection's params on its rule. Each is documented as a oneOf whose
// alternatives fix the discriminating field, so a validator picks exactly
// one and a generated client gets one type per alternative.

type payloadField struct {
	name     string
	schema   func(g *schemaGen, in bool) *openapi3.SchemaRef
	required bool // in requests; every field is present in responses
	doc      string
}

func str(doc string) func(*schemaGen, bool) *openapi3.SchemaRef {
	return func(*schemaGen, bool) *openapi3.SchemaRef {
		return doc2(openapi3.NewStringSchema(), doc).NewRef()
	}
}

func strEnum(values ...string) func(*schemaGen, bool) *openapi3.SchemaRef {
	return func(g *schemaGen, _ bool) *openapi3.SchemaRef {
		if name, ok := namedEnums[strings.Join(values, ",")]; ok {
			return g.enumRef(name, strings.Join(values, ","))
		}
		return openapi3.NewStringSchema().WithEnum(toAny(values)...).NewRef()
	}
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func strList(minItems uint64) func(*schemaGen, bool) *openapi3.SchemaRef {
	return func(*schemaGen, bool) *openapi3.SchemaRef {
		s := openapi3.NewArraySchema().WithItems(openapi3.NewStringSchema())
		s.MinItems = minItems
		return s.NewRef()
	}
}

// stageFields are the fields of a stage in add_stage and split_stage.
var stageFields = []payloadField{
	{"key", str("the new stage's key"), true, ""},
	{"name", str(""), true, ""},
	{"description", str(""), false, ""},
	{"actor", strEnum("patient", "therapist", "dyad"), true, ""},
	{"role", strEnum("marker", "process", "resolution"), true, ""},
	{"optional", func(*schemaGen, bool) *openapi3.SchemaRef { return openapi3.NewBoolSchema().NewRef() }, false, ""},
	{"cluster", str("a cluster key, or empty"), false, ""},
	{"codes", strList(1), true, ""},
}

func payloadObject(g *schemaGen, in bool, fields []payloadField) *openapi3.Schema {
	s := openapi3.NewObjectSchema()
	if in {
		s.AdditionalProperties = openapi3.AdditionalProperties{Has: ptr(false)}
	}
	for _, f := range fields {
		s.Properties[f.name] = f.schema(g, in)
		if f.required || !in {
			s.Required = append(s.Required, f.name)
		}
	}
	return s
}

// proposalKinds lists each kind's payload (workflow/versions/revise.go).
var proposalKinds = []struct {
	kind, name, doc string
	fields          []payloadField
}{
	{"add_stage", "AddStage", "Add a stage after the stage named by after (default: the last); target is empty or the new key.",
		append(append([]payloadField{}, stageFields...), payloadField{"after", str("the stage the new one follows"), false, ""})},
	{"remove_stage", "RemoveStage", "Remove the stage named by target; the payload is empty.", nil},
	{"rename_stage", "RenameStage", "Rename the stage named by target.", []payloadField{{"name", str("the new name"), true, ""}}},
	{"merge_stages", "MergeStages", "Merge two or more stages into one (needs the PI's judgement; not applied by revise).",
		[]payloadField{{"keys", strList(2), true, ""}, {"into", str("the merged stage's key"), true, ""}}},
	{"split_stage", "SplitStage", "Split the stage named by target into two or more (needs the PI's judgement; not applied by revise).",
		[]payloadField{{"into", func(g *schemaGen, in bool) *openapi3.SchemaRef {
			s := openapi3.NewArraySchema().WithItems(payloadObject(g, in, stageFields))
			s.MinItems = 2
			return s.NewRef()
		}, true, ""}}},
	{"add_transition", "AddTransition", "Add a transition.", []payloadField{{"from", str(""), true, ""}, {"to", str(""), true, ""},
		{"kind", strEnum("hypothesized", "alternative", "loop"), false, ""}, {"note", str(""), false, ""}}},
	{"remove_transition", "RemoveTransition", "Remove a transition.", []payloadField{{"from", str(""), true, ""}, {"to", str(""), true, ""}}},
	{"move_to_cluster", "MoveToCluster", "Move the stage named by target into a cluster (\"\" leaves every cluster).",
		[]payloadField{{"cluster", str(""), true, ""}}},
	{"other", "Other", "Anything else, in words (needs the PI's judgement; not applied by revise).", []payloadField{{"text", str(""), false, ""}}},
}

// proposalUnion is a proposal, one alternative per kind; base gives the
// fields besides kind and payload.
func proposalUnion(g *schemaGen, in bool, base reflect.Type, prefix string) *openapi3.Schema {
	common := g.object(base, in)
	u := &openapi3.Schema{Discriminator: &openapi3.Discriminator{PropertyName: "kind", Mapping: map[string]openapi3.MappingRef{}}}
	suffix := ""
	if in {
		suffix = "Input"
	}
	for _, k := range proposalKinds {
		props := openapi3.Schemas{}
		var required []string
		for name, p := range common.Properties {
			if name != "kind" && name != "payload" {
				props[name] = p
			}
		}
		for _, r := range common.Required {
			if r != "kind" && r != "payload" {
				required = append(required, r)
			}
		}
		payload := payloadObject(g, in, k.fields)
		if in {
			payload.Nullable = true // null is an empty payload
		}
		props["payload"] = payload.NewRef()
		if !in || len(k.fields) > 0 && k.fields[0].required {
			required = append(required, "payload")
		}
		v := variant("kind", k.kind, true, in, props, required...)
		v.Description = k.doc
		name := prefix + k.name + "Proposal" + suffix
		ref := g.named(name, reflect.TypeOf(struct{ kindName string }{k.name}), v)
		u.OneOf = append(u.OneOf, &openapi3.SchemaRef{Ref: ref.Ref})
		u.Discriminator.Mapping[k.kind] = openapi3.MappingRef{Ref: ref.Ref}
	}
	return u
}

type proposalBase struct {
	Target    string `json:"target" default:"" doc:"the stage key the proposal is about (rename_stage, remove_stage, split_stage, move_to_cluster)"`
	Rationale string `json:"rationale" default:""`
}

func (proposalRequest) openAPIName() string { return "Proposal" }

func (proposalRequest) openAPISchema(g *schemaGen, in bool) *openapi3.Schema {
	return proposalUnion(g, in, reflect.TypeOf(proposalBase{}), "")
}

func (proposalResponse) openAPISchema(g *schemaGen, in bool) *openapi3.Schema {
	return proposalUnion(g, in, reflect.TypeOf(proposalResponseBase{}), "")
}

// proposalResponseBase documents proposalResponse's fields besides kind
// and payload (it must list the same fields).
type proposalResponseBase struct {
	ID    int64 `json:"id"`
	Round int64 `json:"round"`
	// Author is the round's pseudonym of the panelist (P1, P2, …).
	Author       string     `json:"author,omitempty" doc:"the round's pseudonym of the panelist (P1, P2, …); absent in one's own review"`
	Kind         string     `json:"kind"`
	Target       string     `json:"target"`
	Rationale    string     `json:"rationale"`
	Mechanical   bool       `json:"mechanical" doc:"revise applies proposals of this kind"`
	Decision     string     `json:"decision" enum:"undecided,accepted,rejected,deferred"`
	DecisionNote string     `json:"decision_note"`
	DecidedAt    *time.Time `json:"decided_at"`
}

// selections: rise_after_rupture (the default rule) and v_shape.

func (selectionRequest) openAPIName() string { return "Selection" }

func selectionUnion(g *schemaGen, in bool, prefix string, extra openapi3.Schemas, extraRequired []string) *openapi3.Schema {
	num := func(doc string, def any, lo, hi float64) *openapi3.SchemaRef {
		s := doc2(openapi3.NewFloat64Schema(), doc).WithMin(lo).WithMax(hi)
		if in {
			s.Description = withDefault(s.Description, fmt.Sprint(def))
		}
		return s.NewRef()
	}
	k := doc2(openapi3.NewIntegerSchema(), "sessions kept per case, the highest scores first; 0 keeps every candidate").WithMin(0).WithMax(1000)
	raters := doc2(openapi3.NewStringSchema().WithEnum("either", "both"), "either rater's reports, or both raters', must show the V")
	if in {
		k.Description, raters.Description = withDefault(k.Description, "2"), withDefault(raters.Description, `"either"`)
	}
	rules := []struct {
		rule, name, doc string
		params          openapi3.Schemas
	}{
		{"rise_after_rupture", "RiseAfterRupture", "The default rule: session n ≥ 2 is a candidate when patient or therapist reported a rupture in it and both raters' WAI mean rose from session n−1; ranked by the sum of the two rises, the top k per case are kept.",
			openapi3.Schemas{"k": k.NewRef()}},
		{"v_shape", "VShape", "Session n is selected when WAI(n) ≤ case mean − z·SD and WAI(n+1) ≥ case mean, per rater (raters: either or both must show it).",
			openapi3.Schemas{"z": num("how many within-case standard deviations below the case mean the dip reaches", 1, 0, 10), "raters": raters.NewRef()}},
	}
	u := &openapi3.Schema{}
	if !in {
		u.Discriminator = &openapi3.Discriminator{PropertyName: "rule", Mapping: map[string]openapi3.MappingRef{}}
	}
	for i, r := range rules {
		params := openapi3.NewObjectSchema()
		params.Properties = r.params
		if in {
			params.AdditionalProperties = openapi3.AdditionalProperties{Has: ptr(false)}
		} else {
			for name := range r.params {
				params.Required = append(params.Required, name)
			}
			slices.Sort(params.Required) // map order is random; the document is not
		}
		props := openapi3.Schemas{"params": params.NewRef()}
		for n, s := range extra {
			props[n] = s
		}
		req := append([]string{}, extraRequired...)
		if !in {
			req = append(req, "params")
		}
		// In a request the rule may be left out: it is then rise_after_rupture.
		v := variant("rule", r.rule, !in || i > 0, in, props, req...)
		v.Description = r.doc
		suffix := ""
		if in {
			suffix = "Input"
		}
		ref := g.named(prefix+r.name+suffix, reflect.TypeOf(struct{ ruleName string }{r.name}), v)
		if in {
			// anyOf, not oneOf: the first alternative leaves rule optional,
			// which a linter cannot see is still exclusive (v_shape requires
			// rule: v_shape, which the first alternative's enum refuses).
			u.AnyOf = append(u.AnyOf, &openapi3.SchemaRef{Ref: ref.Ref})
			continue
		}
		u.OneOf = append(u.OneOf, &openapi3.SchemaRef{Ref: ref.Ref})
		if u.Discriminator != nil {
			u.Discriminator.Mapping[r.rule] = openapi3.MappingRef{Ref: ref.Ref}
		}
	}
	return u
}

func (selectionRequest) openAPISchema(g *schemaGen, in bool) *openapi3.Schema {
	return selectionUnion(g, in, "Selection", nil, nil)
}

func (selectionResponse) openAPISchema(g *schemaGen, in bool) *openapi3.Schema {
	extra := openapi3.Schemas{
		"id":         openapi3.NewInt64Schema().NewRef(),
		"selected":   &openapi3.SchemaRef{Value: &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeArray}, Items: g.ref(reflect.TypeOf(selectedDTO{}), false)}},
		"created_at": openapi3.NewDateTimeSchema().NewRef(),
	}
	return selectionUnion(g, in, "Selection", extra, []string{"id", "selected", "created_at"})
}

func doc2(s *openapi3.Schema, doc string) *openapi3.Schema {
	s.Description = doc
	return s
}
