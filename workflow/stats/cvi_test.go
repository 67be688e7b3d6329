package stats

import "testing"

func TestModifiedKappaPolitBeckOwen(t *testing.T) {
	// Polit DF, Beck CT, Owen SV (2007). Is the CVI an acceptable indicator
	// of content validity? Res Nurs Health 30:459-467, the table of I-CVI, Pc
	// and κ* by number of experts and number giving a rating of 3 or 4,
	// given to two decimals (Pc to three). Hand computation:
	//   9 experts, 8 agree: I-CVI 8/9 = .889; Pc = C(9,8)·.5^9 = 9/512 =
	//     .0176; κ* = (.8889 − .0176)/(1 − .0176) = .8713/.9824 = .887
	//   6 experts, 5 agree: I-CVI 5/6 = .833; Pc = 6/64 = .094;
	//     κ* = (.8333 − .09375)/.90625 = .816
	//   3 experts, 3 agree: I-CVI 1; Pc = 1/8 = .125; κ* = .875/.875 = 1
	for _, c := range []struct {
		a, n            int
		icvi, pc, kappa float64
		pcExact         float64
	}{
		{8, 9, .89, .018, .89, 9.0 / 512},
		{5, 6, .83, .094, .82, 6.0 / 64},
		{3, 3, 1.00, .125, 1.00, 1.0 / 8},
	} {
		icvi, pc, k, ok := ModifiedKappa(c.a, c.n)
		if !ok {
			t.Fatalf("%d/%d not ok", c.a, c.n)
		}
		if !qNear(icvi, c.icvi, .005) || !qNear(pc, c.pc, .0005) || !qNear(k, c.kappa, .005) {
			t.Errorf("%d of %d: I-CVI %.4f Pc %.4f κ* %.4f, want %.2f %.3f %.2f",
				c.a, c.n, icvi, pc, k, c.icvi, c.pc, c.kappa)
		}
		if !qNear(pc, c.pcExact, 1e-12) {
			t.Errorf("%d of %d: Pc %v, want exactly %v", c.a, c.n, pc, c.pcExact)
		}
		if want := (float64(c.a)/float64(c.n) - c.pcExact) / (1 - c.pcExact); !qNear(k, want, 1e-12) {
			t.Errorf("%d of %d: κ* %v, want %v", c.a, c.n, k, want)
		}
	}
	if _, _, k, _ := ModifiedKappa(3, 3); k != 1 {
		t.Errorf("κ* for universal agreement %v, want exactly 1", k)
	}
	if _, _, _, ok := ModifiedKappa(0, 0); ok {
		t.Error("n = 0 must not be ok")
	}
	// A large panel does not overflow C(N, A).
	if _, pc, k, ok := ModifiedKappa(1500, 2000); !ok || pc < 0 || pc > 1e-100 || !qNear(k, 0.75, 1e-9) {
		t.Errorf("large panel: pc %v κ* %v", pc, k)
	}
}

func TestSCVI(t *testing.T) {
	// Polit & Beck (2006): S-CVI/Ave is the mean I-CVI, S-CVI/UA the share
	// of items rated relevant by every expert. Items .8, 1, 1, .6:
	// Ave = 3.4/4 = .85, UA = 2/4 = .5.
	ave, ua := SCVI([]float64{0.8, 1, 1, 0.6})
	if !qNear(ave, 0.85, 1e-12) || ua != 0.5 {
		t.Fatalf("ave %v ua %v", ave, ua)
	}
	if ave, ua := SCVI(nil); ave != 0 || ua != 0 {
		t.Fatalf("empty: %v %v", ave, ua)
	}
}
