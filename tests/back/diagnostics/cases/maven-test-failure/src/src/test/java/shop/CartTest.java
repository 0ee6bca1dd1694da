package shop;

import static org.junit.Assert.assertEquals;

import java.util.List;
import org.junit.Test;

public class CartTest {
    @Test
    public void totalAddsPrices() {
        assertEquals(500, Cart.total(List.of(200, 300)));
    }
}
