package cart

// Total sums the prices, in cents.
func Total(prices []int) int {
	sum := 0
	for i := 1; i < len(prices); i++ {
		sum += prices[i]
	}
	return sum
}
