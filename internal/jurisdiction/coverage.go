package jurisdiction

import (
	"slices"
	"strings"
)

// Coverage indexes units for J2/J4 look-ups. Build it with NewCoverage.
type Coverage struct {
	units     map[string]Unit
	byArr     map[string]string // arrondissement -> commissariat
	byCommune map[string]string // commune (commune-level) -> commissariat
	dirs      map[string]string // département -> directorate
}

// NewCoverage indexes units. It never fails: data that violates J5 (which
// ValidateCoverage prevents) is resolved deterministically by keeping the
// unit with the smallest ID.
func NewCoverage(units []Unit) *Coverage {
	sorted := slices.Clone(units)
	slices.SortFunc(sorted, func(a, b Unit) int { return strings.Compare(a.ID, b.ID) })
	c := &Coverage{
		units:     make(map[string]Unit, len(units)),
		byArr:     map[string]string{},
		byCommune: map[string]string{},
		dirs:      map[string]string{},
	}
	setOnce := func(m map[string]string, k, v string) {
		if _, ok := m[k]; !ok && k != "" {
			m[k] = v
		}
	}
	for _, u := range sorted {
		c.units[u.ID] = u
		switch u.Kind {
		case UnitDirectorate:
			setOnce(c.dirs, u.Departement, u.ID)
		case UnitCommissariat:
			for _, a := range u.Arrondissements {
				setOnce(c.byArr, a, u.ID)
			}
			for _, m := range u.Communes {
				setOnce(c.byCommune, m, u.ID)
			}
		}
	}
	return c
}

// Unit returns a unit by id.
func (c *Coverage) Unit(id string) (Unit, bool) {
	u, ok := c.units[id]
	return u, ok
}

// Directorate returns the directorate of a département.
func (c *Coverage) Directorate(departement string) (string, bool) {
	id, ok := c.dirs[departement]
	return id, ok
}

// Covering returns the commissariat effectively responsible for place: the
// one covering its arrondissement, else the one covering its commune at
// commune level. False when no commissariat covers it.
func (c *Coverage) Covering(place Place) (string, bool) {
	if id, ok := c.byArr[place.Arrondissement]; ok && place.Arrondissement != "" {
		return id, true
	}
	if id, ok := c.byCommune[place.Commune]; ok && place.Commune != "" {
		return id, true
	}
	return "", false
}

// UnitsCovering lists every commissariat with a coverage entry matching
// place: the arrondissement-level one first, then the commune-level one
// (at most two, distinct). Informational: J2/J4 use only the effective one
// (Covering / Lead).
func (c *Coverage) UnitsCovering(place Place) []string {
	var out []string
	if id, ok := c.byArr[place.Arrondissement]; ok && place.Arrondissement != "" {
		out = append(out, id)
	}
	if id, ok := c.byCommune[place.Commune]; ok && place.Commune != "" && !slices.Contains(out, id) {
		out = append(out, id)
	}
	return out
}

// Lead applies J2: the commissariat covering the arrondissement, else the one
// covering the commune at commune level, else the département's directorate
// with uncovered = true. Error no_directorate when the fallback is needed and
// the département has no directorate.
func (c *Coverage) Lead(place Place) (unitID string, uncovered bool, err error) {
	if id, ok := c.Covering(place); ok {
		return id, false, nil
	}
	if id, ok := c.dirs[place.Departement]; ok && place.Departement != "" {
		return id, true, nil
	}
	return "", true, ruleErr(CodeNoDirectorate, "", "no directorate is configured for département %q", place.Departement)
}

