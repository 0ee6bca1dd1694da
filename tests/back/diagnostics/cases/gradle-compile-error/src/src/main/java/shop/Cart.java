package shop;

import java.util.List;

public class Cart {
    private final List<Integer> prices;

    public Cart(List<Integer> prices) {
        this.prices = prices;
    }

    public int total() {
        return prices.stream().mapToInt(Integer::intValue).sum();
    }

    public String label() {
        String count = prices.size();
        return count + " items";
    }
}
