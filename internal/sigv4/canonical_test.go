package sigv4

import (
	"net/http"
	"net/url"
	"testing"
)

func TestCanonicalURI(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "/"},
		{"/", "/"},
		{"//", "/"},
		{"/a/b/", "/a/b/"},
		{"/a/./b/../c", "/a/c"},
		{"/../..", "/"},
		{"/a%20b", "/a%2520b"},
		{"/a b", "/a%2520b"},
		{"/~user/-_.", "/~user/-_."},
		{"/caf%C3%A9", "/caf%25C3%25A9"},
	} {
		u, err := url.Parse("http://h" + c.in)
		if err != nil {
			t.Fatalf("%q: %v", c.in, err)
		}
		if got := canonicalURI(u); got != c.want {
			t.Errorf("canonicalURI(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCanonicalQuery(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"b=2&a=1", "a=1&b=2"},
		{"a=2&a=1&a=10", "a=1&a=10&a=2"},
		{"e", "e="},
		{"&&a=1&", "a=1"},
		{"c=x%20y", "c=x%20y"},
		{"c=x+y", "c=x%2By"},
		{"k=a=b", "k=a%3Db"},
		{"%7Euser=%41", "~user=A"},
		{"bad=%zz", "bad=%25zz"},
		{"a-b=1&a=2", "a=2&a-b=1"},
	} {
		if got := canonicalQuery(c.in); got != c.want {
			t.Errorf("canonicalQuery(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCanonicalHeaderValues(t *testing.T) {
	r, _ := http.NewRequest(http.MethodPost, "http://example.com:8080/", http.NoBody)
	r.Header["X-Multi"] = []string{" a ", "b   c"}
	r.Header["x-lower"] = []string{"v1"}
	r.Header["X-Lower"] = []string{"v2"}
	r.ContentLength = 12
	h := lowerHeaders(r.Header)
	for _, c := range []struct{ name, want string }{
		{"x-multi", "a,b c"},
		{"host", "example.com:8080"},
		{"content-length", "12"},
		{"absent", ""},
	} {
		if got := h.canonicalValue(r, c.name); got != c.want {
			t.Errorf("%s = %q, want %q", c.name, got, c.want)
		}
	}
	if got := len(h["x-lower"]); got != 2 {
		t.Errorf("x-lower has %d values, want 2", got)
	}
	r.Host = "override:1"
	if got := h.canonicalValue(r, "host"); got != "override:1" {
		t.Errorf("host = %q, want r.Host", got)
	}
}

func TestRequestDate(t *testing.T) {
	for _, c := range []struct {
		name, header, value, want string
		ok                        bool
	}{
		{"amz", "X-Amz-Date", "20261127T011919Z", "20261127T011919Z", true},
		{"amz bad", "X-Amz-Date", "20261127T011919", "", false},
		{"amz padded", "X-Amz-Date", "20261127T011919Z0", "", false},
		{"http date instead", "Date", "Fri, 27 Nov 2026 01:19:19 GMT", "", false},
		{"botocore date instead", "Date", "Fri, 27 Nov 2026 01:19:19 -0000", "", false},
	} {
		hdr := http.Header{}
		hdr.Set(c.header, c.value)
		h := lowerHeaders(hdr)
		_, got, err := requestDate(h)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("%s: got %q, %v; want %q ok=%v", c.name, got, err, c.want, c.ok)
		}
	}
}
