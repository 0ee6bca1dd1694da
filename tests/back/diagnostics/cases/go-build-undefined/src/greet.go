package main

func greeting(name string) string {
	if name == "" {
		name = "world"
	}
	return "hello, " + nme
}
