package shop;

import java.util.List;

public class Cart {
    private final List<Integer> prices;

    public Cart(List<Integer> prices) {
        this.prices = prices;
    }

    public int total() {
        int sum = 0;
        for (int price : prices) {
            sum += price;
        }
        return summ;
    }
}
