package urlcheck

//go:generate go run ./internal/pslgen psl_parents.go
