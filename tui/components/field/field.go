// Package field makes the text fields both sides type into: a steady
// cursor (a blinking one redraws the screen for nothing, and makes golden
// screens differ), the prompt and the hint shown while it is empty.
package field

import "charm.land/bubbles/v2/textinput"

// New is a text field with prompt before it and placeholder in it while
// it is empty.
func New(prompt, placeholder string) textinput.Model {
	ti := textinput.New()
	st := ti.Styles()
	st.Cursor.Blink = false
	ti.SetStyles(st)
	ti.Prompt = prompt
	ti.Placeholder = placeholder
	return ti
}
