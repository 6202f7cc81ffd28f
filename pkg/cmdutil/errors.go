// Package cmdutil holds what every wa-cb command shares: the Factory of
// dependencies, the error types and the one table of exit codes.
package cmdutil

import (
	"errors"
	"fmt"
)

// Exit codes: the contract scripts and CI depend on. Map errors to them only
// through ExitCode.
const (
	ExitOK          = 0 // success
	ExitError       = 1 // runtime error: cannot bind, I/O
	ExitUsage       = 2 // usage or configuration error
	ExitCheckFailed = 3 // a check failed: invalid URL, unexpected status, timeout
)

// FlagError is a usage error: the caller prints it with the command's usage
// and exits 2.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf builds a FlagError.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// ConfigError is a configuration error (bad whitelist entry, unknown fixture):
// exit 2, printed without usage.
type ConfigError struct{ err error }

func (e *ConfigError) Error() string { return e.err.Error() }
func (e *ConfigError) Unwrap() error { return e.err }

// ConfigErrorf builds a ConfigError.
func ConfigErrorf(format string, args ...any) error {
	return &ConfigError{err: fmt.Errorf(format, args...)}
}

// ErrCheckFailed means a check failed and its details are already printed:
// exit 3 with no further message.
var ErrCheckFailed = errors.New("check failed")

// ErrSilent means the error is already reported: exit 1 with no message.
var ErrSilent = errors.New("silent error")

// ExitCode maps an error returned by a command to the process exit code.
func ExitCode(err error) int {
	var fe *FlagError
	var ce *ConfigError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, ErrCheckFailed):
		return ExitCheckFailed
	case errors.As(err, &fe), errors.As(err, &ce):
		return ExitUsage
	default:
		return ExitError
	}
}

// IsFlagError reports whether err is a usage error (usage gets printed).
func IsFlagError(err error) bool {
	var fe *FlagError
	return errors.As(err, &fe)
}

// IsSilent reports whether err was already reported to the user.
func IsSilent(err error) bool {
	return errors.Is(err, ErrSilent) || errors.Is(err, ErrCheckFailed)
}
