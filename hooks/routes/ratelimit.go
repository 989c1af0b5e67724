package routes

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"coprosec/hooks/apierr"
	"coprosec/hooks/priority"
	"coprosec/internal/accounts"
	"coprosec/internal/i18n"
	"coprosec/internal/ratelimit"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"
)

// Per-account limits for signed-in traffic. A field phone replaying a day
// of offline work pushes in batches of up to 500 mutations, so the budget
// counts requests, not records.
const (
	accountRequestsPerMinute = 600
	accountPushesPerMinute   = 60
)

func (s *Routes) bindAccountRateLimit(e *core.ServeEvent) {
	requests := ratelimit.New(accountRequestsPerMinute, time.Minute)
	pushes := ratelimit.New(accountPushesPerMinute, time.Minute)
	e.Router.Bind(&hook.Handler[*core.RequestEvent]{
		Id: "coprosecAccountRateLimit",
		// right after PocketBase has loaded the auth token
		Priority: priority.AccountRateLimit,
		Func: func(e *core.RequestEvent) error {
			if e.Auth == nil || e.HasSuperuserAuth() || !e.App.Settings().RateLimits.Enabled {
				return e.Next()
			}
			key := e.Auth.Collection().Id + ":" + e.Auth.Id
			if !requests.Allow(key) {
				return tooManyRequests(e, apierr.CodeRateLimited, "Too many requests for this account; try again in a minute.", requests.RetryAfter(key), nil)
			}
			if strings.HasPrefix(e.Request.URL.Path, "/api/sync/push") && !pushes.Allow(key) {
				return tooManyRequests(e, apierr.CodeRateLimited, "Too many sync pushes for this account; try again in a minute.", pushes.RetryAfter(key),
					&apierr.French{Key: apierr.CodeRateLimited + ".push"})
			}
			return e.Next()
		},
	})
}

// bindSignInGuard limits password guessing (issue 12.11) with the budgets
// of ratelimit.DefaultSignInPolicy, one set per auth collection, so that
// users' failures never touch the dashboard's superusers:
//
//   - per account, not per identity string: the identity is resolved to
//     the account first (email or phone, in any form the field app
//     accepts), so its email and phone share one budget; an identity that
//     matches no account gets the same budget under its normalized form,
//     so a refusal tells nothing about whether the account exists;
//   - per address, only the number of distinct accounts that failed from
//     it: hundreds of phones share one carrier-NAT address, so a burst of
//     failures there (one person hammering an account) must not stop the
//     others behind it, and per-address counting of failures would; a spray
//     of one password over many accounts still hits a ceiling. Identities
//     that match no account do not count there: guessing them tries no
//     password, and counting them would let anyone shut a NAT address out
//     with a hundred made-up names;
//   - each attempt is counted before the password is checked and settled
//     after, so that 40 guesses sent at once cannot all pass a check made
//     before any of them was counted.
//
// It also answers an account that may not sign in (disabled, or any other
// failure of the collection's auth rule) exactly like a wrong password,
// after the same password check, so that the answer does not confirm the
// password; that attempt counts as a failure too, for the same reason.
func (s *Routes) bindSignInGuard() {
	guard := ratelimit.NewSignIns(ratelimit.DefaultSignInPolicy)
	guard.Now = s.write.Now
	s.app.OnRecordAuthWithPasswordRequest().BindFunc(func(e *core.RecordAuthWithPasswordRequestEvent) error {
		resolveIdentity(e)
		if !e.App.Settings().RateLimits.Enabled {
			return checkPassword(e)
		}
		ns := e.Collection.Id + "/"
		account, real := ns+signInAccountKey(e), e.Record != nil
		attempt, refused := guard.Begin(account, real, ns+addressKey(e.RealIP()))
		if refused != nil {
			wait := i18n.Wait(refused.RetryAfter)
			msg := "Too many failed sign-ins for this identifier; try again in " + wait + "."
			french := &apierr.French{Key: apierr.CodeTooManyFailedSignins, Params: map[string]any{"wait": wait}}
			if refused.ByAddress {
				msg = "Too many failed sign-ins from this address; try again in " + wait + "."
				french.Key += ".address"
			}
			return tooManyRequests(e.RequestEvent, apierr.CodeTooManyFailedSignins, msg, refused.RetryAfter, french)
		}
		defer attempt.Abandon() // a panic gives the place back; no-op once settled
		err := checkPassword(e)
		var apiErr *router.ApiError
		switch {
		case err == nil || errors.Is(err, apis.ErrMFA): // the password was right
			attempt.Succeeded()
		case errors.As(err, &apiErr) && apiErr.Status == http.StatusBadRequest:
			attempt.Failed() // the only 400 past the form's validation
		default:
			attempt.Abandon() // the server's failure, not the guess's
		}
		return err
	})
}

// resolveIdentity finds the account of an identity typed in another form
// than the stored one (PocketBase matches identities exactly): an email in
// capitals, a phone number in its local form or with spaces, as the field
// app normalizes them; so it signs in, and counts against that account.
func resolveIdentity(e *core.RecordAuthWithPasswordRequestEvent) {
	if e.Record != nil {
		return
	}
	identity := accounts.NormalizeIdentity(e.Identity)
	if identity == e.Identity {
		return // PocketBase has looked it up already
	}
	field := "phone"
	if strings.Contains(identity, "@") {
		field = core.FieldNameEmail
	} else if !strings.HasPrefix(identity, "+") {
		return
	}
	if (e.IdentityField != "" && e.IdentityField != field) || !slices.Contains(e.Collection.PasswordAuth.IdentityFields, field) {
		return
	}
	if r, err := e.App.FindFirstRecordByData(e.Collection, field, identity); err == nil {
		e.Record = r
	}
}

// checkPassword is PocketBase's password check, refusing with the same
// answer, after the same work, an account that its collection's auth rule
// does not let sign in (PocketBase would answer it with a 403 once the
// password is right).
func checkPassword(e *core.RecordAuthWithPasswordRequestEvent) error {
	if e.Record != nil {
		info, err := e.RequestInfo()
		if err != nil {
			return err
		}
		ok, ruleErr := e.App.CanAccessRecord(e.Record, info, e.Collection.AuthRule)
		if ruleErr != nil {
			e.App.Logger().Warn("sign-in: auth rule failed", "collection", e.Collection.Name, "error", ruleErr)
		}
		if !ok {
			_ = e.Record.ValidatePassword(e.Password)
			return e.BadRequestError("Failed to authenticate.", errors.New("invalid login credentials"))
		}
	}
	return e.Next()
}

// signInAccountKey is the budget of the attempt: the account, or the
// normalized identity (hashed: memory holds no identities in clear, and
// each key has a bounded size) when it matches none.
func signInAccountKey(e *core.RecordAuthWithPasswordRequestEvent) string {
	if e.Record != nil {
		return e.Record.Id
	}
	sum := sha256.Sum256([]byte(strings.ToLower(accounts.NormalizeIdentity(e.Identity))))
	return "?" + hex.EncodeToString(sum[:16])
}

// addressKey is the client's address, or its /64 for IPv6 (one subscriber's
// prefix).
func addressKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	if addr = addr.Unmap(); addr.Is4() {
		return addr.String()
	}
	return netip.PrefixFrom(addr, 64).Masked().String()
}

// tooManyRequests is apierr's 429 with its Retry-After header.
func tooManyRequests(e *core.RequestEvent, code, message string, wait time.Duration, french *apierr.French) error {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	e.Response.Header().Set("Retry-After", strconv.Itoa(secs))
	return apierr.TooManyRequests(code, message, secs, french)
}
