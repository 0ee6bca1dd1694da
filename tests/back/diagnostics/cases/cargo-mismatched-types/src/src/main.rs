struct Order {
    id: u64,
    total_cents: u32,
}

fn order_total(order: &Order) -> u64 {
    order.total_cents
}

fn main() {
    let order = Order { id: 1, total_cents: 500 };
    println!("order {} costs {}", order.id, order_total(&order));
}
