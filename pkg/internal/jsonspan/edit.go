package jsonspan

import (
	"errors"
	"slices"
)

// An Edit replaces the source bytes [Start, End) with Text. Edits are made
// against a Doc's source and applied together by Apply; bytes outside them
// are kept exactly.
type Edit struct {
	Start, End int
	Text       []byte
}

// Replace is the edit that puts text (which should be one JSON value) in
// place of value i.
func (d *Doc) Replace(i int32, text []byte) Edit {
	start, end := d.Span(i)
	return Edit{Start: start, End: end, Text: text}
}

// InsertMember is the edit that adds the member key:value after the last
// member of object obj. key and value are encoded JSON (key a string).
func (d *Doc) InsertMember(obj int32, key, value []byte) Edit {
	text := make([]byte, 0, len(key)+len(value)+2)
	last := int32(-1)
	for c := d.First(obj); c >= 0; c = d.Next(c) {
		last = c
	}
	if last >= 0 {
		text = append(text, ',')
	}
	text = append(text, key...)
	text = append(text, ':')
	text = append(text, value...)
	at := int(d.nodes[obj].end) - 1 // before the '}'
	if last >= 0 {
		at = int(d.nodes[last].end)
	}
	return Edit{Start: at, End: at, Text: text}
}

// Delete is the edit that removes member or element i of container, with
// one of the commas around it, so the container stays valid JSON and the
// spacing of the remaining items is kept. ok is false when i is not an
// item of container.
func (d *Doc) Delete(container, i int32) (e Edit, ok bool) {
	prev := int32(-1)
	c := d.First(container)
	for c >= 0 && c != i {
		prev, c = c, d.Next(c)
	}
	if c < 0 {
		return Edit{}, false
	}
	itemStart := func(x int32) int {
		if d.nodes[container].kind == Object {
			return d.memberStart(x)
		}
		return int(d.nodes[x].start)
	}
	end := int(d.nodes[i].end)
	switch next := d.Next(i); {
	case prev >= 0: // drop the comma before
		return Edit{Start: int(d.nodes[prev].end), End: end}, true
	case next >= 0: // first of several: drop the comma after
		return Edit{Start: itemStart(i), End: itemStart(next)}, true
	default:
		return Edit{Start: itemStart(i), End: end}, true
	}
}

// ErrOverlap is returned by Apply for edits that overlap.
var ErrOverlap = errors.New("overlapping edits")

// Apply returns src with the edits made, in source order (edits inserting
// at the same offset keep their order). It sorts edits in place and
// returns ErrOverlap when two of them overlap. With no edits src itself is
// returned.
func Apply(src []byte, edits []Edit) ([]byte, error) {
	if len(edits) == 0 {
		return src, nil
	}
	slices.SortStableFunc(edits, func(a, b Edit) int { return a.Start - b.Start })
	size := len(src)
	for i, e := range edits {
		if e.Start < 0 || e.Start > e.End || e.End > len(src) {
			return nil, errors.New("edit outside the document")
		}
		if i > 0 && e.Start < edits[i-1].End {
			return nil, ErrOverlap
		}
		size += len(e.Text) - (e.End - e.Start)
	}
	out := make([]byte, 0, size)
	last := 0
	for _, e := range edits {
		out = append(out, src[last:e.Start]...)
		out = append(out, e.Text...)
		last = e.End
	}
	return append(out, src[last:]...), nil
}
