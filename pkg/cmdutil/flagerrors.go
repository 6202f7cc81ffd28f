package cmdutil

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/wa-cb/wa-cb/pkg/fixture"
)

// FlagErrorFunc turns what the flag parser reports into a usage error in the
// user's words: the flag as typed, the value given and what is wanted, never
// the parser's internals (strconv.ParseInt, time: invalid duration). cobra
// calls it for every flag error of every command once the root installs it
// with SetFlagErrorFunc.
func FlagErrorFunc(cmd *cobra.Command, err error) error {
	var (
		notExist *pflag.NotExistError
		required *pflag.ValueRequiredError
		invalid  *pflag.InvalidValueError
		syntax   *pflag.InvalidSyntaxError
	)
	switch {
	case errors.As(err, &notExist):
		return &FlagError{Err: unknownFlag(cmd, notExist)}
	case errors.As(err, &required):
		return FlagErrorf("%s needs a value", flagAsTyped(required.GetSpecifiedName(), required.GetSpecifiedShortnames()))
	case errors.As(err, &invalid):
		fl := invalid.GetFlag()
		return FlagErrorf("invalid --%s %q: %s", fl.Name, invalid.GetValue(), wanted(fl, invalid.Unwrap()))
	case errors.As(err, &syntax):
		return FlagErrorf("%q is not a flag: flags look like --name or --name=value", syntax.GetSpecifiedFlag())
	}
	return &FlagError{Err: err}
}

func flagAsTyped(name, shorthands string) string {
	if shorthands != "" {
		return "-" + name
	}
	return "--" + name
}

func unknownFlag(cmd *cobra.Command, e *pflag.NotExistError) error {
	name := e.GetSpecifiedName()
	if short := e.GetSpecifiedShortnames(); short != "" {
		if len(short) > 1 {
			return fmt.Errorf("unknown flag -%s in -%s", name[:1], short)
		}
		return fmt.Errorf("unknown flag -%s", name[:1])
	}
	if s := closestFlag(cmd, name); s != "" {
		return fmt.Errorf("unknown flag --%s; did you mean --%s?", name, s)
	}
	return fmt.Errorf("unknown flag --%s", name)
}

// closestFlag is the visible flag of cmd nearest to name.
func closestFlag(cmd *cobra.Command, name string) string {
	var names []string
	cmd.Flags().VisitAll(func(fl *pflag.Flag) {
		if !fl.Hidden {
			names = append(names, fl.Name)
		}
	})
	return Closest(name, names)
}

// Closest is the candidate a mistyped name most likely meant ("" when none
// is close), by the rule that suggests fixture names.
func Closest(name string, candidates []string) string {
	if s := fixture.Suggest(name, candidates, 1); len(s) > 0 {
		return s[0]
	}
	return ""
}

// wanted says in words what kind of value the flag takes.
func wanted(fl *pflag.Flag, cause error) string {
	var num *strconv.NumError
	if errors.As(cause, &num) && errors.Is(num.Err, strconv.ErrRange) {
		return "out of range"
	}
	switch fl.Value.Type() {
	case "int", "int8", "int16", "int32", "int64", "intSlice", "int32Slice", "int64Slice":
		return "want a whole number such as 10"
	case "uint", "uint8", "uint16", "uint32", "uint64", "uintSlice":
		return "want a whole number of 0 or more, such as 10"
	case "float32", "float64", "float32Slice", "float64Slice":
		return "want a number such as 0.5"
	case "bool", "boolSlice":
		return "want true or false"
	case "duration", "durationSlice":
		return "want a duration such as 500ms, 30s or 2m"
	}
	if cause == nil {
		return "not a valid value"
	}
	return cause.Error()
}
