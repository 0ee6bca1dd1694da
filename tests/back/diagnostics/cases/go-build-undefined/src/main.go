package main

import (
	"fmt"
	"net/http"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, greeting(r.URL.Query().Get("name")))
	})
	http.ListenAndServe(addr, nil)
}
