package models

import "time"

// CodebookBuiltin3RS2015 names the built-in 3RS codebook (2015 manual
// names); a dataset whose codebook was given as a list has CodebookCustom.
const (
	CodebookBuiltin3RS2015 = "3rs-2015"
	CodebookCustom         = "custom"
)

// Code is one entry of a dataset's codebook.
type Code struct {
	Code   string
	Family string
	Label  string
}

// Dataset holds coded cases: a codebook, the WAI-12 items it scores
// reversed, and (stored apart) cases, sessions, reports, events and
// selections.
type Dataset struct {
	ID           int64
	Name         string
	OwnerID      int64
	OwnerName    string
	CodebookName string // CodebookBuiltin3RS2015 or CodebookCustom
	Codebook     []Code
	ReverseKeyed []int
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// UnblindedAt and UnblindedBy say when and by whom a team PI opened the
	// coders' work to each other (nil while the coding is blind).
	UnblindedAt *time.Time
	UnblindedBy *int64
}

// Roles of a dataset team member.
const (
	MemberPI    = "pi"
	MemberCoder = "coder"
)

// ConsensusCoder is the coder name under which consensus coding is stored;
// no coder member may code under it.
const ConsensusCoder = "consensus"

// DatasetMember is one person on a dataset's team: a PI (the creator or a
// co-investigator) or a coder, with the coder name they code under (always
// set for coders, optional for PIs).
type DatasetMember struct {
	DatasetID int64
	UserID    int64
	Name      string
	Role      string // MemberPI or MemberCoder
	Coder     string
	AddedAt   time.Time
}

// DatasetStats counts what a dataset holds.
type DatasetStats struct {
	Cases    int
	Sessions int
	Reports  int
	Events   int
	// Coders lists every coder with events, in byte order, with their count.
	Coders []CoderCount
}

// CoderCount is how many events one coder has in a dataset.
type CoderCount struct {
	Coder  string
	Events int
}

// Case is one therapy case of a dataset, identified by its label.
type Case struct {
	ID        int64
	DatasetID int64
	Label     string
	Treatment string
	Therapist string
	Outcome   string
	// Sessions is how many sessions the case has.
	Sessions int
}

// Raters of a session report.
const (
	RaterPatient   = "patient"
	RaterTherapist = "therapist"
)

// SessionReport is one rater's WAI-12 answers (as given, before reverse
// keying) and rupture report for a session. Intensity and Resolution (1-5)
// are nil when not reported.
type SessionReport struct {
	Case       string
	Session    int
	Rater      string
	WAI        [12]int
	Rupture    bool
	Intensity  *int
	Resolution *int
}

// Session is one session of a case, by case label and session number as
// imported, with its reports (patient first, then therapist).
type Session struct {
	ID      int64
	Case    string
	Number  int
	Reports []SessionReport
}

// Event is one code given by one coder to one segment of a session. Onset
// (seconds) and Salience (1-5) are optional; Seq is the event's position in
// the import that stored it (its file line for CSV), which breaks ties when
// events are put in analysis order.
type Event struct {
	ID       int64
	Case     string
	Session  int
	Coder    string
	Segment  int
	Onset    *float64
	Code     string
	Salience *int
	Seq      int64
}

// EventFilter restricts an event listing; empty fields do not filter.
type EventFilter struct {
	Coder string
	Case  string
}

// SessionKey names a session by case label and session number.
type SessionKey struct {
	Case    string
	Session int
}

// SessionCodes is one session's codes by one coder, in analysis order.
type SessionCodes struct {
	Case    string
	Session int
	Codes   []string
}

// SelectedSession is one session a selection rule picked, with the score
// that ranked it and the numbers behind it in words.
type SelectedSession struct {
	Case    string
	Session int
	Score   float64
	Reason  string
}

// Selection is a stored session selection: the rule, its parameters with
// every default filled in, and what it selected.
type Selection struct {
	ID        int64
	DatasetID int64
	Rule      string
	Params    map[string]any
	Selected  []SelectedSession
	CreatedBy int64
	CreatedAt time.Time
}

// ImportCounts says what an import changed.
type ImportCounts struct {
	// Imported is the number of rows stored.
	Imported int
	// Replaced is the number of stored rows the import replaced: reports of
	// the same (case, session, rater), or events of a (case, session,
	// coder) present in the import.
	Replaced int
	// CasesCreated and SessionsCreated count cases and sessions that did not
	// exist before.
	CasesCreated    int
	SessionsCreated int
}

// CodedUnit is one code given in a (session, segment) by a coder, as
// reliability reads them.
type CodedUnit struct {
	SessionID int64
	Segment   int
	Coder     string
	Code      string
}
