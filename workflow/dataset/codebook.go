package dataset

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// FieldError names one invalid field by its path in the request, such as
// "codebook[3].code" or "params.k", and says what is wrong with it. It has
// the same shape as models.FieldError, so a plain conversion carries it over.
type FieldError struct {
	Field   string
	Message string
}

// Code is one entry of a codebook: the code written in event files, the
// family it belongs to (used for per-family reliability) and a readable label.
type Code struct {
	Code   string
	Family string
	Label  string
}

// Limits of a codebook, checked by ValidateCodebook.
const (
	MaxCodes        = 500
	MaxCodeLen      = 32  // characters (runes)
	MaxFamilyLen    = 64  // characters
	MaxCodeLabelLen = 500 // characters
)

// Families of the built-in 3RS-2015 codebook.
const (
	FamilyWithdrawal    = "withdrawal"
	FamilyConfrontation = "confrontation"
	FamilyResolution    = "resolution"
)

// Codebook3RS2015 returns the built-in codebook "3rs-2015": the withdrawal
// markers W1-W7, the confrontation markers C1-C7 and the resolution
// strategies RS01-RS10 of the Rupture Resolution Rating System (2015 manual
// names). Each call returns a fresh slice the caller may modify.
func Codebook3RS2015() []Code {
	return []Code{
		{"W1", FamilyWithdrawal, "Denial"},
		{"W2", FamilyWithdrawal, "Minimal response"},
		{"W3", FamilyWithdrawal, "Abstract communication"},
		{"W4", FamilyWithdrawal, "Avoidant storytelling or shifting topic"},
		{"W5", FamilyWithdrawal, "Deferential and appeasing"},
		{"W6", FamilyWithdrawal, "Content/affect split"},
		{"W7", FamilyWithdrawal, "Self-critical or hopeless"},
		{"C1", FamilyConfrontation, "Complaints about the therapist"},
		{"C2", FamilyConfrontation, "Rejects intervention"},
		{"C3", FamilyConfrontation, "Complaints about the activities of therapy"},
		{"C4", FamilyConfrontation, "Complaints about the parameters of therapy"},
		{"C5", FamilyConfrontation, "Complaints about progress in therapy"},
		{"C6", FamilyConfrontation, "Defends self against the therapist"},
		{"C7", FamilyConfrontation, "Efforts to control or pressure the therapist"},
		{"RS01", FamilyResolution, "Clarifies a misunderstanding"},
		{"RS02", FamilyResolution, "Changes tasks or goals"},
		{"RS03", FamilyResolution, "Illustrates tasks or gives a rationale"},
		{"RS04", FamilyResolution, "Invites discussion of thoughts and feelings about the therapist or therapy"},
		{"RS05", FamilyResolution, "Acknowledges own contribution"},
		{"RS06", FamilyResolution, "Discloses own experience of the interaction"},
		{"RS07", FamilyResolution, "Links the rupture to patterns in the relationship"},
		{"RS08", FamilyResolution, "Links the rupture to the patient's other relationships"},
		{"RS09", FamilyResolution, "Validates the defensive posture"},
		{"RS10", FamilyResolution, "Redirects or refocuses"},
	}
}

// ValidateCodebook checks a custom codebook and returns every violation, with
// fields named "codebook", "codebook[3].code", "codebook[3].family" and
// "codebook[3].label". The rules:
//   - 1 to MaxCodes (500) entries; above the limit only that is reported;
//   - code: non-empty, at most 32 characters, valid UTF-8, printable
//     characters only (spaces allowed inside, not at either end, since
//     imported values are trimmed);
//   - codes are unique, compared case-insensitively (matching during import
//     is exact, so "w1" next to "W1" would only confuse coders);
//   - family: non-empty, at most 64 characters, printable, not padded;
//   - label: optional, at most 500 characters, valid UTF-8 without control
//     characters.
func ValidateCodebook(cs []Code) []FieldError {
	var errs []FieldError
	if len(cs) == 0 {
		return []FieldError{{"codebook", "must contain at least one code"}}
	}
	if len(cs) > MaxCodes {
		return []FieldError{{"codebook", fmt.Sprintf("has %d codes; at most %d are allowed", len(cs), MaxCodes)}}
	}
	first := make(map[string]int, len(cs))
	for i, c := range cs {
		path := fmt.Sprintf("codebook[%d]", i)
		if msg := checkName(c.Code, MaxCodeLen); msg != "" {
			errs = append(errs, FieldError{path + ".code", msg})
		} else {
			key := strings.ToLower(c.Code)
			if j, dup := first[key]; dup {
				errs = append(errs, FieldError{path + ".code", fmt.Sprintf("duplicate of codebook[%d].code (%s)", j, cs[j].Code)})
			} else {
				first[key] = i
			}
		}
		if msg := checkName(c.Family, MaxFamilyLen); msg != "" {
			errs = append(errs, FieldError{path + ".family", msg})
		}
		switch {
		case !utf8.ValidString(c.Label):
			errs = append(errs, FieldError{path + ".label", "is not valid UTF-8"})
		case utf8.RuneCountInString(c.Label) > MaxCodeLabelLen:
			errs = append(errs, FieldError{path + ".label", fmt.Sprintf("is longer than %d characters", MaxCodeLabelLen)})
		case strings.IndexFunc(c.Label, unicode.IsControl) >= 0:
			errs = append(errs, FieldError{path + ".label", "contains a control character"})
		}
	}
	return errs
}

// checkName returns why s is not a valid code or family name, or "".
func checkName(s string, max int) string {
	switch {
	case s == "":
		return "is required"
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case utf8.RuneCountInString(s) > max:
		return fmt.Sprintf("is longer than %d characters", max)
	case strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return "contains a character that is not printable"
	case strings.TrimSpace(s) != s:
		return "has leading or trailing spaces"
	}
	return ""
}
