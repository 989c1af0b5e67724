package geo

// Resolution names the administrative units containing a point, by code.
// Finer levels are empty when the point was only found at a coarser one.
type Resolution struct {
	Departement    string `json:"departement"`
	Commune        string `json:"commune"`
	Arrondissement string `json:"arrondissement"`
}

// Resolver maps a point to its département, commune and arrondissement.
// It is immutable and safe for concurrent use.
type Resolver struct {
	deps, communes, arrs *Index
}

// NewResolver indexes the three layers. Any of them may be empty.
func NewResolver(deps, communes, arrs []Feature) *Resolver {
	return &Resolver{
		deps:     NewIndex(deps),
		communes: NewIndex(communes),
		arrs:     NewIndex(arrs),
	}
}

// Resolve locates p at the finest level that contains it and takes the
// coarser codes from that unit's parents rather than from separate
// lookups, so the answer is always a consistent chain even near borders
// where layers drawn from different surveys disagree. Only codes the unit
// lacks are looked up in the coarser layers. It falls back to the commune
// layer, then the département layer, and reports false when p is outside
// all three.
func (r *Resolver) Resolve(p Point) (Resolution, bool) {
	var res Resolution
	if a, ok := r.arrs.Locate(p); ok {
		res = Resolution{Arrondissement: a.Code, Commune: a.ParentCode, Departement: a.DepartementCode}
	} else if c, ok := r.communes.Locate(p); ok {
		res = Resolution{Commune: c.Code, Departement: communeDepartement(c)}
	} else if d, ok := r.deps.Locate(p); ok {
		return Resolution{Departement: d.Code}, true
	} else {
		return Resolution{}, false
	}

	// A layer read without parent codes (geoBoundaries, before
	// AssignParents) leaves gaps; fill them from the coarser layers.
	if res.Commune == "" {
		if c, ok := r.communes.Locate(p); ok {
			res.Commune = c.Code
		}
	}
	if res.Departement == "" {
		if c, ok := r.communes.Get(res.Commune); ok {
			res.Departement = communeDepartement(c)
		}
	}
	if res.Departement == "" {
		if d, ok := r.deps.Locate(p); ok {
			res.Departement = d.Code
		}
	}
	return res, true
}

func communeDepartement(c *Feature) string {
	if c.DepartementCode != "" {
		return c.DepartementCode
	}
	return c.ParentCode
}

// Empty reports whether the resolver has no feature at any level, so that
// callers can report "boundaries not loaded" instead of "outside Benin".
func (r *Resolver) Empty() bool {
	return r.deps.Len() == 0 && r.communes.Len() == 0 && r.arrs.Len() == 0
}

// Index returns the index of one level, or nil for an unknown level, so
// that callers can look units up by code (Index.Get) for their names.
func (r *Resolver) Index(l Level) *Index {
	switch l {
	case Departement:
		return r.deps
	case Commune:
		return r.communes
	case Arrondissement:
		return r.arrs
	}
	return nil
}
