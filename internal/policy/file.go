package policy

import (
	"strings"
)

// File is a policy file as tunneld reads it (--policy-file):
//
//	{"users": [{"name": "support", "accessKeyIds": ["AKIA..."],
//	            "policies": [<IAM policy document>, ...]}]}
//
// It names users, the access keys that sign as each user, and each user's
// identity-based policies. It holds no secrets.
type File struct {
	Users []*User
	byKey map[string]*User
}

// User is one user of a policy file.
type User struct {
	// Name is the IAM user name; the user's ARN is
	// arn:aws:iam::<account>:user/<Name>.
	Name string
	// AccessKeyIDs are the access keys that authenticate as this user.
	AccessKeyIDs []string
	// Policies are the user's identity-based policies, evaluated together.
	Policies []*Policy
}

// Evaluate decides a request made by the user against all its policies.
func (u *User) Evaluate(r *Request) Decision {
	return Evaluate(u.Policies, r)
}

// UserByAccessKey returns the user that lists access key id.
func (f *File) UserByAccessKey(id string) (*User, bool) {
	u, ok := f.byKey[id]
	return u, ok
}

// ParseFile parses a policy file. It is strict: unknown members, invalid
// user names, a user name used twice (user names are case-insensitive, as in
// IAM) and an access key listed twice are errors, each naming its field,
// e.g. `users[1].policies[0].Statement[3].Effect: ...`. An empty users list
// is valid and allows nothing.
func ParseFile(data []byte) (*File, error) {
	n, err := decodeTree(data)
	if err != nil {
		return nil, &ParseError{Msg: err.Error()}
	}
	if err := checkObject(n, "", "users"); err != nil {
		return nil, err
	}
	un := n.member("users")
	if un == nil {
		return nil, errorf("users", "missing")
	}
	if err := wantKind(un, kindArray, "users"); err != nil {
		return nil, err
	}
	f := &File{byKey: map[string]*User{}}
	names := map[string]bool{}
	for i, e := range un.elems {
		path := index("users", i)
		u, err := f.parseUser(e, path)
		if err != nil {
			return nil, err
		}
		if low := strings.ToLower(u.Name); names[low] {
			return nil, errorf(field(path, "name"), "user %q is listed twice", u.Name)
		} else {
			names[low] = true
		}
		f.Users = append(f.Users, u)
	}
	return f, nil
}

func (f *File) parseUser(n *node, path string) (*User, error) {
	if err := checkObject(n, path, "name", "accessKeyIds", "policies"); err != nil {
		return nil, err
	}
	u := &User{}
	name := n.member("name")
	np := field(path, "name")
	if name == nil {
		return nil, errorf(np, "missing")
	}
	if err := wantKind(name, kindString, np); err != nil {
		return nil, err
	}
	if err := checkUserName(name.text); err != nil {
		return nil, at(np, err)
	}
	u.Name = name.text
	if err := f.parseKeys(u, n.member("accessKeyIds"), field(path, "accessKeyIds")); err != nil {
		return nil, err
	}
	if pn := n.member("policies"); pn != nil {
		pp := field(path, "policies")
		if err := wantKind(pn, kindArray, pp); err != nil {
			return nil, err
		}
		for i, e := range pn.elems {
			p, err := parsePolicy(e, index(pp, i))
			if err != nil {
				return nil, err
			}
			u.Policies = append(u.Policies, p)
		}
	}
	return u, nil
}

func (f *File) parseKeys(u *User, n *node, path string) error {
	if n == nil {
		return nil
	}
	if err := wantKind(n, kindArray, path); err != nil {
		return err
	}
	for i, e := range n.elems {
		kp := index(path, i)
		if err := wantKind(e, kindString, kp); err != nil {
			return err
		}
		if err := checkAccessKeyID(e.text); err != nil {
			return at(kp, err)
		}
		if other, dup := f.byKey[e.text]; dup {
			return errorf(kp, "access key %q is already listed for user %q", e.text, other.Name)
		}
		f.byKey[e.text] = u
		u.AccessKeyIDs = append(u.AccessKeyIDs, e.text)
	}
	return nil
}

// checkUserName applies IAM's rule: 1 to 64 characters from letters, digits
// and +=,.@_-.
func checkUserName(s string) error {
	if s == "" || len(s) > 64 {
		return errorf("", "%q: a user name has 1 to 64 characters", s)
	}
	for _, c := range s {
		if !isWordChar(c) && !strings.ContainsRune("+=,.@-", c) {
			return errorf("", "%q: a user name may hold only letters, digits and +=,.@_-", s)
		}
	}
	return nil
}

// checkAccessKeyID accepts 1 to 128 letters, digits and underscores; AWS
// keys are 16 to 128 such characters (e.g. AKIAIOSFODNN7EXAMPLE).
func checkAccessKeyID(s string) error {
	if s == "" || len(s) > 128 {
		return errorf("", "%q: an access key id has 1 to 128 characters", s)
	}
	for _, c := range s {
		if !isWordChar(c) {
			return errorf("", "%q: an access key id may hold only letters, digits and _", s)
		}
	}
	return nil
}

func isWordChar(c rune) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}
