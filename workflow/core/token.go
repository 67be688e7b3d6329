package core

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stagewise/stagewise/models"
)

// Itoa formats an id for audit entries and messages.
func Itoa(n int64) string { return strconv.FormatInt(n, 10) }

// NewToken returns a fresh random bearer token (256 bits).
func NewToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "sw_" + base64.RawURLEncoding.EncodeToString(b), nil
}

// HashToken is how tokens are stored: only their SHA-256, in hex.
func HashToken(token string) string {
	h := TokenDigest(token)
	var buf [2 * sha256.Size]byte // one allocation
	hex.Encode(buf[:], h[:])
	return string(buf[:])
}

// TokenDigest is a token's SHA-256 (HashToken before hex), the key of the
// authentication cache: computed without allocating, as it is for every
// request.
func TokenDigest(token string) [sha256.Size]byte {
	var buf [128]byte // tokens are 46 bytes; longer ones are hashed all the same
	if len(token) > len(buf) {
		return sha256.Sum256([]byte(token))
	}
	return sha256.Sum256(append(buf[:0], token...))
}

// CheckText appends a field error when v is blank but required, or longer
// than max characters.
func CheckText(errs *[]models.FieldError, field, v string, required bool, max int) {
	if required && strings.TrimSpace(v) == "" {
		*errs = append(*errs, models.FieldError{Field: field, Message: "is required"})
		return
	}
	if utf8.RuneCountInString(v) > max {
		*errs = append(*errs, models.FieldError{Field: field, Message: "must be at most " + Itoa(int64(max)) + " characters"})
	}
}
