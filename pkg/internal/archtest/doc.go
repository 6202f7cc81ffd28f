// Package archtest holds the tests that enforce wa-cb's layering. The
// domain packages (every package under pkg/ but the commands,
// pkg/cmdutil, pkg/render and pkg/iostreams) never import, directly or
// through another package, the command line or the terminal: cobra,
// iostreams, render, lipgloss, fatih/color or termenv. Nor do they speak
// the command line: no string literal of theirs names a flag (--name) or
// a command (wa-cb listen); they return typed errors and fields, and the
// command that owns a flag puts it into words. A new domain package is
// covered as soon as it exists.
package archtest