// ValidateCoverage applies J5 to edited (a created or updated unit) against
// the other existing units (units may contain the old version of edited,
// matched by ID, which is ignored). g gives each arrondissement/commune's
// département. Checks, in order:
//   - kind must be directorate|commissariat, département required → invalid_unit;
//   - directorate: no coverage lists (directorate_coverage), no parent
//     (invalid_parent), one per département (duplicate_directorate), and its
//     child commissariats must stay in its département (invalid_parent,
//     field departement);
//   - commissariat: parent must be the directorate of its département
//     (invalid_parent); no unit may have a commissariat as parent;
//     each arrondissement/commune known (unknown_place) and inside its
//     département (coverage_outside_departement); no other commissariat covers
//     the same arrondissement, or the same commune at commune level
//     (coverage_conflict, naming that commissariat).
//
// Arrondissement-level coverage by one commissariat and commune-level coverage
// of the enclosing commune by another is allowed (the former wins, J2).
func ValidateCoverage(units []Unit, edited Unit, g Geography) error {
	if edited.Kind != UnitDirectorate && edited.Kind != UnitCommissariat {
		return ruleErr(CodeInvalidUnit, "kind", "unit kind must be %q or %q, not %q", UnitDirectorate, UnitCommissariat, edited.Kind)
	}
	if edited.Departement == "" {
		return ruleErr(CodeInvalidUnit, "departement", "unit %q needs a département", edited.label())
	}
	others := make([]Unit, 0, len(units))
	byID := make(map[string]Unit, len(units))
	for _, u := range units {
		if edited.ID != "" && u.ID == edited.ID {
			continue
		}
		others = append(others, u)
		byID[u.ID] = u
	}
	slices.SortFunc(others, func(a, b Unit) int { return strings.Compare(a.ID, b.ID) })

	if edited.Kind == UnitDirectorate {
		if len(edited.Communes) > 0 {
			return ruleErr(CodeDirectorateCoverage, "communes", "directorate %q cannot cover communes directly", edited.label())
		}
		if len(edited.Arrondissements) > 0 {
			return ruleErr(CodeDirectorateCoverage, "arrondissements", "directorate %q cannot cover arrondissements directly", edited.label())
		}
		if edited.Parent != "" {
			return ruleErr(CodeInvalidParent, "parent", "directorate %q cannot have a parent unit", edited.label())
		}
		for _, o := range others {
			if o.Kind == UnitDirectorate && o.Departement == edited.Departement {
				return ruleErr(CodeDuplicateDirectorate, "departement", "directorate %q already exists for département %q", o.label(), edited.Departement)
			}
		}
		if edited.ID != "" {
			for _, o := range others {
				if o.Parent == edited.ID && o.Departement != edited.Departement {
					return ruleErr(CodeInvalidParent, "departement",
						"commissariat %q under this directorate belongs to département %q, not %q", o.label(), o.Departement, edited.Departement)
				}
			}
		}
		return nil
	}

	// Commissariat.
	if edited.Parent == "" {
		return ruleErr(CodeInvalidParent, "parent", "commissariat %q needs a parent directorate", edited.label())
	}
	parent, ok := byID[edited.Parent]
	if !ok || parent.Kind != UnitDirectorate {
		return ruleErr(CodeInvalidParent, "parent", "parent %q of commissariat %q is not a directorate", edited.Parent, edited.label())
	}
	if parent.Departement != edited.Departement {
		return ruleErr(CodeInvalidParent, "parent", "parent directorate %q is in département %q, not in the commissariat's département %q",
			parent.label(), parent.Departement, edited.Departement)
	}
	if edited.ID != "" {
		for _, o := range others {
			if o.Parent == edited.ID {
				return ruleErr(CodeInvalidParent, "kind", "unit %q has %q as parent, so it must stay a directorate", o.label(), edited.label())
			}
		}
	}
	for _, a := range edited.Arrondissements {
		p, ok := g.ArrondissementPlace(a)
		if !ok {
			return ruleErr(CodeUnknownPlace, "arrondissements", "unknown arrondissement %q", a)
		}
		if p.Departement != edited.Departement {
			return ruleErr(CodeCoverageOutsideDepartement, "arrondissements",
				"arrondissement %q is in département %q, outside the département %q of commissariat %q", a, p.Departement, edited.Departement, edited.label())
		}
	}
	for _, m := range edited.Communes {
		p, ok := g.CommunePlace(m)
		if !ok {
			return ruleErr(CodeUnknownPlace, "communes", "unknown commune %q", m)
		}
		if p.Departement != edited.Departement {
			return ruleErr(CodeCoverageOutsideDepartement, "communes",
				"commune %q is in département %q, outside the département %q of commissariat %q", m, p.Departement, edited.Departement, edited.label())
		}
	}
	for _, a := range edited.Arrondissements {
		for _, o := range others {
			if o.Kind == UnitCommissariat && slices.Contains(o.Arrondissements, a) {
				return ruleErr(CodeCoverageConflict, "arrondissements", "commissariat %q already covers arrondissement %q", o.label(), a)
			}
		}
	}
	for _, m := range edited.Communes {
		for _, o := range others {
			if o.Kind == UnitCommissariat && slices.Contains(o.Communes, m) {
				return ruleErr(CodeCoverageConflict, "communes", "commissariat %q already covers commune %q at commune level", o.label(), m)
			}
		}
	}
	return nil
}
