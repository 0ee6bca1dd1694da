package cart

import "testing"

func TestTotal(t *testing.T) {
	if got := Total([]int{200, 300}); got != 500 {
		t.Errorf("Total([200 300]) = %d, want 500", got)
	}
}

func TestEmpty(t *testing.T) {
	if got := Total(nil); got != 0 {
		t.Errorf("Total(nil) = %d, want 0", got)
	}
}
