package main

import "fmt"

func main() {
	port := "8080"
	fmt.Printf("listening on port %d\n", port)
}
