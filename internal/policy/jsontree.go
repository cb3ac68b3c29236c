package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// maxDepth bounds the nesting of a document; policies need about six levels.
const maxDepth = 32

// kind is the JSON type of a node.
type kind uint8

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

func (k kind) String() string {
	return [...]string{"null", "a boolean", "a number", "a string", "an array", "an object"}[k]
}

// node is one JSON value with its object members in document order, so that
// duplicate members can be reported instead of silently overwritten.
type node struct {
	kind    kind
	text    string // string value, number literal, or "true"/"false"
	elems   []*node
	members []member
	dup     string // the first member name that occurs twice, if any
}

type member struct {
	name  string
	value *node
}

// decodeTree parses data as exactly one JSON value.
func decodeTree(data []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := decodeValue(dec, 0)
	if err != nil {
		return nil, jsonError(dec, err)
	}
	end := dec.InputOffset()
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("invalid JSON at offset %d: data after the document", end)
	}
	return n, nil
}

func jsonError(dec *json.Decoder, err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("invalid JSON at offset %d: %v", dec.InputOffset(), err)
}

func decodeValue(dec *json.Decoder, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, errors.New("nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return decodeArray(dec, depth)
		}
		return decodeObject(dec, depth)
	case string:
		return &node{kind: kindString, text: t}, nil
	case json.Number:
		return &node{kind: kindNumber, text: t.String()}, nil
	case bool:
		return &node{kind: kindBool, text: fmt.Sprint(t)}, nil
	default:
		return &node{kind: kindNull}, nil
	}
}

func decodeArray(dec *json.Decoder, depth int) (*node, error) {
	n := &node{kind: kindArray}
	for dec.More() {
		e, err := decodeValue(dec, depth+1)
		if err != nil {
			return nil, err
		}
		n.elems = append(n.elems, e)
	}
	_, err := dec.Token() // ']'
	return n, err
}

func decodeObject(dec *json.Decoder, depth int) (*node, error) {
	n := &node{kind: kindObject}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := tok.(string)
		if n.dup == "" && n.member(name) != nil {
			n.dup = name
		}
		v, err := decodeValue(dec, depth+1)
		if err != nil {
			return nil, err
		}
		n.members = append(n.members, member{name, v})
	}
	_, err := dec.Token() // '}'
	return n, err
}

// member returns the value of the member called name, or nil.
func (n *node) member(name string) *node {
	for _, m := range n.members {
		if m.name == name {
			return m.value
		}
	}
	return nil
}

// list returns the elements of an array, or the node itself as a list of one.
func (n *node) list() []*node {
	if n.kind == kindArray {
		return n.elems
	}
	return []*node{n}
}
