// Package soak proves that wa-cb's listener holds: its tests fire tens of
// thousands of callbacks at `wa-cb listen --record` (run in-process, the
// real command and engine) and check that the recording holds every one
// exactly once, and they send hostile input (bodies at and over the limit,
// slow clients, binary junk, deep nesting, huge numbers and headers,
// invalid UTF-8, thousands of parameters) and check that every answer is
// sensible and that normal callbacks are still answered meanwhile.
//
// Everything binds 127.0.0.1:0 and talks to loopback only. The number of
// callbacks is scaled down under the race detector and with -short.
package soak
