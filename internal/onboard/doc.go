// Package onboard reads the bulk onboarding files of DESIGN §6 — units
// with their coverage, and accounts — and checks every row before
// anything is written: the header, the encoding and separator, required
// values, codes' shape, phone numbers and duplicates within the file. A
// refused file names the line of each problem; the glue (hooks/onboard)
// then resolves codes and names against the database and applies the
// rows all-or-nothing.
package onboard
