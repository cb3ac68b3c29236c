package localproxy

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocs checks the package comments of localproxy and proxyconf and
// that every exported identifier has a doc comment.
func TestDocs(t *testing.T) {
	checkDocs(t, ".", "localproxy")
	checkDocs(t, "proxyconf", "proxyconf")
}

func checkDocs(t *testing.T, dir, pkg string) {
	fset := token.NewFileSet()
	names, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	files := map[string]*ast.File{}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = f
	}
	if len(files) == 0 {
		t.Fatalf("no Go files in %s", dir)
	}
	hasPkgDoc := false
	for name, f := range files {
		if f.Doc != nil && strings.HasPrefix(f.Doc.Text(), "Package "+pkg+" ") {
			hasPkgDoc = true
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Name.IsExported() && d.Doc == nil && (d.Recv == nil || exportedRecv(d)) && !isErrorMethod(d) {
					t.Errorf("%s: %s has no doc comment", name, d.Name.Name)
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					checkSpec(t, name, d, s)
				}
			}
		}
	}
	if !hasPkgDoc {
		t.Errorf("no // Package %s comment in %s", pkg, dir)
	}
}

func exportedRecv(d *ast.FuncDecl) bool {
	typ := d.Recv.List[0].Type
	if s, ok := typ.(*ast.StarExpr); ok {
		typ = s.X
	}
	id, ok := typ.(*ast.Ident)
	return ok && id.IsExported()
}

// isErrorMethod exempts Error() string, documented by the error interface.
func isErrorMethod(d *ast.FuncDecl) bool { return d.Recv != nil && d.Name.Name == "Error" }

func checkSpec(t *testing.T, file string, d *ast.GenDecl, s ast.Spec) {
	switch s := s.(type) {
	case *ast.TypeSpec:
		if s.Name.IsExported() && d.Doc == nil && s.Doc == nil {
			t.Errorf("%s: type %s has no doc comment", file, s.Name.Name)
		}
	case *ast.ValueSpec:
		for _, n := range s.Names {
			if n.IsExported() && d.Doc == nil && s.Doc == nil && s.Comment == nil {
				t.Errorf("%s: %s has no doc comment", file, n.Name)
			}
		}
	}
}
