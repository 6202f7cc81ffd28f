// Package archtest holds the test that enforces wa-cb's dependency rule:
// the domain packages (every package under pkg/ but the commands,
// pkg/cmdutil, pkg/render and pkg/iostreams) never import, directly or
// through another package, the command line or the terminal: cobra,
// iostreams, render, lipgloss, fatih/color or termenv. A new domain
// package is covered as soon as it exists.
package archtest
