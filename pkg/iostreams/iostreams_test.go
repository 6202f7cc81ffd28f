package iostreams

import "testing"

func TestColorDecision(t *testing.T) {
	tests := []struct {
		name string
		mode ColorMode
		env  map[string]string
		tty  bool
		want bool
	}{
		{"tty auto", ColorAuto, nil, true, true},
		{"pipe auto", ColorAuto, nil, false, false},
		{"always on pipe", ColorAlways, nil, false, true},
		{"never on tty", ColorNever, nil, true, false},
		{"NO_COLOR wins over tty", ColorAuto, map[string]string{"NO_COLOR": "1"}, true, false},
		{"CLICOLOR_FORCE on pipe", ColorAuto, map[string]string{"CLICOLOR_FORCE": "1"}, false, true},
		{"CLICOLOR_FORCE=0 ignored", ColorAuto, map[string]string{"CLICOLOR_FORCE": "0"}, false, false},
		{"CLICOLOR=0 on tty", ColorAuto, map[string]string{"CLICOLOR": "0"}, true, false},
		{"TERM=dumb", ColorAuto, map[string]string{"TERM": "dumb"}, true, false},
		{"always beats NO_COLOR", ColorAlways, map[string]string{"NO_COLOR": "1"}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := Test()
			ios.getenv = func(k string) string { return tt.env[k] }
			ios.SetColorMode(tt.mode)
			ios.SetStdoutTTY(tt.tty)
			if got := ios.ColorEnabled(); got != tt.want {
				t.Errorf("ColorEnabled() = %v, want %v", got, tt.want)
			}
		})
	}
}
