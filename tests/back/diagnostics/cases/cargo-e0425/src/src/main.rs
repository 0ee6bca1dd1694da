fn total(prices: &[u32]) -> u32 {
    prices.iter().sum()
}

fn main() {
    let prices = vec![200, 300];
    let unused = 5;
    println!("total: {}", total(&price));
}
