package core

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// TestTokenDigest: TokenDigest is the SHA-256 that HashToken writes in hex,
// for tokens of every length (the stack buffer holds 128 bytes; longer
// tokens take the other branch), and it allocates nothing.
func TestTokenDigest(t *testing.T) {
	for _, tok := range []string{"", "abc", "sw_" + strings.Repeat("x", 43), strings.Repeat("y", 128), strings.Repeat("z", 129), strings.Repeat("w", 5000)} {
		d := TokenDigest(tok)
		if want := sha256.Sum256([]byte(tok)); d != want {
			t.Errorf("TokenDigest of a %d-byte token differs from SHA-256", len(tok))
		}
		if hex.EncodeToString(d[:]) != HashToken(tok) {
			t.Errorf("HashToken of a %d-byte token is not the hex of TokenDigest", len(tok))
		}
	}
	tok := "sw_" + strings.Repeat("x", 43)
	if n := testing.AllocsPerRun(100, func() { TokenDigest(tok) }); n != 0 {
		t.Errorf("TokenDigest allocates %.0f objects, want 0", n)
	}
}
