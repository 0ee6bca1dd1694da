pub fn total(prices: &[u32]) -> u32 {
    prices.iter().skip(1).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_prices() {
        assert_eq!(total(&[200, 300]), 500);
    }

    #[test]
    fn empty_is_zero() {
        assert_eq!(total(&[]), 0);
    }
}
