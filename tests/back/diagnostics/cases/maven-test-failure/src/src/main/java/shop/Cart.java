package shop;

import java.util.List;

public class Cart {
    public static int total(List<Integer> prices) {
        int sum = 0;
        for (int i = 1; i < prices.size(); i++) {
            sum += prices.get(i);
        }
        return sum;
    }
}
