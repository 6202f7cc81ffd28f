//go:build race

package soak

// soakRequests is how many callbacks the soak test fires: fewer under the
// race detector, which slows everything down tenfold.
const soakRequests = 3000
