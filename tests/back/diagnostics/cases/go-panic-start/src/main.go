package main

import (
	"fmt"
	"os"
	"strings"
)

type config struct {
	listen string
	peers  []string
}

func loadConfig() *config {
	if os.Getenv("SHOP_PEERS") == "" {
		return nil
	}
	return &config{listen: ":8080", peers: strings.Split(os.Getenv("SHOP_PEERS"), ",")}
}

func main() {
	fmt.Println("shop-api starting")
	cfg := loadConfig()
	fmt.Println("listening on", cfg.listen)
}
