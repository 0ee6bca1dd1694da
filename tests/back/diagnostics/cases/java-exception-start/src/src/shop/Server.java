package shop;

import java.util.Map;

public class Server {
    static int port(Map<String, String> env) {
        String value = env.get("SHOP_PORT");
        return Integer.parseInt(value.trim());
    }

    public static void main(String[] args) {
        System.out.println("shop server starting");
        int port = port(System.getenv());
        System.out.println("listening on " + port);
    }
}
