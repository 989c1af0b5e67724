package apierr

import (
	"maps"
	"net/http"
	"slices"
	"strings"

	"coprosec/internal/i18n"
	"coprosec/internal/syncproto"

	"github.com/pocketbase/pocketbase/tools/router"
)

// French names the catalog entry (internal/i18n) of an error's French
// message when it is not its code's own: a variant key and the values of
// its placeholders. It travels as the error's raw data, never answered.
type French struct {
	Key    string
	Params map[string]any
}

// LangOf is the language of the answer to r (DESIGN §5: French unless
// Accept-Language prefers English).
func LangOf(r *http.Request) i18n.Lang {
	return i18n.FromAcceptLanguage(r.Header.Get("Accept-Language"))
}

// Localize says err's messages in lang, in place: in French, every message
// beside a code (data.code, data.<field>.code, nested ones such as a batch
// request's response) becomes the catalog's, and so does the top-level
// message; codes and every other value are kept. English keeps the
// detailed messages as they were built. A code the catalog does not know
// keeps its message.
func Localize(err *router.ApiError, lang i18n.Lang) {
	if err == nil || lang == i18n.English {
		return
	}
	localizeData(err.Data)
	if f, ok := err.RawData().(French); ok {
		if m, ok := i18n.Message(f.Key, f.Params); ok {
			err.Message = m
			if _, ok := err.Data["message"]; ok {
				err.Data["message"] = m
			}
			return
		}
	}
	if _, ok := err.Data["code"].(string); ok {
		if m, ok := err.Data["message"].(string); ok {
			err.Message = m
		}
		return
	}
	if m, ok := i18n.Phrase(err.Message); ok {
		err.Message = m
		return
	}
	for _, k := range slices.Sorted(maps.Keys(err.Data)) {
		if fe, ok := err.Data[k].(map[string]any); ok {
			if c, ok := fe["code"].(string); ok {
				if m, ok := i18n.Message(c, params(fe)); ok {
					err.Message = m
				}
				return
			}
		}
	}
}

// localizeData replaces, in French, the message of every {code, message}
// map in data and below it.
func localizeData(data map[string]any) {
	if c, ok := data["code"].(string); ok {
		if _, has := data["message"]; has {
			if m, ok := i18n.Message(c, params(data)); ok {
				data["message"] = m
			}
		}
	}
	for k, v := range data {
		switch x := v.(type) {
		case map[string]any:
			if k != "params" {
				localizeData(x)
			}
		case []any: // lists of problems, each with its code
			for _, item := range x {
				if m, ok := item.(map[string]any); ok {
					localizeData(m)
				}
			}
		case *router.ApiError:
			Localize(x, i18n.French)
		}
	}
}

// params are the values of a field error's message (PocketBase's
// data.<field>.params) and, for a 429, its wait.
func params(m map[string]any) map[string]any {
	p, _ := m["params"].(map[string]any)
	return p
}

// LocalizeSync is a push result's error said in lang: a copy in French
// (message and each field's {code, message}), e itself in English. Stored
// results keep their English; they are said again at every answer.
func LocalizeSync(e *syncproto.Error, lang i18n.Lang) *syncproto.Error {
	if e == nil || lang == i18n.English {
		return e
	}
	out := *e
	var p map[string]any
	if e.Code == syncproto.CodeConflict {
		// the fields of a conflict hold the server's values, not errors
		p = map[string]any{"fields": strings.Join(slices.Sorted(maps.Keys(e.Fields)), ", ")}
	} else if len(e.Fields) > 0 {
		out.Fields = make(map[string]any, len(e.Fields))
		for _, k := range slices.Sorted(maps.Keys(e.Fields)) {
			v := e.Fields[k]
			if fe, ok := v.(map[string]any); ok {
				if c, ok := fe["code"].(string); ok {
					if c == e.Code && p == nil {
						p = params(fe) // the values of the error's own message
					}
					if m, ok := i18n.Message(c, params(fe)); ok {
						fe = maps.Clone(fe)
						fe["message"] = m
						v = fe
					}
				}
			}
			out.Fields[k] = v
		}
	}
	if m, ok := i18n.Message(e.Code, p); ok {
		out.Message = m
	}
	return &out
}
