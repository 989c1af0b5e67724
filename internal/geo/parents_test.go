package geo

import (
	"errors"
	"testing"
)

func TestAssignParents(t *testing.T) {
	deps := NewIndex([]Feature{
		{Level: Departement, Code: "BJ01", DepartementCode: "BJ01", Geometry: MultiPolygon{{rect(0, 0, 10, 10)}}},
		{Level: Departement, Code: "BJ02", DepartementCode: "BJ02", Geometry: MultiPolygon{{rect(10, 0, 20, 10)}}},
	})
	communes := []Feature{
		feat(Commune, "c1", "", MultiPolygon{{rect(0, 0, 10, 5)}}),
		feat(Commune, "c2", "", MultiPolygon{{rect(0, 5, 10, 10)}}),
		feat(Commune, "c3", "", MultiPolygon{{rect(10, 0, 20, 10)}}),
		// Already has a parent: left alone.
		feat(Commune, "c4", "keep", MultiPolygon{{rect(10, 0, 20, 10)}}),
	}
	if err := AssignParents(communes, deps); err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct{ code, parent, dep string }{
		{"c1", "BJ01", "BJ01"}, {"c2", "BJ01", "BJ01"}, {"c3", "BJ02", "BJ02"}, {"c4", "keep", ""},
	} {
		for _, c := range communes {
			if c.Code == want.code && (c.ParentCode != want.parent || c.DepartementCode != want.dep) {
				t.Errorf("%s: parent %q dep %q, want %q %q", c.Code, c.ParentCode, c.DepartementCode, want.parent, want.dep)
			}
		}
	}

	// Arrondissements take the département from their commune.
	arrs := []Feature{feat(Arrondissement, "a1", "", MultiPolygon{{rect(1, 6, 2, 7)}})}
	if err := AssignParents(arrs, NewIndex(communes)); err != nil {
		t.Fatal(err)
	}
	if arrs[0].ParentCode != "c2" || arrs[0].DepartementCode != "BJ01" {
		t.Errorf("a1: parent %q dep %q, want c2 BJ01", arrs[0].ParentCode, arrs[0].DepartementCode)
	}
}

func TestAssignParentsFallback(t *testing.T) {
	// The parents leave a gap (lon 4..6) exactly where the child's interior
	// point falls; the child's vertices decide: three in P2, two in P1.
	parents := NewIndex([]Feature{
		feat(Commune, "P1", "D", MultiPolygon{{rect(0, 0, 4, 10)}}),
		feat(Commune, "P2", "D", MultiPolygon{{rect(6, 0, 10, 10)}}),
	})
	child := []Feature{feat(Arrondissement, "k", "", MultiPolygon{{ringOf(3, 4, 5, 2, 7, 4, 8, 5, 7, 6, 3, 6, 3, 4)}})}
	if p, ok := parents.Locate(child[0].Geometry.InteriorPoint()); ok {
		t.Fatalf("test setup: interior point %v is in %s, want the gap", child[0].Geometry.InteriorPoint(), p.Code)
	}
	if err := AssignParents(child, parents); err != nil {
		t.Fatal(err)
	}
	if child[0].ParentCode != "P2" || child[0].DepartementCode != "D" {
		t.Errorf("parent %q dep %q, want P2 D", child[0].ParentCode, child[0].DepartementCode)
	}
}

func TestAssignParentsErrors(t *testing.T) {
	parents := NewIndex([]Feature{feat(Commune, "P", "D", MultiPolygon{{rect(0, 0, 1, 1)}})})
	children := []Feature{
		feat(Arrondissement, "in", "", MultiPolygon{{rect(0.2, 0.2, 0.8, 0.8)}}),
		feat(Arrondissement, "far", "", MultiPolygon{{rect(5, 5, 6, 6)}}),
	}
	err := AssignParents(children, parents)
	if !errors.Is(err, ErrNoParent) {
		t.Fatalf("err = %v, want ErrNoParent", err)
	}
	if children[0].ParentCode != "" {
		t.Error("children changed despite the error")
	}
	if err := AssignParents(children, NewIndex(nil)); !errors.Is(err, ErrNoParent) {
		t.Errorf("empty index: err = %v, want ErrNoParent", err)
	}
	// Wrong level: a commune cannot be a département's parent.
	deps := []Feature{feat(Departement, "X", "", MultiPolygon{{rect(0.2, 0.2, 0.8, 0.8)}})}
	if err := AssignParents(deps, parents); err == nil {
		t.Error("level mismatch accepted")
	}
}
