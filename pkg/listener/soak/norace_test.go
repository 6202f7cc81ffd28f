//go:build !race

package soak

// soakRequests is how many callbacks the soak test fires.
const soakRequests = 20000
